import type { HttpClient } from '../http-client.js';
import { sectionKey, type Observations } from './observations.js';
import type { AuctionView, GridSnapshot, SectionView } from './snapshots.js';

type Json = Record<string, unknown>;
const num = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);

/** Reads, through the API, every section and auction the run created. */
export async function readGridSnapshot(http: HttpClient, observations: Observations): Promise<GridSnapshot> {
  const snapshot: GridSnapshot = { sections: new Map(), auctions: new Map(), unreadable: [] };
  for (const section of observations.sections.values()) {
    const path = `/events/${section.eventId}/sections/${section.sectionId}`;
    const result = await http.send('GET', path);
    if (result.status !== 200) {
      snapshot.unreadable.push(`GET ${path} → ${result.failure ?? result.status}`);
      continue;
    }
    const body = result.body as Json;
    const view: SectionView = {
      eventId: section.eventId,
      sectionId: section.sectionId,
      capacity: num(body.capacity),
      held: num(body.held),
      sold: num(body.sold),
      seats:
        typeof body.seats === 'object' && body.seats !== null
          ? (body.seats as Record<string, string>)
          : undefined,
    };
    snapshot.sections.set(sectionKey(view.eventId, view.sectionId), view);
  }
  for (const auctionId of observations.auctions.keys()) {
    const path = `/auctions/${auctionId}`;
    const result = await http.send('GET', path);
    if (result.status !== 200) {
      snapshot.unreadable.push(`GET ${path} → ${result.failure ?? result.status}`);
      continue;
    }
    const body = result.body as Json;
    const highest = body.highestBid as Json | null | undefined;
    const view: AuctionView = {
      auctionId,
      highestAmount: highest ? num(highest.amount) : null,
      bidCount: num(body.bidCount),
    };
    snapshot.auctions.set(auctionId, view);
  }
  return snapshot;
}
