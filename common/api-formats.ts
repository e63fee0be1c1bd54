import { API_TIME_RULE, parseApiTime } from './api-time.js';

/** A JSON-schema `format` of API.md's: how a string is checked, and what a person is told when it fails. */
export interface ApiFormat {
  validate(value: string): boolean;
  /** Completes "`body/name` …" in a 400 VALIDATION_FAILED. */
  readonly rule: string;
}

/** A UTF-16 surrogate that is not half of a pair: with the `u` flag a pair is one code point, never matched. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * The formats API schemas use beyond JSON Schema's own, registered with every Fastify's Ajv by
 * `createHttpServer` (Ajv refuses to compile a schema naming a format it does not know, so a
 * server without them cannot start by mistake), and explained by `sendError`.
 *
 * - `free-text`: any Unicode text Postgres `text` and `jsonb` can store, byte for byte: everything
 *   but NUL (U+0000) and unpaired surrogates (U+D800..U+DFFF). Emoji and other astral characters
 *   arrive as surrogate pairs and are accepted.
 * - `utc-time`: `parseApiTime` (`common/api-time.ts`).
 */
export const API_FORMATS = {
  'free-text': {
    validate: (value: string) => !value.includes('\u0000') && !LONE_SURROGATE.test(value),
    rule:
      'must not contain the NUL character (U+0000) or an unpaired UTF-16 surrogate (U+D800 to U+DFFF); ' +
      'any other Unicode character, emoji included, is fine',
  },
  'utc-time': {
    validate: (value: string) => parseApiTime(value) !== undefined,
    rule: API_TIME_RULE,
  },
} as const satisfies Record<string, ApiFormat>;

export type ApiFormatName = keyof typeof API_FORMATS;

/** The rule of a format of ours, or `undefined` for any other name (JSON Schema's own formats). */
export function apiFormatRule(name: unknown): string | undefined {
  return typeof name === 'string' && Object.hasOwn(API_FORMATS, name)
    ? API_FORMATS[name as ApiFormatName].rule
    : undefined;
}
