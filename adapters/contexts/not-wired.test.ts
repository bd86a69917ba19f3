import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { notWired } from './context.ts';

describe('a context not wired into the process', () => {
  it('throws naming the context on any read of its ports', () => {
    const naver = notWired('naver') as Record<string, unknown>;
    expect(() => naver.keywords).toThrow('the naver context is not wired into this process (read keywords)');
    expect(() => 'keywords' in naver).toThrow(/naver context is not wired/);
  });

  it('can still be awaited and inspected as part of another object', async () => {
    const ports = { naver: notWired('naver') };
    await expect(Promise.resolve(ports.naver)).resolves.toBe(ports.naver);
    expect(() => inspect(ports)).not.toThrow();
  });
});
