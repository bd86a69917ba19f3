-- The audit log: one hash chain per tenant (chain = tenant id) plus the 'platform' chain for events without a
-- tenant. Entries are appended under a row lock on the chain's head, so concurrent writers never fork a chain;
-- the head also records the last seq and hash, so removing the newest entries is detected too.

CREATE TABLE audit_chain_heads (
  chain text   PRIMARY KEY,
  seq   bigint NOT NULL,
  hash  text   NOT NULL
);

CREATE TABLE audit_log (
  chain      text        NOT NULL,
  seq        bigint      NOT NULL CHECK (seq > 0),
  id         text        NOT NULL UNIQUE,
  tenant_id  text,
  at         timestamptz NOT NULL,
  actor      text        NOT NULL,
  action     text        NOT NULL,
  target     text,
  request_id text,
  source_ip  text,
  outcome    text        NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  details    jsonb       NOT NULL DEFAULT '{}',
  prev_hash  text        NOT NULL,
  hash       text        NOT NULL,
  PRIMARY KEY (chain, seq),
  CHECK (chain = COALESCE(tenant_id, 'platform'))
);
CREATE INDEX audit_log_chain_action ON audit_log (chain, action, seq DESC);
CREATE INDEX audit_log_chain_at ON audit_log (chain, at);

-- Append-only for the application: updates, deletes and truncation are refused. The hash chain is what catches
-- an edit made around this (by a superuser disabling the trigger, or on the disk).
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
