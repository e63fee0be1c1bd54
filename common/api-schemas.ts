import { Type } from '@sinclair/typebox';

/** API.md identifiers: `[A-Za-z0-9_-]{1,64}`. */
export const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/** API.md money: integer minor units, 1..10^12. */
export const Money = Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 });

export const IsoTime = Type.String({ minLength: 10, maxLength: 40 });
