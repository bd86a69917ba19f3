-- Stored Idempotency-Key answers no longer keep a secret that was shown once: the new API key in the answers of
-- POST /v1/api-keys and POST /v1/admin/tenants. Answers stored before this release lose it here and carry the same
-- note a replay now gives (handlers/platform/access.ts). DynamoDB items are not touched; they expire within the
-- Idempotency-Key TTL (24 h by default).
UPDATE idempotency_keys
SET response = jsonb_set(
  response,
  '{body}',
  to_jsonb((
    ((response ->> 'body')::jsonb - 'key')
    || jsonb_build_object('note', 'The API key is shown only in the first answer to this request and is not stored. If that answer was lost, revoke this key (DELETE /v1/api-keys/{keyId}) and create another.')
  )::text)
)
WHERE operation IN ('platform.createApiKey', 'platform.createTenant')
  AND response IS NOT NULL
  AND CASE WHEN (response ->> 'body') LIKE '{%"key"%' THEN (response ->> 'body')::jsonb ? 'key' ELSE false END;
