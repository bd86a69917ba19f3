/**
 * PostgreSQL adapters of the platform's key-value ports (tables in migrations/0001_key_value_stores.sql).
 * Atomicity comes from single statements (INSERT ... ON CONFLICT ... WHERE), never from read-then-write.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/shared/clock.ts';
import type { BeginOptions, BeginResult, IdempotencyKey, IdempotencyStore, StoredResponse } from '../../core/platform/idempotency.ts';
import { checkConsumeRequest, windowBounds, type RateCounter } from '../../core/platform/rate-counter.ts';
import { encodeCacheValue, type CachedValue, type ResponseCache } from '../../core/platform/response-cache.ts';
import type { Database } from './database.ts';

export const postgresIdempotencyStore = (db: Database, clock: Clock): IdempotencyStore => ({
  begin: async (k: IdempotencyKey, options: BeginOptions): Promise<BeginResult> => {
    // A lost race with a release (the row vanishes between the two statements) is retried.
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = clock.now();
      const token = randomUUID();
      const claimed = await db.query<{ token: string }>(
        `INSERT INTO idempotency_keys (tenant_id, operation, key, fingerprint, token, state, response, locked_until, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, 'in_progress', NULL, $6, $7, $8)
         ON CONFLICT (tenant_id, operation, key) DO UPDATE SET
           fingerprint = EXCLUDED.fingerprint, token = EXCLUDED.token, state = 'in_progress', response = NULL,
           locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at
         WHERE idempotency_keys.expires_at <= $8
            OR (idempotency_keys.state = 'in_progress' AND idempotency_keys.locked_until <= $8
                AND idempotency_keys.fingerprint = EXCLUDED.fingerprint)
         RETURNING token`,
        [
          k.scope, k.operation, k.key, options.fingerprint, token,
          new Date(now.getTime() + options.lockSeconds * 1000), new Date(now.getTime() + options.ttlSeconds * 1000), now,
        ],
      );
      if (claimed.rows[0]?.token === token) return { state: 'new', token };
      const { rows } = await db.query<{ fingerprint: string; state: string; response: StoredResponse | null }>(
        'SELECT fingerprint, state, response FROM idempotency_keys WHERE tenant_id = $1 AND operation = $2 AND key = $3',
        [k.scope, k.operation, k.key],
      );
      const row = rows[0];
      if (!row) continue;
      if (row.fingerprint !== options.fingerprint) return { state: 'mismatch' };
      if (row.state === 'completed' && row.response) return { state: 'completed', response: row.response };
      return { state: 'in_progress' };
    }
    throw new Error(`idempotency key ${k.key}: could not claim or read it after 5 attempts`);
  },
  complete: async (k, token, response) => {
    await db.query(
      `UPDATE idempotency_keys SET state = 'completed', response = $5
       WHERE tenant_id = $1 AND operation = $2 AND key = $3 AND token = $4`,
      [k.scope, k.operation, k.key, token, JSON.stringify(response)],
    );
  },
  release: async (k, token) => {
    await db.query('DELETE FROM idempotency_keys WHERE tenant_id = $1 AND operation = $2 AND key = $3 AND token = $4', [k.scope, k.operation, k.key, token]);
  },
});

export const postgresRateCounter = (db: Database, clock: Clock): RateCounter => ({
  consume: async (request) => {
    const amount = checkConsumeRequest(request);
    const { start, end } = windowBounds(clock.now().getTime(), request.window);
    const resetAt = new Date(end);
    if (amount <= request.limit) {
      const { rows } = await db.query<{ count: string }>(
        `INSERT INTO rate_counters (name, window_start, count, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name, window_start) DO UPDATE SET count = rate_counters.count + EXCLUDED.count
         WHERE rate_counters.count + EXCLUDED.count <= $5
         RETURNING count`,
        [request.name, new Date(start), amount, resetAt, request.limit],
      );
      if (rows[0]) return { allowed: true, count: Number(rows[0].count), limit: request.limit, resetAt };
    }
    const { rows } = await db.query<{ count: string }>('SELECT count FROM rate_counters WHERE name = $1 AND window_start = $2', [request.name, new Date(start)]);
    return { allowed: false, count: Number(rows[0]?.count ?? 0), limit: request.limit, resetAt };
  },
  peek: async (name, window) => {
    const { start, end } = windowBounds(clock.now().getTime(), window);
    const { rows } = await db.query<{ count: string }>('SELECT count FROM rate_counters WHERE name = $1 AND window_start = $2', [name, new Date(start)]);
    return { count: Number(rows[0]?.count ?? 0), resetAt: new Date(end) };
  },
  release: async ({ name, windowStart, amount }) => {
    await db.query('UPDATE rate_counters SET count = GREATEST(count - $3, 0) WHERE name = $1 AND window_start = $2 AND expires_at > $4', [
      name, windowStart, amount, clock.now(),
    ]);
  },
});

export const postgresResponseCache = (db: Database, clock: Clock): ResponseCache => ({
  get: async <T>(key: string): Promise<CachedValue<T> | null> => {
    const { rows } = await db.query<{ value: T; stored_at: Date; expires_at: Date }>(
      'SELECT value, stored_at, expires_at FROM response_cache WHERE key = $1 AND expires_at > $2',
      [key, clock.now()],
    );
    const row = rows[0];
    return row ? { value: row.value, storedAt: new Date(row.stored_at), expiresAt: new Date(row.expires_at) } : null;
  },
  put: async (key, value, ttlMs) => {
    const text = encodeCacheValue(key, value, ttlMs);
    const now = clock.now();
    await db.query(
      `INSERT INTO response_cache (key, value, stored_at, expires_at) VALUES ($1, $2::jsonb, $3, $4)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, stored_at = EXCLUDED.stored_at, expires_at = EXCLUDED.expires_at`,
      [key, text, now, new Date(now.getTime() + ttlMs)],
    );
  },
  delete: async (key) => {
    await db.query('DELETE FROM response_cache WHERE key = $1', [key]);
  },
});

/** Deletes rows past their expiry; run periodically by the server. Returns how many rows went. */
export const purgeExpired = async (db: Database, now: Date): Promise<number> => {
  let removed = 0;
  for (const table of ['idempotency_keys', 'rate_counters', 'response_cache']) {
    removed += (await db.query(`DELETE FROM ${table} WHERE expires_at <= $1`, [now])).rowCount;
  }
  return removed;
};
