import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putListing } from '../../../core/inventory/listings.ts';
import { createSku } from '../../../core/inventory/stock.ts';
import { DomainError } from '../../../core/shared/errors.ts';
import type { TenantConnections } from '../../../core/platform/ports.ts';
import { dropGate, gate } from '../../../tests/helpers/barrier.ts';
import { unique } from '../../../tests/contracts/key-value.contracts.ts';
import { withPglite, type TestDatabase } from '../../../tests/helpers/database.ts';
import { fakeOrderFeed, orderEvent } from '../../../tests/inventory/fake-channel.ts';
import { inventoryDeps } from '../../../tests/inventory/support.ts';
import { connectionMarker } from './connection-marker.ts';
import { orderPoller } from './order-poller.ts';

describe('orderPoller', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await withPglite();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('polls every tenant with listings on a channel that has a feed, one tick at a time, and reports oversells and ignored events', async () => {
    const name = unique('tick');
    const feed = fakeOrderFeed([orderEvent('s1', 'sale', '100', 3), orderEvent('x', 'sale', '555', 1)]);
    const deps = inventoryDeps(db, { orderFeeds: { coupang_wing: feed } });
    const [t1, t2] = [unique('t'), unique('t')];
    for (const t of [t1, t2]) {
      await createSku(deps, t, 'm', { sku: 'A', name: 'a', onHand: t === t1 ? 10 : 2 });
      await putListing(deps, t, { sku: 'A', channel: 'coupang_wing', externalId: '100' });
      await putListing(deps, t, { sku: 'A', channel: 'naver_smart_store', externalId: '1' });
    }
    const lines: { level: string; message: string; extra: Record<string, unknown> }[] = [];
    const logger = {
      info: (message: string, extra: Record<string, unknown>) => void lines.push({ level: 'info', message, extra }),
      warn: (message: string, extra: Record<string, unknown>) => void lines.push({ level: 'warn', message, extra }),
    } as never;
    const seen: string[] = [];
    feed.before = async () => {
      seen.push('call');
      await gate(name).pass();
    };
    const poller = orderPoller({ deps, everyMs: 15_000, holder: 'h', logger });
    try {
      const first = poller.tick();
      await gate(name).arrived(1);
      // A tick asked for meanwhile is the running one, not a second pass.
      expect(poller.tick()).toBe(first);
      gate(name).release();
      await first;
    } finally {
      dropGate(name);
    }
    // Only Wing has a feed: one call per tenant, none for the Smart Store listings.
    expect(seen).toEqual(['call', 'call']);
    const onHand = await db.query<{ tenant_id: string; on_hand: number }>(`SELECT tenant_id, on_hand FROM inventory_items WHERE tenant_id = ANY($1::text[])`, [[t1, t2]]);
    // t1: 10 - 3 = 7; t2 holds 2 of the 3 sold: 0 left, short 1.
    expect(Object.fromEntries(onHand.rows.map((r) => [r.tenant_id, Number(r.on_hand)]))).toEqual({ [t1]: 7, [t2]: 0 });
    const oversold = lines.filter((l) => l.message.startsWith('channel sale larger'));
    expect(oversold.map((l) => [l.extra.tenantId, l.extra.shortfall])).toEqual([[t2, [{ sku: 'A', units: 1 }]]]);
    expect(lines.filter((l) => l.message === 'channel order event ignored').map((l) => l.extra.externalId)).toEqual(['555', '555']);
    await poller.close();
  });

  it('the connection marker names the connection a listing channel uses and its state', async () => {
    const asked: string[] = [];
    const state: Record<string, 'ok' | 'none' | 'rejected'> = { coupang_wing: 'ok', naver_commerce: 'none' };
    const connections = {
      open: async (_tenant: string, channel: string) => {
        asked.push(channel);
        if (state[channel] === 'none') throw new DomainError('not_found', 'no connection');
        if (state[channel] === 'rejected') throw new DomainError('upstream_failed', 'refused', { details: { rejected: true } });
        return { connectionId: `c-${channel}`, channel, credentials: {} };
      },
      markRejected: async () => {},
    } as unknown as TenantConnections;
    const marker = connectionMarker(connections);
    expect(await marker('t', 'coupang_rocket_growth')).toBe('active:c-coupang_wing');
    expect(await marker('t', 'naver_smart_store')).toBe('none');
    state.coupang_wing = 'rejected';
    expect(await marker('t', 'coupang_wing')).toBe('rejected');
    expect(asked).toEqual(['coupang_wing', 'naver_commerce', 'coupang_wing']);
  });
});
