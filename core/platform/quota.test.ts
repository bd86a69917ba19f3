import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import { outageGrace, type ApiQuota } from './quota.ts';

/** A meter whose store can be taken down; records what was consumed and recorded. */
const meterStore = () => {
  const state = { down: false, spent: false, consumed: 0, recorded: [] as number[] };
  const quota: ApiQuota = {
    consume: async () => {
      if (state.down) throw new DomainError('unavailable', 'down', { retryAfterSeconds: 5 });
      if (state.spent) throw new DomainError('rate_limited', 'spent', { retryAfterSeconds: 60 });
      state.consumed++;
    },
    record: async (_tenant, calls) => {
      if (state.down) throw new DomainError('unavailable', 'down', { retryAfterSeconds: 5 });
      state.recorded.push(calls);
    },
  };
  return { state, quota };
};

const PURE = { pure: true };

describe('outageGrace', () => {
  it('answers up to N pure calls per tenant while the store is down, then refuses, and counts them when it returns', async () => {
    const { state, quota } = meterStore();
    const deferred: Array<[string, number]> = [];
    const settled: Array<[string, number, boolean]> = [];
    const q = outageGrace(quota, { calls: 2, onDeferred: (t, owed) => deferred.push([t, owed]), onSettled: (t, n, e) => settled.push([t, n, e !== undefined]) });
    state.down = true;
    await q.consume('a', undefined, PURE);
    await q.consume('a', undefined, PURE);
    await expect(q.consume('a', undefined, PURE)).rejects.toMatchObject({ code: 'unavailable' });
    // Per tenant: another tenant has a grace of its own; a call that is not pure has none.
    await q.consume('b', undefined, PURE);
    await expect(q.consume('b')).rejects.toMatchObject({ code: 'unavailable' });
    expect(deferred).toEqual([['a', 1], ['a', 2], ['b', 1]]);

    state.down = false;
    await q.consume('a', undefined, PURE);
    expect(state.consumed).toBe(1);
    expect(state.recorded).toEqual([2]);
    expect(settled).toEqual([['a', 2, false]]);
    // Settled: a new outage starts a new grace.
    state.down = true;
    await q.consume('a', undefined, PURE);
    expect(deferred.at(-1)).toEqual(['a', 1]);
  });

  it('keeps the owed calls when recording them fails, and never lets a spent budget through', async () => {
    const { state, quota } = meterStore();
    const settled: Array<[number, boolean]> = [];
    const q = outageGrace(quota, { calls: 5, onDeferred: () => {}, onSettled: (_t, n, e) => settled.push([n, e !== undefined]) });
    state.down = true;
    await q.consume('a', undefined, PURE);
    state.down = false;
    const record = quota.record!;
    quota.record = async () => Promise.reject(new DomainError('unavailable', 'down again'));
    await q.consume('a', undefined, PURE);
    quota.record = record;
    await q.consume('a', undefined, PURE);
    expect(settled).toEqual([[1, true], [1, false]]);
    state.spent = true;
    await expect(q.consume('a', undefined, PURE)).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('with a grace of 0 changes nothing', async () => {
    const { state, quota } = meterStore();
    const q = outageGrace(quota, { calls: 0, onDeferred: () => {}, onSettled: () => {} });
    state.down = true;
    await expect(q.consume('a', undefined, PURE)).rejects.toMatchObject({ code: 'unavailable' });
  });
});
