/** Server-Sent Events framing (WHATWG HTML, "Server-sent events"): what every stream writes. */

/** Headers of every stream: never cached, never buffered by a proxy (nginx reads `X-Accel-Buffering`). */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

/** A comment line: ignored by clients, keeps proxies from closing an idle connection. */
export const HEARTBEAT = ': ping\n\n';

/** One message. `data` is JSON on one line, so it needs no splitting. */
export function sseMessage(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The `Last-Event-ID` header as one string, or undefined when absent or empty. */
export function lastEventIdOf(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
