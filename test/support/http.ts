/* eslint-disable @typescript-eslint/no-explicit-any -- test answers are inspected loosely */
import { request } from 'undici';

export interface HttpAnswer<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** A small JSON client for tests: never throws on a status, returns it. */
export async function http<T = any>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer<T>> {
  const hasBody = body !== undefined;
  const res = await request(url, {
    method: method as 'GET',
    headers: {
      ...(hasBody && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(hasBody ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.statusCode, headers: res.headers, body: parsed as T };
}
