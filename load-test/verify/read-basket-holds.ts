import type { HttpClient } from '../http-client.js';
import type { Observations } from './observations.js';

/** GETs in flight at once: enough to read thousands of holds in a few seconds, not a load of its own. */
const CONCURRENCY = 16;

/**
 * Reads, through the API, the status of every hold of every granted basket (GET
 * /events/{e}/sections/{s}/holds/{holdId}): holdId → `status`, or what went wrong (`HTTP 404`,
 * `timeout`), which no check accepts as a status.
 */
export async function readBasketHolds(
  http: HttpClient,
  observations: Observations,
): Promise<Map<string, string>> {
  const holdIds = [...observations.baskets.values()].flatMap((basket) => basket.holdIds);
  const statuses = new Map<string, string>();
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < holdIds.length) {
      const holdId = holdIds[next++]!;
      const hold = observations.holds.get(holdId);
      if (!hold) continue;
      const result = await http.send(
        'GET',
        `/events/${hold.eventId}/sections/${hold.sectionId}/holds/${holdId}`,
      );
      const body = result.body as { status?: unknown } | undefined;
      statuses.set(
        holdId,
        result.status === 200 && typeof body?.status === 'string'
          ? body.status
          : (result.failure ?? `HTTP ${result.status}`),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, holdIds.length) }, reader));
  return statuses;
}
