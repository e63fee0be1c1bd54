/**
 * The baseline's own tables, in its own database. The columns API.md lists for "What lands in
 * Postgres" are all here, so the harness verifies the baseline exactly as it verifies spacegrid.
 * Idempotent; run under an advisory lock so two starting servers take turns.
 */
export const BASELINE_DDL = `
CREATE TABLE IF NOT EXISTS events (
  event_id           text PRIMARY KEY,
  name               text NOT NULL,
  starts_at          timestamptz NOT NULL,
  hold_ttl_seconds   integer NOT NULL,
  max_seats_per_hold integer NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS sections (
  event_id   text NOT NULL REFERENCES events,
  section_id text NOT NULL,
  position   integer NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('GA', 'RESERVED')),
  capacity   integer NOT NULL,
  held       integer NOT NULL DEFAULT 0,
  sold       integer NOT NULL DEFAULT 0,
  version    bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (event_id, section_id),
  CHECK (held >= 0 AND sold >= 0 AND held + sold <= capacity)
);
CREATE TABLE IF NOT EXISTS seats (
  event_id   text NOT NULL,
  section_id text NOT NULL,
  seat_id    text NOT NULL,
  position   integer NOT NULL,
  status     text NOT NULL DEFAULT 'AVAILABLE' CHECK (status IN ('AVAILABLE', 'HELD', 'SOLD')),
  hold_id    text,
  PRIMARY KEY (event_id, section_id, seat_id)
);
CREATE INDEX IF NOT EXISTS seats_by_hold ON seats (hold_id) WHERE hold_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS seats_available ON seats (event_id, section_id, position) WHERE status = 'AVAILABLE';
CREATE TABLE IF NOT EXISTS holds (
  hold_id     text PRIMARY KEY,
  event_id    text NOT NULL,
  section_id  text NOT NULL,
  customer_id text NOT NULL,
  quantity    integer NOT NULL,
  seats       text[],
  status      text NOT NULL CHECK (status IN ('HELD', 'PURCHASED', 'RELEASED', 'EXPIRED')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  order_id    text
);
CREATE INDEX IF NOT EXISTS holds_by_section ON holds (event_id, section_id, status);
CREATE INDEX IF NOT EXISTS holds_expiring ON holds (expires_at) WHERE status = 'HELD';
CREATE TABLE IF NOT EXISTS orders (
  order_id     text PRIMARY KEY,
  hold_id      text NOT NULL UNIQUE,
  event_id     text NOT NULL,
  section_id   text NOT NULL,
  customer_id  text NOT NULL,
  quantity     integer NOT NULL,
  seats        text[],
  purchased_at timestamptz NOT NULL
);
`;

/** Any constant: the advisory lock the DDL runs under. */
export const DDL_LOCK_KEY = 7304418;
