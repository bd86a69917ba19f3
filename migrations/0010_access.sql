-- Tenants, their members, platform administrators and API keys.
-- Ids are text (UUIDs made by the application). Every tenant-owned row carries tenant_id, and the keys of
-- tenant tables lead with it so each lookup is scoped to one tenant by the index itself.

CREATE TABLE tenants (
  id         text        PRIMARY KEY,
  name       text        NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE members (
  tenant_id  text        NOT NULL REFERENCES tenants (id),
  id         text        NOT NULL,
  email      text        NOT NULL,
  name       text        NOT NULL,
  role       text        NOT NULL CHECK (role IN ('owner', 'member')),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (id),
  UNIQUE (tenant_id, email)
);

CREATE TABLE admins (
  id         text        PRIMARY KEY,
  name       text        NOT NULL,
  created_at timestamptz NOT NULL
);

-- A key belongs either to a tenant (acting as one member, with a role) or to an administrator.
-- Only the sha256 of the key is stored; `prefix` is its public, unique part used for the lookup.
CREATE TABLE api_keys (
  id           text        PRIMARY KEY,
  tenant_id    text        REFERENCES tenants (id),
  member_id    text,
  role         text        CHECK (role IN ('owner', 'member')),
  admin_id     text        REFERENCES admins (id),
  name         text        NOT NULL,
  prefix       text        NOT NULL UNIQUE,
  hash         text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  created_at   timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at   timestamptz,
  FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id),
  CHECK (
    (tenant_id IS NOT NULL AND member_id IS NOT NULL AND role IS NOT NULL AND admin_id IS NULL)
    OR (tenant_id IS NULL AND member_id IS NULL AND role IS NULL AND admin_id IS NOT NULL)
  )
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at DESC) WHERE tenant_id IS NOT NULL;
