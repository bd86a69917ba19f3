/**
 * A channel's stock API in memory, for the sync and push tests: it keeps what each listing shows, records every
 * call, can be told to fail a listing, refuse the connection, or pace its calls to a provider's rate.
 *
 * Pacing (`perSecond`): each provider call takes the next free slot, 1000 / perSecond ms after the previous one,
 * waiting on timers, so under a fake clock (vi.useFakeTimers) a test reads exactly when each call was made.
 * `batchByProduct` gives it `pushMany` as Naver Commerce's option stock works: one call per origin product (the
 * part of the externalId before `:`) setting all its options, and reads one call per product; `readEach` reads
 * one call per listing, as Wing's inventories endpoint does.
 */
import type { ChannelOrderEvent } from '../../core/inventory/model.ts';
import type { ChannelStock, OrderFeed } from '../../core/inventory/ports.ts';
import { DomainError } from '../../core/shared/errors.ts';

export interface FakeChannel extends ChannelStock {
  shown: Map<string, number>;
  pushes: { externalId: string; quantity: number }[];
  reads: string[][];
  /** Every provider call with the clock's time when it was made. */
  calls: { kind: 'push' | 'pushMany' | 'read'; at: number; externalIds: string[] }[];
  failPush: Set<string>;
  /** 'rejected': every call throws as a refused connection; 'none': as a tenant without a connection. */
  connection: 'ok' | 'rejected' | 'none';
}

export interface FakeChannelOptions {
  /** Provider calls a second (default unpaced). */
  perSecond?: number;
  /** Offer pushMany, one call per origin product; reads take one call per product too. */
  batchByProduct?: boolean;
  /** Reads take one call per listing (Wing's inventories endpoint); otherwise one call per read. */
  readEach?: boolean;
}

export const fakeChannel = (known: Record<string, number> = {}, options: FakeChannelOptions = {}): FakeChannel => {
  let nextFree = 0;
  const slot = async (): Promise<number> => {
    if (!options.perSecond) return Date.now();
    const at = Math.max(Date.now(), nextFree);
    nextFree = at + 1000 / options.perSecond;
    if (at > Date.now()) await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
    return at;
  };
  const fake: FakeChannel = {
    shown: new Map(Object.entries(known)),
    pushes: [],
    reads: [],
    calls: [],
    failPush: new Set(),
    connection: 'ok',
    push: async (_tenantId, externalId, quantity) => {
      check(fake);
      fake.calls.push({ kind: 'push', at: await slot(), externalIds: [externalId] });
      if (fake.failPush.has(externalId)) throw new DomainError('upstream_failed', `the channel answered 500 for ${externalId}`);
      fake.pushes.push({ externalId, quantity });
      fake.shown.set(externalId, quantity);
    },
    read: async (_tenantId, externalIds) => {
      check(fake);
      const calls = options.readEach
        ? externalIds.map((id) => [id])
        : options.batchByProduct
          ? [...Map.groupBy(externalIds, (id) => id.split(':')[0]!).values()]
          : [[...externalIds]];
      for (const ids of calls) fake.calls.push({ kind: 'read', at: await slot(), externalIds: ids });
      fake.reads.push([...externalIds]);
      return new Map(externalIds.filter((id) => fake.shown.has(id)).map((id) => [id, fake.shown.get(id)!]));
    },
  };
  if (options.batchByProduct) {
    fake.pushMany = async (_tenantId, items) => {
      check(fake);
      const byProduct = new Map<string, { externalId: string; quantity: number }[]>();
      for (const i of items) {
        const product = i.externalId.split(':')[0]!;
        byProduct.set(product, [...(byProduct.get(product) ?? []), i]);
      }
      const errors = new Map<string, unknown>();
      for (const group of byProduct.values()) {
        fake.calls.push({ kind: 'pushMany', at: await slot(), externalIds: group.map((i) => i.externalId) });
        for (const i of group) {
          if (fake.failPush.has(i.externalId)) {
            errors.set(i.externalId, new DomainError('upstream_failed', `the channel answered 500 for ${i.externalId}`));
            continue;
          }
          fake.pushes.push(i);
          fake.shown.set(i.externalId, i.quantity);
        }
      }
      return errors;
    };
  }
  return fake;
};

const check = (fake: { connection: 'ok' | 'rejected' | 'none' }): void => {
  if (fake.connection === 'rejected') throw new DomainError('upstream_failed', 'the provider refused the connection\'s credentials; renew it', { details: { rejected: true } });
  if (fake.connection === 'none') throw new DomainError('not_found', 'the tenant has no connection on this channel');
};

/**
 * A channel's order feed in memory: `log` is everything the channel has reported, in order (the same key may
 * appear again, as a provider repeats a changed order). The cursor is the index of the next event; each page
 * starts `overlap` events before it (pages overlap, as time windows and status feeds do) and holds up to
 * `pageSize` new ones. `before` runs at the start of every call (a test's gate or injected failure).
 */
export interface FakeOrderFeed extends OrderFeed {
  log: ChannelOrderEvent[];
  pageSize: number;
  overlap: number;
  connection: 'ok' | 'rejected' | 'none';
  calls: number;
  before: ((call: number) => Promise<void> | void) | null;
}

export const fakeOrderFeed = (log: ChannelOrderEvent[] = [], options: { pageSize?: number; overlap?: number } = {}): FakeOrderFeed => {
  const feed: FakeOrderFeed = {
    log,
    pageSize: options.pageSize ?? 100,
    overlap: options.overlap ?? 0,
    connection: 'ok',
    calls: 0,
    before: null,
    next: async (_tenantId, cursor) => {
      const call = ++feed.calls;
      await feed.before?.(call);
      check(feed);
      const at = cursor === null ? 0 : Number(cursor);
      if (!Number.isSafeInteger(at) || at < 0 || at > feed.log.length) throw new Error(`not a cursor of this feed: ${cursor}`);
      const to = Math.min(feed.log.length, at + feed.pageSize);
      return { events: feed.log.slice(Math.max(0, at - feed.overlap), to).map((e) => ({ ...e })), cursor: String(to), more: to < feed.log.length };
    },
  };
  return feed;
};

/** A channel order event with defaults (order id `o-<key>`, a fixed time). */
export const orderEvent = (key: string, kind: ChannelOrderEvent['kind'], externalId: string, quantity: number, orderId = `o-${key}`): ChannelOrderEvent => ({
  key, kind, externalId, quantity, orderId, at: new Date('2026-03-01T00:00:00Z'),
});
