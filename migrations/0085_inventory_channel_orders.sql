-- Channel orders: every order event a channel's feed reported, recorded once per (tenant, channel, key), and one
-- cursor per (tenant, channel) saying how far the feed has been read.

-- outcome: `applied` (its stock change is in the ledger), `oversold` (a sale larger than the free stock: what was
-- free is in the ledger, the rest is `shortfall`), `ignored` (no listing with that externalId, or not a positive
-- quantity: recorded so it is not retried). shortfall: [{sku, units}] a sale could not draw; for a cancel or
-- return, the units not put back because its sale never drew them.
CREATE TABLE inventory_channel_orders (
  tenant_id     text        NOT NULL,
  channel       text        NOT NULL CHECK (channel IN ('naver_smart_store', 'coupang_wing', 'coupang_rocket_growth')),
  key           text        NOT NULL,
  kind          text        NOT NULL CHECK (kind IN ('sale', 'cancel', 'return')),
  external_id   text        NOT NULL,
  quantity      integer     NOT NULL,
  order_id      text        NOT NULL,
  at            timestamptz NOT NULL,
  outcome       text        NOT NULL CHECK (outcome IN ('applied', 'oversold', 'ignored')),
  sku           text,
  shortfall     jsonb       NOT NULL DEFAULT '[]',
  note          text,
  recorded_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, channel, key)
);
-- A cancel or return finds the sale of the same order on the same listing.
CREATE INDEX inventory_channel_orders_order ON inventory_channel_orders (tenant_id, channel, order_id, external_id);
-- The events an operator must look at.
CREATE INDEX inventory_channel_orders_attention ON inventory_channel_orders (tenant_id, recorded_at) WHERE outcome <> 'applied';

-- cursor: the feed's opaque position, moved only in the transaction that records the page's events. since: where
-- the first poll starts. leased_by/leased_until: the process polling it now (others skip it). blocked: the
-- connection was missing or refused (`no_connection`, `rejected`); not polled again until `blocked_marker` (what
-- the connection looked like then) changes or the retry time passes.
CREATE TABLE inventory_order_cursors (
  tenant_id       text        NOT NULL,
  channel         text        NOT NULL CHECK (channel IN ('naver_smart_store', 'coupang_wing', 'coupang_rocket_growth')),
  cursor          text,
  since           timestamptz NOT NULL,
  leased_by       text,
  leased_until    timestamptz,
  polled_at       timestamptz,
  last_error      text,
  blocked         text        CHECK (blocked IN ('no_connection', 'rejected')),
  blocked_marker  text,
  blocked_at      timestamptz,
  PRIMARY KEY (tenant_id, channel)
);
