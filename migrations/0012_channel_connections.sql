-- Channel connections: a tenant's own credentials for a marketplace's seller API (Coupang Wing, Naver Commerce).
-- The credentials are sealed by the vault (AES-256-GCM; key_id names the key, sealed is base64 of iv | ciphertext
-- | tag, with the tenant and connection id bound as associated data); no column holds them in the clear.
-- A tenant holds at most one connection per channel; connecting again replaces it.
CREATE TABLE channel_connections (
  tenant_id     text        NOT NULL REFERENCES tenants (id),
  id            text        NOT NULL,
  channel       text        NOT NULL CHECK (channel IN ('coupang_wing', 'naver_commerce')),
  key_hint      text        NOT NULL,
  status        text        NOT NULL CHECK (status IN ('active', 'rejected')),
  key_id        text        NOT NULL,
  sealed        text        NOT NULL,
  verified_at   timestamptz NOT NULL,
  last_used_at  timestamptz,
  rejected_at   timestamptz,
  rejected_code text,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (id),
  UNIQUE (tenant_id, channel),
  CHECK ((status = 'rejected') = (rejected_at IS NOT NULL))
);
