/**
 * A channel's stock API in memory, for the sync tests: it keeps what each listing shows, records every call, can
 * be told to fail a listing, refuse the connection, or hold calls at a gate, and counts calls per second of the
 * test's clock so a test can check pacing.
 */
import type { ChannelOrderEvent } from '../../core/inventory/model.ts';
import type { ChannelStock, OrderFeed } from '../../core/inventory/ports.ts';
import { DomainError } from '../../core/shared/errors.ts';

export interface FakeChannel extends ChannelStock {
  shown: Map<string, number>;
  pushes: { externalId: string; quantity: number }[];
  reads: string[][];
  failPush: Set<string>;
  /** 'rejected': every call throws as a refused connection; 'none': as a tenant without a connection. */
  connection: 'ok' | 'rejected' | 'none';
}

export const fakeChannel = (known: Record<string, number> = {}): FakeChannel => {
  const fake: FakeChannel = {
    shown: new Map(Object.entries(known)),
    pushes: [],
    reads: [],
    failPush: new Set(),
    connection: 'ok',
    push: async (_tenantId, externalId, quantity) => {
      check(fake);
      if (fake.failPush.has(externalId)) throw new DomainError('upstream_failed', `the channel answered 500 for ${externalId}`);
      fake.pushes.push({ externalId, quantity });
      fake.shown.set(externalId, quantity);
    },
    read: async (_tenantId, externalIds) => {
      check(fake);
      fake.reads.push([...externalIds]);
      return new Map(externalIds.filter((id) => fake.shown.has(id)).map((id) => [id, fake.shown.get(id)!]));
    },
  };
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
