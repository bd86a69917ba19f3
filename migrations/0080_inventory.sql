-- Inventory: one stock per SKU, bundles drawn from it, an append-only ledger, reservations and channel listings.

-- A plain SKU holds stock; a bundle holds none (on_hand = reserved = 0) and lists its components. ledger_seq is the
-- seq of the SKU's newest ledger entry. The checks are the last guard against overselling: reserved never exceeds
-- on_hand, neither goes negative.
CREATE TABLE inventory_items (
  tenant_id     text        NOT NULL,
  sku           text        NOT NULL,
  name          text        NOT NULL,
  kind          text        NOT NULL CHECK (kind IN ('sku', 'bundle')),
  on_hand       integer     NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
  reserved      integer     NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
  safety_stock  integer     NOT NULL DEFAULT 0 CHECK (safety_stock >= 0),
  components    jsonb       NOT NULL DEFAULT '[]',
  ledger_seq    bigint      NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, sku),
  CHECK (kind = 'sku' OR (on_hand = 0 AND reserved = 0))
);

-- Every change of on_hand or reserved, with why, who and what for. on_hand = sum(on_hand_delta) per SKU.
CREATE TABLE inventory_ledger (
  tenant_id       text        NOT NULL,
  sku             text        NOT NULL,
  seq             bigint      NOT NULL,
  on_hand_delta   integer     NOT NULL,
  reserved_delta  integer     NOT NULL,
  reason          text        NOT NULL CHECK (reason IN ('receipt', 'adjustment', 'sale', 'cancel', 'return', 'reservation', 'release', 'sync_correction')),
  actor           text        NOT NULL,
  reference       text,
  on_hand_after   integer     NOT NULL,
  reserved_after  integer     NOT NULL,
  at              timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, sku, seq)
);

-- Append-only: an entry once written is never changed or removed.
CREATE FUNCTION inventory_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'inventory_ledger is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER inventory_ledger_append_only BEFORE UPDATE OR DELETE ON inventory_ledger
  FOR EACH ROW EXECUTE FUNCTION inventory_ledger_append_only();

-- lines: as asked (SKUs or bundles); holds: what they hold of each plain SKU.
CREATE TABLE inventory_reservations (
  id             text        PRIMARY KEY,
  tenant_id      text        NOT NULL,
  reference      text        NOT NULL,
  state          text        NOT NULL CHECK (state IN ('held', 'confirmed', 'released')),
  lines          jsonb       NOT NULL,
  holds          jsonb       NOT NULL,
  expires_at     timestamptz NOT NULL,
  created_at     timestamptz NOT NULL,
  closed_at      timestamptz,
  release_cause  text        CHECK (release_cause IN ('released', 'expired')),
  UNIQUE (tenant_id, reference)
);
CREATE INDEX inventory_reservations_expiry ON inventory_reservations (expires_at) WHERE state = 'held';

-- A listing on a channel sells exactly one SKU or bundle.
CREATE TABLE inventory_listings (
  tenant_id           text        NOT NULL,
  channel             text        NOT NULL CHECK (channel IN ('naver_smart_store', 'coupang_wing', 'coupang_rocket_growth')),
  external_id         text        NOT NULL,
  sku                 text        NOT NULL,
  buffer_units        integer     NOT NULL CHECK (buffer_units >= 0),
  allocation_percent  integer     NOT NULL CHECK (allocation_percent BETWEEN 0 AND 100),
  pushed_quantity     integer,
  pushed_at           timestamptz,
  channel_quantity    integer,
  checked_at          timestamptz,
  last_error          text,
  created_at          timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, channel, external_id),
  FOREIGN KEY (tenant_id, sku) REFERENCES inventory_items (tenant_id, sku)
);
CREATE INDEX inventory_listings_sku ON inventory_listings (tenant_id, sku);
