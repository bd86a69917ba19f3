import { afterEach, describe, expect, it, vi } from 'vitest';
import { gate } from '../../../tests/helpers/barrier.ts';
import { pushScheduler } from './push-scheduler.ts';

describe('pushScheduler', () => {
  afterEach(() => vi.useRealTimers());

  it('batches a burst of changes of one tenant into one sync after the delay', async () => {
    vi.useFakeTimers();
    const synced: string[] = [];
    const s = pushScheduler({ delayMs: 1000, sync: async (t) => void synced.push(t), onError: () => {} });
    for (let i = 0; i < 5; i++) s.stockChanged('t1');
    s.stockChanged('t2');
    await vi.advanceTimersByTimeAsync(999);
    expect(synced).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(synced.sort()).toEqual(['t1', 't2']);
    await s.idle();
    await s.close();
  });

  it('a change during a run makes exactly one more run after it, never two at once', async () => {
    const hold = gate('sync');
    let running = 0;
    let most = 0;
    let runs = 0;
    const s = pushScheduler({
      delayMs: 0,
      sync: async () => {
        running++;
        most = Math.max(most, running);
        runs++;
        if (runs === 1) await hold.pass();
        running--;
      },
      onError: () => {},
    });
    vi.useFakeTimers();
    s.stockChanged('t1');
    await vi.advanceTimersByTimeAsync(0);
    await hold.arrived(1);
    // Both changes come due while the first run is held: no second run starts beside it.
    s.stockChanged('t1');
    s.stockChanged('t1');
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    hold.release();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(0);
    await s.idle();
    expect([runs, most]).toEqual([2, 1]);
    await s.close();
  });

  it('a failed sync is reported and later changes still sync', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const s = pushScheduler({
      delayMs: 0,
      sync: async () => {
        if (++calls === 1) throw new Error('channel down');
      },
      onError: (_t, e) => errors.push(e),
    });
    s.stockChanged('t1');
    await s.idle();
    s.stockChanged('t1');
    await s.idle();
    expect([calls, (errors[0] as Error).message, errors.length]).toEqual([2, 'channel down', 1]);
    await s.close();
    s.stockChanged('t1');
    await s.idle();
    expect(calls).toBe(2);
  });
});
