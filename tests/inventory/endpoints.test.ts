/** The inventory endpoints through their handlers: status codes, problems, tenant isolation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import type { Principal } from '../../core/platform/principal.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

const principals = new Map<string, Principal>([
  ['seller-a', { kind: 'tenant', tenantId: 'inv-tenant-a', actorId: 'member-a', role: 'member', via: 'api_key' }],
  ['seller-b', { kind: 'tenant', tenantId: 'inv-tenant-b', actorId: 'member-b', role: 'owner', via: 'api_key' }],
]);
const a = { authorization: 'Bearer seller-a' };
const b = { authorization: 'Bearer seller-b' };

describe('inventory endpoints', () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  beforeAll(async () => {
    db = await withPglite();
    rt = await testRuntime({ database: db, overrides: { auth: memoryAuthenticator(principals) } });
    expect((await rt.call('inventory.createSku', { headers: a, body: { sku: 'CHAIR-1', name: '캠핑의자', onHand: 5 } })).status).toBe(201);
    expect((await rt.call('inventory.createSku', { headers: a, body: { sku: 'TABLE-1', name: '테이블', onHand: 1 } })).status).toBe(201);
    expect((await rt.call('inventory.createBundle', { headers: a, body: { sku: 'SET-1', name: '의자 2 + 테이블', components: [{ sku: 'CHAIR-1', quantity: 2 }, { sku: 'TABLE-1', quantity: 1 }] } })).status).toBe(201);
  });
  afterAll(async () => {
    await rt?.close();
    await db?.close();
  });

  it('answers a short reservation 409 naming each short SKU and its available count, holding nothing', async () => {
    const res = await rt.call('inventory.reserve', { headers: a, body: { reference: 'order-9', lines: [{ sku: 'SET-1', quantity: 2 }] } });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toBe('application/problem+json');
    // 2 sets: CHAIR-1 4 of 5 fine, TABLE-1 2 of 1 short.
    expect(res.body.shortages).toEqual([{ sku: 'TABLE-1', requested: 2, available: 1 }]);
    expect(res.body.detail).toContain('TABLE-1 has 1 available, 2 asked');
    expect((await rt.call('inventory.getSku', { headers: a, path: { sku: 'TABLE-1' } })).body).toMatchObject({ onHand: 1, reserved: 0, available: 1 });
  });

  it('reserves (201), answers the same reference again (200), confirms into a sale recorded with the actor', async () => {
    const body = { reference: 'order-10', lines: [{ sku: 'SET-1', quantity: 1 }] };
    const first = await rt.call('inventory.reserve', { headers: a, body });
    expect([first.status, first.body.holds]).toEqual([201, [{ sku: 'CHAIR-1', quantity: 2 }, { sku: 'TABLE-1', quantity: 1 }]]);
    const again = await rt.call('inventory.reserve', { headers: a, body });
    expect([again.status, again.body]).toEqual([200, first.body]);
    const confirmed = await rt.call('inventory.confirmReservation', { headers: a, path: { reference: 'order-10' } });
    expect(confirmed.body.state).toBe('confirmed');
    const ledger = await rt.call('inventory.listLedger', { headers: a, path: { sku: 'CHAIR-1' }, query: { limit: '1' } });
    expect(ledger.body.items).toEqual([expect.objectContaining({ reason: 'sale', onHandDelta: -2, reservedDelta: -2, actor: 'member-a', reference: 'order-10', onHandAfter: 3 })]);
    expect(ledger.body.nextCursor).toMatch(/^\d+$/);
  });

  it('turns away bad input with a 400 naming each field', async () => {
    const bad = await rt.call('inventory.createSku', { headers: a, body: { sku: 'has space', name: '', onHand: -1, safetyStock: 1.5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'onHand', 'safetyStock', 'sku']);
    const lines = await rt.call('inventory.reserve', { headers: a, body: { reference: 'bad ref', lines: [] } });
    expect(lines.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['lines', 'reference']);
    const zero = await rt.call('inventory.adjustStock', { headers: a, path: { sku: 'CHAIR-1' }, body: { delta: 0, reason: 'adjustment' } });
    expect([zero.status, zero.body.field]).toEqual([400, 'delta']);
    const reason = await rt.call('inventory.adjustStock', { headers: a, path: { sku: 'CHAIR-1' }, body: { delta: 1, reason: 'reservation' } });
    expect([reason.status, reason.body.errors?.[0]?.field]).toEqual([400, 'reason']);
    const bundle = await rt.call('inventory.adjustStock', { headers: a, path: { sku: 'SET-1' }, body: { delta: 1, reason: 'receipt' } });
    expect([bundle.status, bundle.body.detail]).toEqual([400, expect.stringContaining('bundle')]);
    const nested = await rt.call('inventory.createBundle', { headers: a, body: { sku: 'SET-2', name: 'x', components: [{ sku: 'SET-1', quantity: 1 }] } });
    expect([nested.status, nested.body.nested]).toEqual([400, ['SET-1']]);
    const listing = await rt.call('inventory.putListing', { headers: a, body: { sku: 'CHAIR-1', channel: 'naver_smart_store', externalId: 'V-123' } });
    expect([listing.status, listing.body.field]).toEqual([400, 'externalId']);
    const channel = await rt.call('inventory.putListing', { headers: a, body: { sku: 'CHAIR-1', channel: 'gmarket', externalId: '1', allocationPercent: 101 } });
    expect(channel.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['allocationPercent', 'channel']);
    const cursor = await rt.call('inventory.listLedger', { headers: a, path: { sku: 'CHAIR-1' }, query: { cursor: 'abc' } });
    expect([cursor.status, cursor.body.field]).toEqual([400, 'cursor']);
  });

  it('another tenant gets 404 for every SKU and reservation of this one, and changes nothing', async () => {
    const before = (await rt.call('inventory.getSku', { headers: a, path: { sku: 'CHAIR-1' } })).body;
    await rt.call('inventory.reserve', { headers: a, body: { reference: 'order-11', lines: [{ sku: 'CHAIR-1', quantity: 1 }] } });
    const held = (await rt.call('inventory.getSku', { headers: a, path: { sku: 'CHAIR-1' } })).body;
    expect(held.reserved).toBe(before.reserved + 1);
    for (const [id, spec] of [
      ['inventory.getSku', { path: { sku: 'CHAIR-1' } }],
      ['inventory.listLedger', { path: { sku: 'CHAIR-1' } }],
      ['inventory.adjustStock', { path: { sku: 'CHAIR-1' }, body: { delta: -1, reason: 'adjustment' } }],
      ['inventory.getReservation', { path: { reference: 'order-11' } }],
      ['inventory.confirmReservation', { path: { reference: 'order-11' } }],
      ['inventory.releaseReservation', { path: { reference: 'order-11' } }],
      ['inventory.reserve', { body: { reference: 'order-11', lines: [{ sku: 'CHAIR-1', quantity: 1 }] } }],
      ['inventory.putListing', { body: { sku: 'CHAIR-1', channel: 'coupang_wing', externalId: '70000001' } }],
    ] as const) {
      const res = await rt.call(id, { headers: b, ...spec });
      expect(res.status, id).toBe(404);
    }
    expect((await rt.call('inventory.listSkus', { headers: b })).body.items).toEqual([]);
    expect((await rt.call('inventory.getSku', { headers: a, path: { sku: 'CHAIR-1' } })).body).toEqual(held);
    expect((await rt.call('inventory.getReservation', { headers: a, path: { reference: 'order-11' } })).body.state).toBe('held');
  });

  it('sync: 202 with the queued job and its Location, one per tenant at a time, read back by id by its tenant only; wait runs it and answers 200', async () => {
    await rt.call('inventory.putListing', { headers: a, body: { sku: 'SET-1', channel: 'naver_smart_store', externalId: '8123456789:5123' } });
    const queued = await rt.call('inventory.sync', { headers: a, body: {} });
    expect([queued.status, queued.body.state, queued.headers?.location]).toEqual([202, 'queued', `/v1/inventory/sync/${queued.body.id}`]);
    // Asked again while it waits: the same job.
    const again = await rt.call('inventory.sync', { headers: a, body: { channels: ['coupang_wing'] } });
    expect([again.status, again.body.id]).toEqual([202, queued.body.id]);
    const read = await rt.call('inventory.getSync', { headers: a, path: { id: queued.body.id } });
    expect([read.status, read.body.state, read.body.result]).toEqual([200, 'queued', null]);
    expect((await rt.call('inventory.getSync', { headers: b, path: { id: queued.body.id } })).status).toBe(404);
    // Not an id at all: 400, as every other id parameter; an id of no job: 404.
    const malformed = await rt.call('inventory.getSync', { headers: a, path: { id: 'not-a-job' } });
    expect([malformed.status, malformed.body.errors]).toEqual([400, [expect.objectContaining({ in: 'path', field: 'id', message: 'expected a sync job id' })]]);
    expect((await rt.call('inventory.getSync', { headers: a, path: { id: '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);
    expect((await rt.call('inventory.getSync', { headers: a, path: { id: queued.body.id.toUpperCase() } })).body.id).toBe(queued.body.id);

    const done = await rt.call('inventory.sync', { headers: b, body: { wait: true } });
    expect([done.status, done.body.state]).toEqual([200, 'done']);
    expect((await rt.call('inventory.getSync', { headers: b, path: { id: done.body.id } })).body).toMatchObject({ state: 'done', result: { listings: 0, failures: [] } });
  });

  it('sync run here reports each listed channel this server cannot reach', async () => {
    const b2 = await rt.call('inventory.createSku', { headers: b, body: { sku: 'B-2', name: 'b', onHand: 1 } });
    expect(b2.status).toBe(201);
    await rt.call('inventory.putListing', { headers: b, body: { sku: 'B-2', channel: 'naver_smart_store', externalId: '9:2' } });
    const res = await rt.call('inventory.sync', { headers: b, body: { wait: true } });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ listings: 1, pushed: 0, drift: [], failures: [{ channel: 'naver_smart_store', kind: 'no_connection', externalId: null }] });
    expect(res.body.result.failures[0].message).toContain('POST /v1/connections with channel naver_commerce');
  });
});
