/**
 * Tenant isolation over every endpoint with access `tenant`, read from the registry so endpoints added later are
 * covered without touching this file. Tenant A creates data (every POST with an example body is called as A);
 * then tenant B calls every endpoint, with A's ids in each path parameter, and must never see A's data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../../handlers/registry.ts';
import type { AnyEndpoint } from '../../handlers/toolkit.ts';
import type { AccessStore } from '../../core/platform/access.ts';
import { GENESIS_HASH } from '../../core/platform/audit.ts';
import { memoryAccessStore } from '../../adapters/memory/access.ts';
import { postgresAccessStore } from '../../adapters/postgres/access.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { bearer, seedTenant } from './fixtures.ts';

const tenantEndpoints = endpoints.filter((e) => e.access === 'tenant');
const pathParams = (e: AnyEndpoint) => [...e.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

/** Every string in a JSON value that looks like an identifier (uuid or long token). */
const idsIn = (value: unknown, out = new Set<string>()): Set<string> => {
  if (typeof value === 'string') {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) || /^[0-9a-f]{64}$/.test(value)) out.add(value);
  } else if (Array.isArray(value)) value.forEach((v) => idsIn(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => idsIn(v, out));
  return out;
};

const stores: [string, () => Promise<{ store: AccessStore; close(): Promise<void> }>][] = [
  ['memory', async () => ({ store: memoryAccessStore(), close: async () => {} })],
  ['pglite', async () => {
    const db: TestDatabase = await withPglite();
    return { store: postgresAccessStore(db), close: () => db.close() };
  }],
];

describe.each(stores)('cross-tenant isolation (%s store)', (_name, open) => {
  let rt: TestRuntime;
  let close: () => Promise<void>;
  let a: Awaited<ReturnType<typeof seedTenant>>;
  let b: Awaited<ReturnType<typeof seedTenant>>;
  const secretsOfA = new Set<string>();

  beforeAll(async () => {
    const opened = await open();
    close = opened.close;
    // The providers' rate slots raised: B's calls to the Naver and 1688 endpoints otherwise waited for slots at
    // 10 calls a second (about 5 s a store), which has nothing to do with isolation.
    const rates = { NAVER_OPENAPI_RATE_PER_SECOND: '1000', NAVER_SEARCHAD_RATE_PER_SECOND: '1000', ALIBABA_RATE_PER_SECOND: '1000' };
    rt = await testRuntime({ overrides: { access: opened.store }, env: rates });
    a = await seedTenant(rt.ports, 'alpha-seller');
    b = await seedTenant(rt.ports, 'bravo-seller');
    // A's data: everything the tenant endpoints can create, plus the ids the seed made.
    for (const e of tenantEndpoints) {
      if (e.method === 'POST' && e.example !== undefined && pathParams(e).length === 0) {
        const res = await rt.call(e.id, { headers: bearer(a.secret), body: e.example });
        idsIn(res.body, secretsOfA);
      }
    }
    for (const e of tenantEndpoints) {
      if (e.method === 'GET' && pathParams(e).length === 0) idsIn((await rt.call(e.id, { headers: bearer(a.secret) })).body, secretsOfA);
    }
    for (const known of [a.tenant.id, a.owner.id, a.apiKey.id]) secretsOfA.add(known);
    secretsOfA.add(a.owner.email);
    secretsOfA.add(a.apiKey.prefix);
    secretsOfA.delete(GENESIS_HASH); // every chain starts from it
    // B's own ids are not A's (ids are random, but be exact about what is asserted).
    for (const own of [b.tenant.id, b.owner.id, b.apiKey.id]) secretsOfA.delete(own);
  });
  afterAll(async () => {
    await rt?.close();
    await close?.();
  });

  it('has tenant endpoints to check and ids of A to look for', () => {
    expect(tenantEndpoints.length).toBeGreaterThanOrEqual(5);
    expect(secretsOfA.size).toBeGreaterThan(5);
  });

  /** A's values in a response; the id B itself sent may be echoed back (`API key <id> was not found`). */
  const leaks = (body: unknown, sent?: string): string[] => {
    const text = JSON.stringify(body ?? null);
    return [...secretsOfA].filter((s) => s !== sent && text.includes(s));
  };

  it.each(tenantEndpoints.map((e) => [e.id, e] as const))('%s shows tenant B none of A\'s data', async (_id, e) => {
    const params = pathParams(e);
    const body = e.body ? (e.example ?? {}) : undefined;
    if (params.length === 0) {
      const res = await rt.call(e.id, { headers: bearer(b.secret), ...(body !== undefined ? { body } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
      expect(leaks(res.body)).toEqual([]);
      return;
    }
    // Each of A's ids in every path parameter: a resource of another tenant is 404, never visible or changed.
    // A GET whose parameter is not an id (a search keyword) may answer 200, as long as nothing of A shows.
    for (const id of secretsOfA) {
      const path = Object.fromEntries(params.map((p) => [p, id]));
      const res = await rt.call(e.id, { headers: bearer(b.secret), path, ...(body !== undefined ? { body } : {}) });
      const allowed = e.method === 'GET' ? [200, 400, 404] : [400, 404];
      expect(allowed, `${e.id} with ${id}: ${res.status}`).toContain(res.status);
      expect(leaks(res.body, id)).toEqual([]);
    }
  });

  it('A\'s data is untouched after B\'s attempts', async () => {
    const keys = await rt.call('platform.listApiKeys', { headers: bearer(a.secret) });
    expect(keys.body.items.every((k: { revokedAt: string | null }) => k.revokedAt === null)).toBe(true);
    expect(keys.body.items.map((k: { id: string }) => k.id)).toContain(a.apiKey.id);
  });
});
