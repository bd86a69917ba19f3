/**
 * The API keys this process has verified, kept for a few seconds so a busy key costs neither a database query nor
 * a constant-time hash comparison on each request (measured: docs/access.md, "Verified keys in memory").
 *
 * What keeps it honest:
 * - It serves only while a change feed is live (`resume()`, called when the LISTEN on `sellpo_access` is in place);
 *   every change that must stop a key (revoked, deleted, its role changed) is announced there at commit by a
 *   trigger (migrations/0060_access_changes.sql) and `forget` drops it in every process, within milliseconds.
 * - A lost connection (`suspend()`) drops everything and turns the cache off until the LISTEN is back, since what
 *   was announced in between is lost.
 * - `ttlMs` bounds what a notification lost without the connection noticing could cost: after it, the key is
 *   looked up again.
 * - A lookup that raced a change is not kept: `put` is given the generation read before the lookup, and any
 *   change since then (or a suspension) makes it a no-op.
 * Entries are keyed by the SHA-256 of the presented key, never by the key itself; rejections are never kept.
 */
import { hash } from 'node:crypto';
import type { AccessStore, AccessUnit } from '../../core/platform/access.ts';
import type { ApiKey } from '../../core/platform/model.ts';

/** The channel the database announces key changes on (migrations/0060_access_changes.sql). */
export const ACCESS_CHANNEL = 'sellpo_access';

export interface KeyChange {
  keyId?: string;
  tenantId?: string | null;
}

export interface VerifiedKeys {
  /** The verified key this token was, while the cache is live and the entry young; else undefined. */
  get(token: string): ApiKey | undefined;
  /** Read before the lookup whose result is `put`. */
  readonly generation: number;
  put(token: string, key: ApiKey, generation: number): void;
  /** Drops the key (`keyId`) or every key of the tenant (`tenantId` alone); neither: everything. */
  forget(change: KeyChange): void;
  /** The change feed is down: drop everything and serve nothing until `resume`. */
  suspend(): void;
  /** The change feed is (again) in place: start from empty. */
  resume(): void;
  readonly size: number;
  /**
   * Resolves with the next change heard: what `forget` is given, or `{}` (everything dropped) on `suspend` and
   * `resume`. A barrier for tests and tools, instead of sleeping.
   */
  nextChange(): Promise<KeyChange>;
}

export interface VerifiedKeysOptions {
  ttlMs: number;
  now?: () => number;
  /** At most this many keys; past it the oldest entry goes. */
  maxEntries?: number;
}

/** Parses a `sellpo_access` payload; anything unreadable means "drop everything". */
export const parseKeyChange = (payload: string): KeyChange => {
  try {
    const value = JSON.parse(payload) as { keyId?: unknown; tenantId?: unknown };
    return {
      ...(typeof value.keyId === 'string' ? { keyId: value.keyId } : {}),
      ...(typeof value.tenantId === 'string' ? { tenantId: value.tenantId } : {}),
    };
  } catch {
    return {};
  }
};

export const verifiedKeys = ({ ttlMs, now = Date.now, maxEntries = 10_000 }: VerifiedKeysOptions): VerifiedKeys => {
  const entries = new Map<string, { key: ApiKey; until: number }>();
  const digestOfKey = new Map<string, string>();
  let live = false;
  let generation = 0;
  let waiters: ((change: KeyChange) => void)[] = [];
  // One-shot hash: 0.3-0.5 us against 1.0-1.4 us for createHash().update().digest() on a key (every request).
  const digest = (token: string): string => hash('sha256', token, 'base64');
  const drop = (d: string): void => {
    const entry = entries.get(d);
    if (!entry) return;
    entries.delete(d);
    digestOfKey.delete(entry.key.id);
  };
  const tell = (change: KeyChange): void => {
    if (!waiters.length) return;
    const heard = waiters;
    waiters = [];
    for (const resolve of heard) resolve(change);
  };
  const clear = (): void => {
    generation++;
    entries.clear();
    digestOfKey.clear();
  };
  return {
    get: (token) => {
      if (!live || entries.size === 0) return undefined;
      const d = digest(token);
      const entry = entries.get(d);
      if (!entry) return undefined;
      if (entry.until <= now()) {
        drop(d);
        return undefined;
      }
      return entry.key;
    },
    get generation() {
      return generation;
    },
    put: (token, key, readAt) => {
      if (!live || readAt !== generation || key.revokedAt) return;
      if (entries.size >= maxEntries) drop(entries.keys().next().value!);
      const d = digest(token);
      entries.set(d, { key, until: now() + ttlMs });
      digestOfKey.set(key.id, d);
    },
    forget: (change) => {
      const { keyId, tenantId } = change;
      generation++;
      tell(change);
      if (keyId) {
        const d = digestOfKey.get(keyId);
        if (d) drop(d);
        return;
      }
      if (!tenantId) return clear();
      for (const [d, entry] of entries) if (entry.key.kind === 'tenant' && entry.key.tenantId === tenantId) drop(d);
    },
    suspend: () => {
      live = false;
      clear();
      tell({});
    },
    resume: () => {
      clear();
      live = true;
      tell({});
    },
    get size() {
      return entries.size;
    },
    nextChange: () => new Promise((resolve) => waiters.push(resolve)),
  };
};

/**
 * The access store, telling `keys` itself of the keys this process revokes once the change is committed: the
 * revoking process (and the embedded database's only process) refuses the key on the very next request rather
 * than when its own notification arrives.
 */
export const forgettingRevokedKeys = (store: AccessStore, keys: Pick<VerifiedKeys, 'forget'>): AccessStore => {
  const revokeThen = (unit: AccessUnit, onRevoked: (change: KeyChange) => void): AccessUnit['revokeTenantKey'] => async (tenantId, keyId, at) => {
    const revoked = await unit.revokeTenantKey(tenantId, keyId, at);
    if (revoked) onRevoked({ keyId: revoked.id, tenantId });
    return revoked;
  };
  return {
    ...store,
    revokeTenantKey: revokeThen(store, (change) => keys.forget(change)),
    transaction: async (work, options) => {
      const revoked: KeyChange[] = [];
      const value = await store.transaction((unit) => work({ ...unit, revokeTenantKey: revokeThen(unit, (change) => revoked.push(change)) }), options);
      for (const change of revoked) keys.forget(change);
      return value;
    },
  };
};
