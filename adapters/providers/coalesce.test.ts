import { afterEach, describe, expect, it, vi } from 'vitest';
import { coalescer, type CoalescerOptions } from './coalesce.ts';

const deferred = <T = void>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !check(); i++) await pause(10);
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

/** Records every call; each answers with its keys joined, except calls carrying `e`, which the test answers. */
const setup = (over: Partial<CoalescerOptions<string>> = {}) => {
  const sends: string[][] = [];
  const held: Array<ReturnType<typeof deferred<string>>> = [];
  const co = coalescer<string>({
    maxKeys: 5,
    windowMs: 20,
    maxHoldMs: 60_000,
    ready: async () => undefined,
    send: async (keys) => {
      sends.push(keys);
      if (!keys.includes('e')) return keys.join(',');
      const d = deferred<string>();
      held.push(d);
      return d.promise;
    },
    ...over,
  });
  return { co, sends, held };
};

// Windows are decided by a fake clock the test moves (vi.useFakeTimers): "not sent yet" is checked one
// millisecond before the window ends and "sent" at its end, whatever the machine's load.
afterEach(() => {
  vi.useRealTimers();
});
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('coalescer', () => {
  it('packs concurrent requests of one scope into calls of up to maxKeys, never across scopes', async () => {
    const { co, sends } = setup();
    const keys = ['a', 'b', 'c', 'd', 'k', 'f', 'g', 'h', 'i', 'j'];
    const answers = await Promise.all([...keys.map((k) => co.arrive('s1').join([k])), co.arrive('s2').join(['z'])]);
    expect(sends).toEqual([['a', 'b', 'c', 'd', 'k'], ['f', 'g', 'h', 'i', 'j'], ['z']]);
    expect(answers[0]).toEqual({ result: 'a,b,c,d,k', keys: ['a', 'b', 'c', 'd', 'k'] });
    expect(answers[9]).toEqual({ result: 'f,g,h,i,j', keys: ['f', 'g', 'h', 'i', 'j'] });
    expect(answers[10]).toEqual({ result: 'z', keys: ['z'] });
    expect(co.stats()).toEqual({ packedRequests: 10 });
  });

  it('sends a full group at once, without waiting for the window', async () => {
    const { co, sends } = setup({ windowMs: 60_000 });
    const answer = await co.arrive('s').join(['a', 'b', 'c', 'd', 'k']);
    expect(answer.keys).toEqual(['a', 'b', 'c', 'd', 'k']);
    expect(sends).toHaveLength(1);
    expect(co.stats()).toEqual({ packedRequests: 0 });
  });

  it('holds a partial group for a window after its last key joined, then sends it', async () => {
    vi.useFakeTimers();
    const { co, sends } = setup({ windowMs: 200 });
    const first = co.arrive('s').join(['a']);
    await advance(150);
    expect(sends).toEqual([]);
    const second = co.arrive('s').join(['b']);
    await advance(199);
    // 349 ms after the first key, 199 after the second: still open; at 200 it goes.
    expect(sends).toEqual([]);
    await advance(1);
    expect(sends).toEqual([['a', 'b']]);
    expect(await first).toEqual({ result: 'a,b', keys: ['a', 'b'] });
    expect((await second).result).toBe('a,b');
  });

  it('a request after a call went opens a group of its own', { timeout: 10_000 }, async () => {
    const { co, sends } = setup({ windowMs: 10 });
    expect((await co.arrive('s').join(['a'])).keys).toEqual(['a']);
    expect((await co.arrive('s').join(['b'])).keys).toEqual(['b']);
    expect(sends).toEqual([['a'], ['b']]);
  });

  it('counts a key asked twice once', async () => {
    const { co, sends } = setup({ windowMs: 60_000 });
    void co.arrive('s').join(['a', 'b', 'c', 'd']);
    await co.arrive('s').join(['d', 'k']);
    expect(sends).toEqual([['a', 'b', 'c', 'd', 'k']]);
  });

  it('a request the open group cannot take closes it (sent as it is) and opens the next', async () => {
    const { co, sends } = setup({ windowMs: 30 });
    const first = co.arrive('s').join(['a', 'b', 'c', 'd']);
    const second = co.arrive('s').join(['k', 'f']);
    expect((await first).keys).toEqual(['a', 'b', 'c', 'd']);
    expect((await second).keys).toEqual(['k', 'f']);
    expect(sends).toEqual([['a', 'b', 'c', 'd'], ['k', 'f']]);
  });

  it('keeps a due partial group back while a call of its scope is out, and sends it a window after that call returns', async () => {
    vi.useFakeTimers();
    const { co, sends, held } = setup({ windowMs: 10 });
    const full = co.arrive('s').join(['a', 'b', 'c', 'd', 'e']);
    const other = co.arrive('other').join(['o']);
    const partial = co.arrive('s').join(['x']);
    await advance(100);
    // The other scope is not held back by this one's call.
    expect((await other).result).toBe('o');
    expect(sends).toEqual([['a', 'b', 'c', 'd', 'e'], ['o']]);
    held[0]!.resolve('done');
    expect((await full).result).toBe('done');
    await advance(9);
    expect(sends).toHaveLength(2);
    await advance(1);
    expect((await partial).keys).toEqual(['x']);
    expect(sends).toEqual([['a', 'b', 'c', 'd', 'e'], ['o'], ['x']]);
  });

  it('keeps a due group back while a request of its scope is arriving; leaving lets it go', async () => {
    vi.useFakeTimers();
    const { co, sends } = setup({ windowMs: 10 });
    const arriving = co.arrive('s');
    const waiting = co.arrive('s').join(['a']);
    await advance(100);
    expect(sends).toEqual([]);
    arriving.leave();
    await advance(0);
    expect(sends).toEqual([['a']]);
    expect((await waiting).keys).toEqual(['a']);
  });

  it('a key joining a due group makes it wait a window again', async () => {
    vi.useFakeTimers();
    const { co, sends } = setup({ windowMs: 200 });
    const arriving = co.arrive('s');
    const first = co.arrive('s').join(['a']);
    await advance(300);
    const second = co.arrive('s').join(['b']);
    arriving.leave();
    await advance(199);
    expect(sends).toEqual([]);
    await advance(1);
    expect(sends).toEqual([['a', 'b']]);
    expect((await first).keys).toEqual(['a', 'b']);
    expect((await second).keys).toEqual(['a', 'b']);
  });

  it('an arriving request that joins rides the same call', async () => {
    vi.useFakeTimers();
    const { co, sends } = setup({ windowMs: 10 });
    const arriving = co.arrive('s');
    const first = co.arrive('s').join(['a']);
    await advance(100);
    expect(sends).toEqual([]);
    const second = arriving.join(['b']);
    await advance(10);
    expect((await first).keys).toEqual(['a', 'b']);
    expect((await second).keys).toEqual(['a', 'b']);
    expect(sends).toHaveLength(1);
  });

  it('a group waiting for its slot still takes keys, and the call carries them all', async () => {
    const slot = deferred();
    let asked = 0;
    const { co, sends } = setup({ windowMs: 10, ready: () => (asked++, slot.promise) });
    const first = co.arrive('s').join(['a']);
    await until(() => asked === 1, 'the slot to be asked for');
    const second = co.arrive('s').join(['b']);
    slot.resolve();
    expect((await first).keys).toEqual(['a', 'b']);
    expect((await second).keys).toEqual(['a', 'b']);
    expect(sends).toEqual([['a', 'b']]);
    expect(asked).toBe(1);
  });

  it('a group waiting for its slot that fills up still makes one call', async () => {
    const slot = deferred();
    let asked = 0;
    const { co, sends } = setup({ windowMs: 10, ready: () => (asked++, slot.promise) });
    const first = co.arrive('s').join(['a']);
    await until(() => asked === 1, 'the slot to be asked for');
    const rest = co.arrive('s').join(['b', 'c', 'd', 'k']);
    slot.resolve();
    expect((await first).keys).toEqual(['a', 'b', 'c', 'd', 'k']);
    expect((await rest).keys).toEqual(['a', 'b', 'c', 'd', 'k']);
    expect(sends).toEqual([['a', 'b', 'c', 'd', 'k']]);
    expect(asked).toBe(1);
  });

  it('no slot: every request of the group fails with that error, and the next request opens a new group', async () => {
    const refused = new Error('rate saturated');
    let refuse = true;
    const { co, sends } = setup({ windowMs: 10, ready: async () => (refuse ? Promise.reject(refused) : undefined) });
    const results = await Promise.allSettled([co.arrive('s').join(['a']), co.arrive('s').join(['b'])]);
    expect(results).toEqual([{ status: 'rejected', reason: refused }, { status: 'rejected', reason: refused }]);
    expect(sends).toEqual([]);
    refuse = false;
    expect((await co.arrive('s').join(['c'])).keys).toEqual(['c']);
  });

  it('a failed call fails every request that rode it', async () => {
    const broken = new Error('provider down');
    const { co } = setup({ windowMs: 10, send: async () => Promise.reject(broken) });
    const results = await Promise.allSettled([co.arrive('s').join(['a']), co.arrive('s').join(['b'])]);
    expect(results.map((r) => r.status === 'rejected' && r.reason)).toEqual([broken, broken]);
  });

  it('a request that gives up leaves with its reason; the call goes on for the others', async () => {
    const { co, sends } = setup({ windowMs: 30 });
    const caller = new AbortController();
    const leaving = co.arrive('s').join(['a'], caller.signal);
    const staying = co.arrive('s').join(['b']);
    const reason = new Error('gone');
    caller.abort(reason);
    await expect(leaving).rejects.toBe(reason);
    expect((await staying).keys).toEqual(['a', 'b']);
    expect(sends).toEqual([['a', 'b']]);
  });

  it('sends a group after maxHoldMs even when its scope is never idle', async () => {
    vi.useFakeTimers();
    const { co, sends, held } = setup({ windowMs: 10, maxHoldMs: 150 });
    void co.arrive('s').join(['a', 'b', 'c', 'd', 'e']);
    const partial = co.arrive('s').join(['x']);
    await advance(149);
    expect(sends).toHaveLength(1);
    await advance(1);
    expect((await partial).keys).toEqual(['x']);
    expect(sends).toHaveLength(2);
    held[0]!.resolve('late');
  });
});
