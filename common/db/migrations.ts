/**
 * Versioned schema migrations, applied in order at start by `migrate()`. Append only: never edit
 * a migration that has shipped; add the next one. Kept as TypeScript so the build carries them.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ticketing',
    sql: `
      CREATE TABLE events (
        event_id           text PRIMARY KEY,
        name               text NOT NULL,
        starts_at          timestamptz NOT NULL,
        hold_ttl_seconds   integer NOT NULL,
        max_seats_per_hold integer NOT NULL,
        created_at         timestamptz NOT NULL,
        version            bigint NOT NULL DEFAULT 1
      );
      CREATE TABLE sections (
        event_id   text NOT NULL,
        section_id text NOT NULL,
        kind       text NOT NULL CHECK (kind IN ('GA', 'RESERVED')),
        capacity   integer NOT NULL,
        held       integer NOT NULL DEFAULT 0,
        sold       integer NOT NULL DEFAULT 0,
        version    bigint NOT NULL DEFAULT 0,
        position   integer NOT NULL DEFAULT 0,
        seat_ids   text[],
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, section_id),
        CHECK (held >= 0 AND sold >= 0 AND held + sold <= capacity)
      );
      CREATE TABLE holds (
        hold_id      text PRIMARY KEY,
        event_id     text NOT NULL,
        section_id   text NOT NULL,
        customer_id  text NOT NULL,
        quantity     integer NOT NULL,
        seats        text[],
        status       text NOT NULL CHECK (status IN ('HELD', 'PURCHASED', 'RELEASED', 'EXPIRED')),
        created_at   timestamptz NOT NULL,
        expires_at   timestamptz NOT NULL,
        order_id     text,
        purchased_at timestamptz,
        closed_at    timestamptz,
        version      bigint NOT NULL
      );
      CREATE INDEX holds_by_section ON holds (event_id, section_id, status);
      CREATE TABLE orders (
        order_id     text PRIMARY KEY,
        hold_id      text NOT NULL UNIQUE,
        event_id     text NOT NULL,
        section_id   text NOT NULL,
        customer_id  text NOT NULL,
        quantity     integer NOT NULL,
        seats        text[],
        purchased_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'bidding',
    sql: `
      CREATE TABLE auctions (
        auction_id         text PRIMARY KEY,
        title              text NOT NULL,
        status             text NOT NULL CHECK (status IN ('SCHEDULED', 'OPEN', 'CLOSED')),
        starting_price     bigint NOT NULL,
        min_increment      bigint NOT NULL,
        reserve_price      bigint,
        soft_close_seconds integer NOT NULL DEFAULT 0,
        starts_at          timestamptz NOT NULL,
        ends_at            timestamptz NOT NULL,
        created_at         timestamptz NOT NULL,
        closed_at          timestamptz,
        highest_amount     bigint,
        highest_bidder_id  text,
        highest_bid_id     text,
        bid_count          integer NOT NULL DEFAULT 0,
        version            bigint NOT NULL DEFAULT 0
      );
      CREATE TABLE bids (
        bid_id     text PRIMARY KEY,
        auction_id text NOT NULL,
        bidder_id  text NOT NULL,
        amount     bigint NOT NULL,
        placed_at  timestamptz NOT NULL
      );
      CREATE INDEX bids_by_auction ON bids (auction_id, amount DESC);
    `,
  },
  {
    version: 3,
    name: 'write-behind repairs',
    sql: `
      -- A change the data writers could not store (the workflow event pattern): one per key at most;
      -- later changes of that key wait in change_held_back, in version order, until it is repaired.
      -- Changes are kept as JSON text, which can hold what jsonb and text columns refuse (NUL, lone
      -- surrogates: JSON.stringify escapes them).
      CREATE TABLE change_repairs (
        repair_id       bigserial PRIMARY KEY,
        aggregate       text NOT NULL,
        key             text NOT NULL,
        version         bigint NOT NULL,
        change          text NOT NULL,
        error           text NOT NULL,
        sqlstate        text,
        attempts        integer NOT NULL DEFAULT 1,
        first_failed_at timestamptz NOT NULL DEFAULT now(),
        last_failed_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (aggregate, key)
      );
      CREATE TABLE change_held_back (
        aggregate text NOT NULL,
        key       text NOT NULL,
        version   bigint NOT NULL,
        change    text NOT NULL,
        held_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (aggregate, key, version)
      );
    `,
  },
];
