import { describe, expect, it } from 'vitest';
import { lazy, lazyPort } from './lazy-port.ts';

interface Greeter {
  greet(name: string): Promise<string>;
  count(): Promise<number>;
}

describe('lazy', () => {
  it('builds once for concurrent first calls, and again after a failed build', async () => {
    let builds = 0;
    const value = lazy(async () => {
      builds += 1;
      if (builds === 1) throw new Error('first build fails');
      return builds;
    });
    await expect(value.get()).rejects.toThrow('first build fails');
    expect(await Promise.all([value.get(), value.get()])).toEqual([2, 2]);
    expect(builds).toBe(2);
  });

  it('hands the built value back once to close it, and builds anew afterwards', async () => {
    let builds = 0;
    const value = lazy(async () => ++builds);
    expect(await value.take()).toBeUndefined();
    await value.get();
    expect(await value.take()).toBe(1);
    expect(await value.take()).toBeUndefined();
    expect(await value.get()).toBe(2);
  });
});

describe('lazyPort', () => {
  it('builds the adapter on the first call of any method and calls it with the arguments', async () => {
    let builds = 0;
    let calls = 0;
    const adapter = lazy<Greeter>(async () => {
      builds += 1;
      return { greet: async (name) => `hello ${name}`, count: async () => ++calls };
    });
    const port = lazyPort(adapter.get, { greet: true, count: true });
    expect(builds).toBe(0);
    expect(await port.greet('seller')).toBe('hello seller');
    expect(await port.count()).toBe(1);
    expect(builds).toBe(1);
  });
});
