/**
 * Asks a process's `/readyz` (or `/healthz`) once: `undefined` when it answered 200, otherwise why
 * not, in words for an operator (the API error's message, the status, or the connection error).
 */
export async function notReadyReason(url: string, timeoutMs = 2_000): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (response.ok) return undefined;
    try {
      const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
      if (typeof message === 'string') return message;
    } catch {
      // not JSON: fall through to the status
    }
    return `answered ${response.status}: ${text.slice(0, 120)}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
