-- Toss webhooks become a queue: each event remembers where it came from (the per-source rate limit of the
-- re-fetches), the payment it names, when it may next be tried (a source over its rate waits) and when its raw
-- body is purged (the retention period; the server's periodic purge deletes expired rows).
ALTER TABLE billing_webhook_events ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE billing_webhook_events ADD COLUMN payment_key text;
ALTER TABLE billing_webhook_events ADD COLUMN not_before timestamptz;
ALTER TABLE billing_webhook_events ADD COLUMN expires_at timestamptz;
UPDATE billing_webhook_events SET expires_at = received_at + interval '30 days';
ALTER TABLE billing_webhook_events ALTER COLUMN expires_at SET NOT NULL;
CREATE INDEX billing_webhook_events_expiry ON billing_webhook_events (expires_at);
CREATE INDEX billing_webhook_events_pending_source ON billing_webhook_events (source) WHERE processed_at IS NULL;

-- The payments list pages by (created_at, payment_key) within a tenant, never by the platform-wide seq.
CREATE INDEX billing_payments_tenant_created ON billing_payments (tenant_id, created_at DESC, payment_key DESC);
