import { Type, type StringOptions } from '@sinclair/typebox';
import type { ApiFormatName } from './api-formats.js';

/** API.md identifiers: `[A-Za-z0-9_-]{1,64}`. */
export const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
/** What a person is told about an identifier that does not match `ID_PATTERN`. */
export const ID_RULE =
  "must be an identifier: 1 to 64 characters, each a letter (A-Z, a-z), a digit, '_' or '-'";
export const Id = Type.String({ pattern: ID_PATTERN });

/** API.md money: integer minor units, 1..10^12 (Postgres `bigint`). */
export const Money = Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 });

/** API.md times: see `parseApiTime` (`common/api-time.ts`); 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z. */
export const IsoTime = Type.String({ format: 'utc-time' satisfies ApiFormatName });

/**
 * Any string that is not an `Id` (names, titles): Unicode text Postgres can store exactly,
 * so no NUL and no unpaired surrogate (`free-text` in `common/api-formats.ts`).
 */
export const FreeText = (options: Omit<StringOptions, 'format' | 'pattern'> = {}) =>
  Type.String({ ...options, format: 'free-text' satisfies ApiFormatName });
