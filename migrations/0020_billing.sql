-- Billing: billing keys (sealed), subscriptions, payment intents, payments and Toss webhook events.
-- Money is integer KRW. Times come from the application's Clock.

-- Toss billing keys, sealed with AES-256-GCM (key_id names the encryption key, for rotation). A discarded key
-- keeps its masked card for history and loses its sealed value.
CREATE TABLE billing_keys (
  id            text        PRIMARY KEY,
  tenant_id     text        NOT NULL,
  customer_key  text        NOT NULL,
  key_id        text        NOT NULL,
  sealed        text,
  card_number   text        NOT NULL,  -- masked as Toss returns it
  card_issuer   text,
  card_type     text,
  owner_type    text,
  created_at    timestamptz NOT NULL,
  discarded_at  timestamptz
);
CREATE INDEX billing_keys_tenant ON billing_keys (tenant_id);

CREATE TABLE subscriptions (
  id                    text        PRIMARY KEY,
  tenant_id             text        NOT NULL,
  state                 text        NOT NULL CHECK (state IN ('trialing', 'active', 'past_due', 'canceled', 'expired')),
  plan_id               text        NOT NULL,
  plan_version          integer     NOT NULL,
  amount_krw            bigint      NOT NULL CHECK (amount_krw >= 0),
  anchor                timestamptz NOT NULL,
  period_index          integer     NOT NULL CHECK (period_index >= 0),
  current_period_start  timestamptz NOT NULL,
  current_period_end    timestamptz NOT NULL,
  trial_ends_at         timestamptz,
  pending_plan_id       text,
  billing_key_id        text        NOT NULL REFERENCES billing_keys (id),
  customer_key          text        NOT NULL,
  attempt               integer     NOT NULL DEFAULT 0,
  dunning_step          integer     NOT NULL DEFAULT 0,
  next_action_at        timestamptz,
  canceled_at           timestamptz,
  ended_at              timestamptz,
  created_at            timestamptz NOT NULL,
  version               integer     NOT NULL,
  -- The renewal runner holding the row (claimed FOR UPDATE SKIP LOCKED) and until when.
  lease_owner           text,
  lease_until           timestamptz
);
-- One live subscription per tenant.
CREATE UNIQUE INDEX subscriptions_one_live ON subscriptions (tenant_id) WHERE state <> 'expired';
CREATE INDEX subscriptions_tenant_created ON subscriptions (tenant_id, created_at DESC);
CREATE INDEX subscriptions_due ON subscriptions (next_action_at) WHERE next_action_at IS NOT NULL;

-- A charge or refund recorded before Toss is called; its order id and Idempotency-Key are deterministic.
CREATE TABLE payment_intents (
  id                  text        PRIMARY KEY,
  tenant_id           text        NOT NULL,
  subscription_id     text        NOT NULL,
  kind                text        NOT NULL CHECK (kind IN ('initial', 'renewal', 'upgrade', 'refund')),
  period_index        integer     NOT NULL,
  attempt             integer     NOT NULL,
  order_id            text        NOT NULL UNIQUE,
  idempotency_key     text        NOT NULL,
  amount_krw          bigint      NOT NULL CHECK (amount_krw > 0),
  order_name          text        NOT NULL,
  plan_id             text        NOT NULL,
  plan_version        integer     NOT NULL,
  billing_key_id      text        NOT NULL,
  target_payment_key  text,
  status              text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  payment_key         text,
  failure_code        text,
  failure_message     text,
  created_at          timestamptz NOT NULL,
  resolved_at         timestamptz
);
CREATE INDEX payment_intents_pending ON payment_intents (created_at) WHERE status = 'pending';
CREATE INDEX payment_intents_subscription ON payment_intents (subscription_id) WHERE status = 'pending';
CREATE INDEX payment_intents_tenant_pending ON payment_intents (tenant_id) WHERE status = 'pending';

CREATE TABLE billing_payments (
  payment_key      text        PRIMARY KEY,
  seq              bigserial   NOT NULL UNIQUE,
  tenant_id        text        NOT NULL,
  subscription_id  text        NOT NULL,
  order_id         text        NOT NULL,
  kind             text        NOT NULL,
  period_index     integer     NOT NULL,
  order_name       text        NOT NULL,
  status           text        NOT NULL,
  amount_krw       bigint      NOT NULL,
  balance_krw      bigint      NOT NULL,
  card_number      text,
  receipt_url      text,
  approved_at      timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX billing_payments_tenant_seq ON billing_payments (tenant_id, seq DESC);
CREATE INDEX billing_payments_period ON billing_payments (subscription_id, period_index);

-- Every webhook delivery is recorded before it is acted on; id = sha256 of the body, so replays collapse.
CREATE TABLE billing_webhook_events (
  id            text        PRIMARY KEY,
  event_type    text        NOT NULL,
  body          jsonb       NOT NULL,
  received_at   timestamptz NOT NULL,
  processed_at  timestamptz,
  attempts      integer     NOT NULL DEFAULT 0,
  last_error    text
);
CREATE INDEX billing_webhook_events_unprocessed ON billing_webhook_events (received_at) WHERE processed_at IS NULL;
