import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import { outageGrace, type ApiQuota } from './quota.ts';

/** A meter whose store can be taken down or its budget spent; records the calls added afterwards. */
const meter = (withRecord = true) => {
  const state = { down: false, spent: false, recorded: [] as Array<[string, number]> };
  const quota: ApiQuota = {
    consume: async () => {
      if (state.down) throw new DomainError('unavailable', 'down');
      if (state.spent) throw new DomainError('rate_limited', 'spent', { retryAfterSeconds: 60 });
    },
    ...(withRecord ? { record: async (tenantId: string, calls: number) => void state.recorded.push([tenantId, calls]) } : {}),
  };
  return { state, quota };
};

const PURE = { pure: true };

describe('outageGrace: the owed calls', () => {
  it('a tenant that owes nothing settles nothing, while another tenant still owes', async () => {
    const { state, quota } = meter();
    const settled: Array<[string, number]> = [];
    const q = outageGrace(quota, { calls: 5, onDeferred: () => {}, onSettled: (t, n) => settled.push([t, n]) });
    state.down = true;
    await q.consume('a', undefined, PURE);
    state.down = false;
    await q.consume('b', undefined, PURE);
    expect(state.recorded).toEqual([]);
    expect(settled).toEqual([]);
    await q.consume('a', undefined, PURE);
    expect(state.recorded).toEqual([['a', 1]]);
    expect(settled).toEqual([['a', 1]]);
  });

  it('a spent budget forgets the owed calls: the day has nothing left to add them to', async () => {
    const { state, quota } = meter();
    const q = outageGrace(quota, { calls: 5, onDeferred: () => {}, onSettled: () => {} });
    state.down = true;
    await q.consume('a', undefined, PURE);
    await q.consume('a', undefined, PURE);
    state.down = false;
    state.spent = true;
    await expect(q.consume('a', undefined, PURE)).rejects.toMatchObject({ code: 'rate_limited' });
    state.spent = false;
    await q.consume('a', undefined, PURE);
    expect(state.recorded).toEqual([]);
  });

  it('a meter that cannot record keeps the grace but settles nothing', async () => {
    const { state, quota } = meter(false);
    const settled: unknown[] = [];
    const q = outageGrace(quota, { calls: 5, onDeferred: () => {}, onSettled: (...args) => settled.push(args) });
    expect(q.record).toBeUndefined();
    state.down = true;
    await q.consume('a', undefined, PURE);
    state.down = false;
    await q.consume('a', undefined, PURE);
    expect(settled).toEqual([]);
  });

  it('passes record through to the meter', async () => {
    const { state, quota } = meter();
    const q = outageGrace(quota, { calls: 5, onDeferred: () => {}, onSettled: () => {} });
    await q.record!('a', 3);
    expect(state.recorded).toEqual([['a', 3]]);
  });
});
