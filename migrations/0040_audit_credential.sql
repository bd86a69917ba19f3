-- The credential behind each audit entry (API key id and prefix, or a JWT, with the role it carried) and the
-- caller's own x-request-id, kept apart from the server's request id. Both are covered by the entry's hash
-- (canonical form v2); entries written before this have neither and keep their v1 hashes.
ALTER TABLE audit_log ADD COLUMN credential jsonb;
ALTER TABLE audit_log ADD COLUMN client_request_id text;
