-- Key-value stores of the platform when DynamoDB is not configured (the embedded default and plain PostgreSQL).
-- Time is passed in by the application (its Clock), so expiry behaves the same on every engine.

-- Idempotency-Key records: one per tenant (scope), endpoint and key.
CREATE TABLE idempotency_keys (
  tenant_id    text        NOT NULL,  -- the tenant id, or 'platform' for administrator calls
  operation    text        NOT NULL,  -- endpoint id
  key          text        NOT NULL,
  fingerprint  text        NOT NULL,  -- sha256 of method, path, query and body
  token        text        NOT NULL,  -- owner of the running request
  state        text        NOT NULL CHECK (state IN ('in_progress', 'completed')),
  response     jsonb,
  locked_until timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, operation, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- Fixed-window counters shared across processes (provider rate limits, daily budgets).
CREATE TABLE rate_counters (
  name         text        NOT NULL,
  window_start timestamptz NOT NULL,
  count        bigint      NOT NULL CHECK (count >= 0),
  expires_at   timestamptz NOT NULL,
  PRIMARY KEY (name, window_start)
);
CREATE INDEX rate_counters_expires_at ON rate_counters (expires_at);

-- Provider responses cached for a while.
CREATE TABLE response_cache (
  key        text        PRIMARY KEY,
  value      jsonb       NOT NULL,
  stored_at  timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX response_cache_expires_at ON response_cache (expires_at);
