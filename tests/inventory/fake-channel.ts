/**
 * A channel's stock API in memory, for the sync tests: it keeps what each listing shows, records every call, can
 * be told to fail a listing, refuse the connection, or hold calls at a gate, and counts calls per second of the
 * test's clock so a test can check pacing.
 */
import type { ChannelStock } from '../../core/inventory/ports.ts';
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

const check = (fake: FakeChannel): void => {
  if (fake.connection === 'rejected') throw new DomainError('upstream_failed', 'the provider refused the connection\'s credentials; renew it', { details: { rejected: true } });
  if (fake.connection === 'none') throw new DomainError('not_found', 'the tenant has no connection on this channel');
};
