import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ListingChannel, PushOutcome, SyncFailure } from '../../../core/inventory/model.ts';
import { gate } from '../../../tests/helpers/barrier.ts';
import { pushScheduler } from './push-scheduler.ts';

const nothing = (): PushOutcome => ({ pushed: 0, unchanged: 0, failed: [], stopped: [] });
const failure = (sku: string): SyncFailure => ({ channel: 'coupang_wing', externalId: `x-${sku}`, sku, kind: 'failed', message: '500' });

interface Call {
  tenantId: string;
  skus: string[] | 'all';
  skip: ListingChannel[];
  at: number;
}

const recorder = (answer: (call: Call) => PushOutcome | Promise<PushOutcome> = nothing) => {
  const calls: Call[] = [];
  const push = async (tenantId: string, skus: readonly string[] | undefined, skip: ReadonlySet<ListingChannel>) => {
    const call = { tenantId, skus: skus ? [...skus].sort() : ('all' as const), skip: [...skip], at: Date.now() };
    calls.push(call);
    return answer(call);
  };
  return { calls, push };
};

describe('pushScheduler', () => {
  afterEach(() => vi.useRealTimers());

  it('batches a burst of changes of one tenant into one push of the SKUs changed, after the delay', async () => {
    vi.useFakeTimers();
    const { calls, push } = recorder();
    const s = pushScheduler({ delayMs: 1000, push, onError: () => {} });
    s.stockChanged('t1', ['A']);
    s.stockChanged('t1', ['B', 'A']);
    s.stockChanged('t1', ['C']);
    s.stockChanged('t2', ['A']);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => [c.tenantId, c.skus]).sort()).toEqual([['t1', ['A', 'B', 'C']], ['t2', ['A']]]);
    // A change without SKUs means anything of the tenant: it widens the batch to every listing.
    s.stockChanged('t1', ['A']);
    s.stockChanged('t1');
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.at(-1)!.skus).toBe('all');
    await s.idle();
    await s.close();
  });

  it('a change during a run makes exactly one more run after it, never two at once', async () => {
    const hold = gate('push-scheduler-run');
    let running = 0;
    let most = 0;
    const { calls, push } = recorder(async () => {
      running++;
      most = Math.max(most, running);
      if (calls.length === 1) await hold.pass();
      running--;
      return nothing();
    });
    const s = pushScheduler({ delayMs: 0, push, onError: () => {} });
    vi.useFakeTimers();
    s.stockChanged('t1', ['A']);
    await vi.advanceTimersByTimeAsync(0);
    await hold.arrived(1);
    // Both changes come due while the first run is held: no second run starts beside it.
    s.stockChanged('t1', ['B']);
    s.stockChanged('t1', ['C']);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    hold.release();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(0);
    await s.idle();
    expect([calls.map((c) => c.skus), most]).toEqual([[['A'], ['B', 'C']], 1]);
    await s.close();
  });

  it('a failed listing is pushed again after a doubling backoff, a bounded number of times, then left to the sync', async () => {
    vi.useFakeTimers({ now: 0 });
    const gaveUp: (readonly string[] | 'all')[] = [];
    const { calls, push } = recorder((call) => ({ ...nothing(), failed: call.skus === 'all' || call.skus.includes('A') ? [failure('A')] : [] }));
    const s = pushScheduler({ delayMs: 100, push, onError: () => {}, retry: { firstMs: 1000, maxMs: 3000, attempts: 3 }, onGiveUp: (_t, skus) => gaveUp.push(skus) });
    s.stockChanged('t1', ['A', 'B']);
    await vi.advanceTimersByTimeAsync(10_000);
    await s.idle();
    // First push at 100; retries 1000, 2000, then 3000 (capped, not 4000) after each failure: 1100, 3100, 6100.
    expect(calls.map((c) => [c.at, c.skus])).toEqual([[100, ['A', 'B']], [1100, ['A']], [3100, ['A']], [6100, ['A']]]);
    expect(gaveUp).toEqual([['A']]);
    await s.close();
  });

  it('a retry succeeding ends the backoff; a later change merges with a waiting retry', async () => {
    vi.useFakeTimers({ now: 0 });
    let fail = true;
    const { calls, push } = recorder(() => ({ ...nothing(), failed: fail ? [failure('A')] : [] }));
    const s = pushScheduler({ delayMs: 100, push, onError: () => {}, retry: { firstMs: 1000, maxMs: 60_000, attempts: 5 } });
    s.stockChanged('t1', ['A']);
    await vi.advanceTimersByTimeAsync(100);
    fail = false;
    // B changes while A's retry waits: B is pushed after the delay with A, not after A's backoff.
    await vi.advanceTimersByTimeAsync(200);
    s.stockChanged('t1', ['B']);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls.map((c) => [c.at, c.skus])).toEqual([[100, ['A']], [400, ['A', 'B']]]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(2);
    await s.idle();
    await s.close();
  });

  it('a rejected or missing connection stops that channel\'s pushes for the tenant until a sync finds it working', async () => {
    vi.useFakeTimers();
    const stops: string[] = [];
    const { calls, push } = recorder((call) => ({
      ...nothing(),
      stopped: call.skip.includes('coupang_wing') ? [] : [{ channel: 'coupang_wing', externalId: null, sku: null, kind: 'rejected', message: 'renew it' }],
    }));
    const s = pushScheduler({ delayMs: 0, push, onError: () => {}, onStopped: (t, f) => stops.push(`${t}:${f.channel}:${f.kind}`) });
    s.stockChanged('t1', ['A']);
    await vi.advanceTimersByTimeAsync(0);
    s.stockChanged('t1', ['A']);
    await vi.advanceTimersByTimeAsync(0);
    s.stockChanged('t2', ['A']);
    await vi.advanceTimersByTimeAsync(0);
    // Not retried: the second push of t1 leaves Wing out; t2's connection is its own.
    expect(calls.map((c) => [c.tenantId, c.skip])).toEqual([['t1', []], ['t1', ['coupang_wing']], ['t2', []]]);
    expect([stops, s.stopped('t1')]).toEqual([['t1:coupang_wing:rejected', 't2:coupang_wing:rejected'], ['coupang_wing']]);
    s.resume('t1', ['coupang_wing']);
    s.stockChanged('t1', ['A']);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.at(-1)!.skip).toEqual([]);
    await s.idle();
    await s.close();
  });

  it('a stopped channel is tried once more after stopMs without a sync resuming it (the sync may run elsewhere)', async () => {
    vi.useFakeTimers({ now: 0 });
    const { calls, push } = recorder((call) => ({
      ...nothing(),
      stopped: call.skip.includes('coupang_wing') ? [] : [{ channel: 'coupang_wing', externalId: null, sku: null, kind: 'no_connection', message: 'none' }],
    }));
    const s = pushScheduler({ delayMs: 0, push, onError: () => {}, stopMs: 60_000 });
    for (const at of [0, 59_999, 60_000]) {
      await vi.advanceTimersByTimeAsync(at - Date.now());
      s.stockChanged('t1', ['A']);
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(calls.map((c) => [c.at, c.skip])).toEqual([[0, []], [59_999, ['coupang_wing']], [60_000, []]]);
    await s.idle();
    await s.close();
  });

  it('a push that throws is reported and retried; after close nothing runs', async () => {
    vi.useFakeTimers({ now: 0 });
    const errors: unknown[] = [];
    const { calls, push } = recorder(() => {
      if (calls.length === 1) throw new Error('database down');
      return nothing();
    });
    const s = pushScheduler({ delayMs: 0, push, onError: (_t, e) => errors.push(e), retry: { firstMs: 500, maxMs: 500, attempts: 2 } });
    s.stockChanged('t1', ['A']);
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(500);
    await s.idle();
    expect([calls.map((c) => [c.at, c.skus]), (errors[0] as Error).message]).toEqual([[[0, ['A']], [500, ['A']]], 'database down']);
    await s.close();
    s.stockChanged('t1', ['A']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(2);
  });
});
