import { RetryLaterError } from '../common/errors.js';
import type { JsonMap } from '../common/json-map.js';
import type { Hold } from '../common/ticketing-model.js';

/** What a unit asks of the archive (Postgres, through the data reader). */
export interface Archive {
  /** A hold that has left the grid (closed, past its retention), or null if Postgres has none. */
  hold(eventId: string, sectionId: string, holdId: string): Promise<Hold | null>;
  /**
   * Puts an aggregate the grid lost back from Postgres (a lost partition). Resolves 'restored' when
   * it is in the grid again (restored now, or by someone else), 'absent' when Postgres has no such
   * aggregate; throws RESTORING while Postgres may still be behind what the grid had acknowledged.
   */
  restore(target: RestoreTarget): Promise<'restored' | 'absent'>;
}

export type RestoreTarget =
  | { kind: 'section'; eventId: string; sectionId: string }
  | { kind: 'event'; eventId: string }
  | { kind: 'auction'; auctionId: string };

/** The path of a restore request on the data reader. */
function restorePath(target: RestoreTarget): string {
  switch (target.kind) {
    case 'section':
      return `/restore/sections/${enc(target.eventId)}/${enc(target.sectionId)}`;
    case 'event':
      return `/restore/events/${enc(target.eventId)}`;
    case 'auction':
      return `/restore/auctions/${enc(target.auctionId)}`;
  }
}

const enc = encodeURIComponent;

/**
 * The data reader over HTTP: reads on demand of what left the grid (the book's archive reads) and
 * restores of what the grid lost. Failing to reach it is a 503 that says so, never a 404: the
 * unit cannot tell "never existed" from "left the grid" without it.
 */
export class ReaderArchive implements Archive {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async hold(eventId: string, sectionId: string, holdId: string): Promise<Hold | null> {
    const response = await this.call(
      'GET',
      `/archive/holds/${enc(eventId)}/${enc(sectionId)}/${enc(holdId)}`,
    );
    if (response.status === 404) return null;
    if (response.status !== 200) throw await this.unavailable(response);
    return (await response.json()) as Hold;
  }

  async restore(target: RestoreTarget): Promise<'restored' | 'absent'> {
    const response = await this.call('POST', restorePath(target));
    if (response.status === 404) return 'absent';
    if (response.status === 200) return 'restored';
    if (response.status === 503) {
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      throw new RetryLaterError(
        'RESTORING',
        `lost from the grid, being restored from Postgres: ${body?.error?.message ?? 'waiting'}`,
        Number(response.headers.get('retry-after') ?? 1),
      );
    }
    throw await this.unavailable(response);
  }

  private async call(method: 'GET' | 'POST', path: string): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, { method, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new RetryLaterError(
        'ARCHIVE_UNAVAILABLE',
        `the data reader at ${this.baseUrl} cannot be reached (${(err as Error).message}): ` +
          'what left the grid cannot be read now',
      );
    }
  }

  private async unavailable(response: Response): Promise<RetryLaterError> {
    const text = await response.text().catch(() => '');
    return new RetryLaterError(
      'ARCHIVE_UNAVAILABLE',
      `the data reader answered ${response.status}: ${text.slice(0, 200)}`,
    );
  }
}

/**
 * The value of `key`; when the grid lacks it, `restore` asks the data reader to put it back from
 * Postgres and the grid is read again. `whenAbsent` says what Postgres having none means: it
 * returns a fresh value to create (putIfAbsent), or throws (404). Still missing: 503 RESTORING.
 */
export async function readOrRestore<T>(
  map: JsonMap<T>,
  key: string,
  restore: () => Promise<'restored' | 'absent'>,
  whenAbsent: () => T,
): Promise<T> {
  const stored = await map.get(key);
  if (stored) return stored.value;
  if ((await restore()) === 'absent') await map.putIfAbsent(key, whenAbsent());
  const restored = await map.get(key);
  if (!restored) throw new RetryLaterError('RESTORING', `${key} is being restored from Postgres`);
  return restored.value;
}
