// The admin API as the page calls it: the token of this browser tab, and JSON requests that carry it.

const TOKEN_KEY = 'spacegrid.adminToken';
const TIMEOUT_MS = 5000;

/** The admin API refused the token (401): the page asks for it again. */
export class UnauthorizedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** Any other answer than the one asked for, with the API's own error code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * `method path` with the tab's token; resolves with `{ status, body }` for a 2xx answer and for any
 * status listed in `accept`, throws UnauthorizedError on 401 and ApiError on anything else.
 */
export async function call(method, path, body, accept = []) {
  const headers = { authorization: `Bearer ${getToken() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const why =
      err instanceof DOMException && err.name === 'TimeoutError' ? 'no answer in 5 s' : 'unreachable';
    throw new ApiError(0, 'NETWORK', `${method} ${path}: ${why}`);
  }
  const text = await res.text();
  let parsed;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.status === 401) {
    throw new UnauthorizedError(parsed?.error?.message ?? 'the admin API refused the token');
  }
  if (res.ok || accept.includes(res.status)) return { status: res.status, body: parsed };
  const code = parsed?.error?.code ?? `HTTP_${res.status}`;
  const message = parsed?.error?.message ?? (text.slice(0, 200) || res.statusText);
  throw new ApiError(res.status, code, `${method} ${path}: ${res.status} ${code}: ${message}`);
}
