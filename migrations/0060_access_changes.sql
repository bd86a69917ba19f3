-- Every process keeps the API keys it verified in memory for a few seconds (adapters/auth/key-cache.ts). A change
-- that must stop a key at once is announced on the channel `sellpo_access`, delivered at commit to every process
-- listening on this database: a key revoked, deleted, or changed in what it grants (role, hash, tenant).
CREATE FUNCTION announce_api_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('sellpo_access', json_build_object('keyId', OLD.id, 'tenantId', OLD.tenant_id)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER api_keys_announce_change
  AFTER UPDATE OF revoked_at, role, hash, tenant_id, member_id, admin_id ON api_keys
  FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.role IS DISTINCT FROM NEW.role OR OLD.hash IS DISTINCT FROM NEW.hash
        OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.member_id IS DISTINCT FROM NEW.member_id OR OLD.admin_id IS DISTINCT FROM NEW.admin_id)
  EXECUTE FUNCTION announce_api_key_change();

CREATE TRIGGER api_keys_announce_delete
  AFTER DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION announce_api_key_change();
