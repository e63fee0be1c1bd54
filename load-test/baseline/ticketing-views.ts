import type {
  EventView,
  HoldView,
  OrderView,
  SeatStatus,
  SectionView,
} from '../../common/ticketing-api-schemas.js';

/** The API.md shapes the baseline answers with (the units' own types), built from its rows. */

export interface SectionRow {
  section_id: string;
  kind: 'GA' | 'RESERVED';
  capacity: number;
  held: number;
  sold: number;
}

export function sectionView(row: SectionRow, seats?: Record<string, SeatStatus>): SectionView {
  return {
    id: row.section_id,
    kind: row.kind,
    capacity: row.capacity,
    available: row.capacity - row.held - row.sold,
    held: row.held,
    sold: row.sold,
    ...(seats ? { seats } : {}),
  };
}

export interface EventRow {
  event_id: string;
  name: string;
  starts_at: Date;
  hold_ttl_seconds: number;
  max_seats_per_hold: number;
}

export function eventView(row: EventRow, sections: SectionRow[]): EventView {
  return {
    id: row.event_id,
    name: row.name,
    startsAt: row.starts_at.toISOString(),
    holdTtlSeconds: row.hold_ttl_seconds,
    maxSeatsPerHold: row.max_seats_per_hold,
    sections: sections.map((s) => sectionView(s)),
  };
}

export interface HoldRow {
  hold_id: string;
  event_id: string;
  section_id: string;
  customer_id: string;
  quantity: number;
  seats: string[] | null;
  status: 'HELD' | 'PURCHASED' | 'RELEASED' | 'EXPIRED';
  expires_at: Date;
  order_id: string | null;
}

/** A HELD hold past its expiry shows as EXPIRED even before the sweeper has released it. */
export function holdView(row: HoldRow, now = Date.now()): HoldView {
  const status = row.status === 'HELD' && row.expires_at.getTime() <= now ? 'EXPIRED' : row.status;
  return {
    holdId: row.hold_id,
    eventId: row.event_id,
    sectionId: row.section_id,
    customerId: row.customer_id,
    quantity: row.quantity,
    ...(row.seats ? { seats: row.seats } : {}),
    status,
    expiresAt: row.expires_at.toISOString(),
    ...(row.order_id ? { orderId: row.order_id } : {}),
  };
}

export interface OrderRow {
  order_id: string;
  hold_id: string;
  event_id: string;
  section_id: string;
  customer_id: string;
  quantity: number;
  seats: string[] | null;
  purchased_at: Date;
}

export function orderView(row: OrderRow): OrderView {
  return {
    orderId: row.order_id,
    holdId: row.hold_id,
    eventId: row.event_id,
    sectionId: row.section_id,
    customerId: row.customer_id,
    quantity: row.quantity,
    ...(row.seats ? { seats: row.seats } : {}),
    status: 'CONFIRMED',
    purchasedAt: row.purchased_at.toISOString(),
  };
}
