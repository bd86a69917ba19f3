/**
 * Access flows where concurrency exists: on the production access store (PostgreSQL) with a pool of several
 * connections, not the in-memory store or the embedded database (whose pool holds one connection, so its
 * "concurrent" tests run one at a time).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAccessStore } from '../../adapters/postgres/access.ts';
import { chainOf, verifyChain } from '../../core/platform/audit.ts';
import type { AuditDraft } from '../../core/platform/model.ts';
import { gate } from '../helpers/barrier.ts';
import { postgresUnavailable, withPostgres, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { bearer, seedAdmin, seedTenant } from './fixtures.ts';

const POOL = 8;

describe.skipIf((await postgresUnavailable()) !== null)(`access flows on PostgreSQL (a pool of ${POOL})`, () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  beforeAll(async () => {
    db = await withPostgres({ max: POOL });
    // As the server runs: verified keys in memory, kept fresh by the change feed.
    rt = await testRuntime({ database: db, verifiedKeyCache: true });
  });
  afterAll(async () => {
    await rt?.close();
    await db?.close();
  });

  it('an admin creates a tenant; its key works; keys live in PostgreSQL only as hashes', async () => {
    const admin = await seedAdmin(rt.ports);
    const res = await rt.call('platform.createTenant', { headers: bearer(admin.secret), body: { name: '캠핑하우스', owner: { email: 'owner@camping.example', name: '김판매' } } });
    expect(res.status).toBe(201);
    const key = res.body.key as string;
    expect((await rt.call('platform.listApiKeys', { headers: bearer(key) })).body.items).toHaveLength(1);
    const { rows } = await db.query<{ text: string }>('SELECT row_to_json(k)::text AS text FROM api_keys k WHERE prefix = $1', [res.body.apiKey.prefix]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.text).not.toContain(key.slice(-32));
  });

  it('member keys are refused owner actions (403), revoked keys stop at once, and each step is audited', async () => {
    const t = await seedTenant(rt.ports);
    const created = await rt.call('platform.createApiKey', { headers: bearer(t.secret), body: { name: 'sync', role: 'member' } });
    expect(created.status).toBe(201);
    const memberKey = created.body.key as string;
    expect((await rt.call('platform.createApiKey', { headers: bearer(memberKey), body: { name: 'escalate', role: 'owner' } })).status).toBe(403);
    expect((await rt.call('platform.listMembers', { headers: bearer(memberKey) })).status).toBe(200);
    expect((await rt.call('platform.revokeApiKey', { headers: bearer(t.secret), path: { keyId: created.body.apiKey.id } })).status).toBe(200);
    expect((await rt.call('platform.listMembers', { headers: bearer(memberKey) })).status).toBe(401);
    const log = await rt.call('platform.readAudit', { headers: bearer(t.secret), query: { limit: '100' } });
    const actions = log.body.items.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual(expect.arrayContaining(['api_key.create:success', 'auth.forbidden:denied', 'api_key.revoke:success']));
    expect(await verifyChain(rt.ports.access.audit, chainOf(t.tenant.id))).toMatchObject({ break: null });
  });

  it(`${POOL * 3} key creations of one tenant at once: every key made, one unbroken audit chain`, async () => {
    const t = await seedTenant(rt.ports);
    const before = (await verifyChain(rt.ports.access.audit, chainOf(t.tenant.id))).entries;
    const answers = await Promise.all(
      Array.from({ length: POOL * 3 }, (_, i) => rt.call('platform.createApiKey', { headers: bearer(t.secret), body: { name: `parallel-${i}`, role: 'member' } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(POOL * 3).fill(201));
    expect(new Set(answers.map((a) => a.body.apiKey.prefix)).size).toBe(POOL * 3);
    const listed = await rt.call('platform.listApiKeys', { headers: bearer(t.secret) });
    expect(listed.body.items).toHaveLength(POOL * 3 + 1);
    // One entry more per key, each linked to the one before.
    expect(await verifyChain(rt.ports.access.audit, chainOf(t.tenant.id))).toEqual({ chain: chainOf(t.tenant.id), entries: before + POOL * 3, break: null });
  });
});

describe.skipIf((await postgresUnavailable()) !== null)('audit appends from transactions open at the same time (PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await withPostgres({ max: POOL });
  });
  afterAll(async () => db?.close());

  it(`${POOL} transactions, each holding its own connection, append to one chain at once: no fork, no gap`, async () => {
    const store = postgresAccessStore(db);
    const tenantId = randomUUID();
    const name = `audit-${tenantId}`;
    const held = gate(name);
    const draft = (n: number): AuditDraft => ({
      tenantId, at: new Date(Date.UTC(2025, 5, 2, 0, 0, n)), actor: 'cli', action: 'test.parallel', target: null,
      requestId: `r-${n}`, sourceIp: null, outcome: 'success', details: { n },
    });
    // Each transaction holds a connection and waits at the barrier; all are open together before any appends.
    const appends = Array.from({ length: POOL }, (_, i) =>
      store.transaction(async (unit) => {
        await held.pass();
        return unit.audit.append(draft(i));
      }),
    );
    await held.arrived(POOL);
    held.release();
    const entries = await Promise.all(appends);
    expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: POOL }, (_, i) => i + 1));
    expect(await verifyChain(store.audit, chainOf(tenantId))).toEqual({ chain: chainOf(tenantId), entries: POOL, break: null });
  });
});
