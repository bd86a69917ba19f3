/** The channel order endpoints through their handlers: a poll now, and the events that need a look. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { postgresInventoryStore } from '../../adapters/postgres/inventory.ts';
import type { Principal } from '../../core/platform/principal.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { fakeOrderFeed, orderEvent } from './fake-channel.ts';
import { policy } from './support.ts';

const principals = new Map<string, Principal>([
  ['seller-a', { kind: 'tenant', tenantId: 'orders-tenant-a', actorId: 'member-a', role: 'member', via: 'api_key' }],
  ['seller-b', { kind: 'tenant', tenantId: 'orders-tenant-b', actorId: 'member-b', role: 'owner', via: 'api_key' }],
]);
const a = { authorization: 'Bearer seller-a' };
const b = { authorization: 'Bearer seller-b' };

describe('channel order endpoints', () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  const feed = fakeOrderFeed([orderEvent('s1', 'sale', '70001', 3, 'ord-1'), orderEvent('s2', 'sale', '70009', 1, 'ord-2'), orderEvent('s3', 'sale', '70001', 4, 'ord-3')]);
  beforeAll(async () => {
    db = await withPglite();
    rt = await testRuntime({
      database: db,
      overrides: { auth: memoryAuthenticator(principals), inventory: { store: postgresInventoryStore(db), channels: {}, orderFeeds: { coupang_wing: feed }, policy } },
    });
    expect((await rt.call('inventory.createSku', { headers: a, body: { sku: 'CHAIR-1', name: '캠핑의자', onHand: 5 } })).status).toBe(201);
    expect((await rt.call('inventory.putListing', { headers: a, body: { sku: 'CHAIR-1', channel: 'coupang_wing', externalId: '70001' } })).status).toBe(201);
    expect((await rt.call('inventory.putListing', { headers: a, body: { sku: 'CHAIR-1', channel: 'naver_smart_store', externalId: '8123' } })).status).toBe(201);
  });
  afterAll(async () => {
    await rt?.close();
    await db?.close();
  });

  it('polls the tenant\'s channels now: sales applied once, an oversell and an unknown listing reported and listed', async () => {
    const poll = await rt.call('inventory.pollChannelOrders', { headers: a, body: {} });
    expect(poll.status).toBe(200);
    const wing = poll.body.channels.find((c: { channel: string }) => c.channel === 'coupang_wing');
    // 5 on hand: ord-1 takes 3, ord-3 wants 4 of the 2 left (short 2); 70009 is no listing of ours.
    expect(wing).toMatchObject({ recorded: 3, applied: 1, caughtUp: true, failure: null });
    expect(wing.oversold).toEqual([expect.objectContaining({ key: 's3', orderId: 'ord-3', outcome: 'oversold', sku: 'CHAIR-1', shortfall: [{ sku: 'CHAIR-1', units: 2 }] })]);
    // Smart Store has listings but no feed on this server.
    expect(poll.body.channels.find((c: { channel: string }) => c.channel === 'naver_smart_store')).toMatchObject({ failure: { kind: 'no_connection' } });
    expect((await rt.call('inventory.getSku', { headers: a, path: { sku: 'CHAIR-1' } })).body).toMatchObject({ onHand: 0 });

    expect((await rt.call('inventory.pollChannelOrders', { headers: a, body: { channels: ['coupang_wing'] } })).body.channels).toEqual([expect.objectContaining({ recorded: 0 })]);
    const first = await rt.call('inventory.listChannelOrders', { headers: a, query: { limit: '1' } });
    expect(first.status).toBe(200);
    const rest = await rt.call('inventory.listChannelOrders', { headers: a, query: { limit: '5', cursor: first.body.nextCursor } });
    expect([...first.body.items, ...rest.body.items].map((e: { key: string; outcome: string }) => [e.key, e.outcome]).sort()).toEqual([['s2', 'ignored'], ['s3', 'oversold']]);
    expect(rest.body.nextCursor).toBeNull();
    expect((await rt.call('inventory.listChannelOrders', { headers: b })).body.items).toEqual([]);
  });

  it('refuses an unknown channel and a made-up cursor with 400', async () => {
    expect((await rt.call('inventory.pollChannelOrders', { headers: a, body: { channels: ['gmarket'] } })).status).toBe(400);
    // A lone string where the list belongs: the type error only, not also a length zod checks on the string.
    const lone = await rt.call('inventory.pollChannelOrders', { headers: a, body: { channels: 'coupang_wing' } });
    expect(lone.body.errors).toEqual([{ in: 'body', field: 'channels', code: 'invalid_type', message: expect.stringContaining('expected array') }]);
    expect((await rt.call('inventory.listChannelOrders', { headers: a, query: { cursor: 'bm90LWEtY3Vyc29y' } })).status).toBe(400);
  });
});
