import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { unleashFlags, type UnleashFlags } from '../../adapters/unleash/flags.ts';
import { createRootLogger } from '../../adapters/logging.ts';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { startFakeUnleash, type FakeUnleash } from './fake-unleash.ts';

const REFRESH_MS = 50;

type Line = Record<string, unknown>;
const capture = () => {
  const lines: Line[] = [];
  const watchers: Array<(line: Line) => void> = [];
  const print = (text: string) => {
    const line = JSON.parse(text) as Line;
    lines.push(line);
    for (const watch of [...watchers]) watch(line);
  };
  const logger = createRootLogger('DEBUG', { printer: { info: print, warn: print, error: print, debug: print, log: print, trace: print } });
  /** Resolves with `read()` taken at the moment the first line matching `match` is written. */
  const when = <T>(match: (line: Line) => boolean, read: () => T): Promise<T> =>
    new Promise((resolve) => {
      const watch = (line: Line) => {
        if (!match(line)) return;
        watchers.splice(watchers.indexOf(watch), 1);
        resolve(read());
      };
      watchers.push(watch);
    });
  return { lines, logger, when, messages: () => lines.map((l) => `${l.level} ${l.message}`) };
};

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const server = async (token?: string): Promise<FakeUnleash> => {
  const fake = await startFakeUnleash(token);
  cleanup.push(() => fake.close());
  return fake;
};

const client = (url: string, token: string, log = capture()): UnleashFlags => {
  const flags = unleashFlags({ url, token, appName: 'sellpo-test', refreshIntervalMs: REFRESH_MS, timeoutMs: 1_000, logger: log.logger });
  cleanup.push(() => flags.close());
  return flags;
};

/**
 * Counts the feature fetches the client starts towards `url`, each attempt (retries included), from the events
 * node's HTTP client publishes as a request starts; `reached(n)` resolves once n have started.
 */
const featureRequests = (url: string) => {
  const { host } = new URL(url);
  let count = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const listener = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    if (request.method !== 'GET' || request.getHeader('host') !== host || !request.path.includes('/client/features')) return;
    count++;
    for (const w of waiters.filter((w) => count >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  subscribe('http.client.request.start', listener);
  cleanup.push(() => unsubscribe('http.client.request.start', listener));
  return {
    get count() {
      return count;
    },
    reached: (n: number) => (count >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
  };
};

/** Waits until the fake has answered two more fetches, so the client has seen the latest state. */
const refreshed = async (fake: FakeUnleash) => {
  await fake.nextFetch();
  await fake.nextFetch();
};

describe('Unleash flags', () => {
  it('is off before the first sync, follows the server after it, and is off for unknown flags', async () => {
    const fake = await server();
    fake.set('sourcing.v2', true);
    const log = capture();
    const flags = client(fake.url, fake.token, log);
    // The first fetch starts on the next tick: nothing is known yet.
    expect(flags.synchronized).toBe(false);
    expect(flags.isEnabled('sourcing.v2')).toBe(false);

    await flags.synchronization();
    expect(flags.isEnabled('sourcing.v2')).toBe(true);
    expect(flags.isEnabled('sourcing.v2', { tenantId: 't_1', userId: 'u_1' })).toBe(true);
    expect(flags.isEnabled('no.such.flag')).toBe(false);

    fake.set('sourcing.v2', false);
    await refreshed(fake);
    expect(flags.isEnabled('sourcing.v2')).toBe(false);

    fake.set('sourcing.v2', true);
    await refreshed(fake);
    expect(flags.isEnabled('sourcing.v2')).toBe(true);
    expect(fake.registrations).toBe(1);

    // One line for the sync, one per change of the enabled set; polls that change nothing log nothing.
    expect(log.messages().filter((m) => m.includes('synchronised'))).toEqual(['INFO feature flags synchronised with Unleash']);
    expect(log.lines.filter((l) => l.message === 'feature flags changed').map((l) => l.enabled)).toEqual([[], ['sourcing.v2']]);
    expect(JSON.stringify(log.lines)).not.toContain(fake.token);
  });

  it('stays off with a rejected token, logs one error and stops polling', async () => {
    const fake = await server('right-token');
    fake.set('sourcing.v2', true);
    const log = capture();
    const requests = featureRequests(fake.url);
    // The client's poll timer runs on a fake clock: time moves only when the test moves it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    cleanup.push(() => vi.useRealTimers());
    const flags = client(fake.url, 'wrong-token', log);
    // The error is logged as the 401 is handled; the client decides on its next poll right after, in the same turn.
    await log.when((l) => l.level === 'ERROR', () => undefined);
    // Far past the next poll even at the client's longest backoff (11 intervals): a scheduled poll would have started.
    await vi.advanceTimersByTimeAsync(REFRESH_MS * 20);
    expect(requests.count).toBe(1);
    expect(fake.fetches).toBe(1);
    expect(flags.isEnabled('sourcing.v2')).toBe(false);
    expect(flags.synchronized).toBe(false);
    const errors = log.lines.filter((l) => l.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/rejected the API token/);
    expect(errors[0]!.consequence).toBe('every flag stays off');
  });

  it('stays off while the server is unreachable, with one warning however many polls fail', async () => {
    const fake = await server();
    const url = fake.url;
    await fake.close();
    const log = capture();
    const requests = featureRequests(url);
    const unreachable = () => log.lines.filter((l) => l.message === 'cannot reach Unleash');
    const attemptsAtWarning = log.when((l) => l.message === 'cannot reach Unleash', () => requests.count);
    const flags = client(url, 'any-token', log);
    expect(flags.isEnabled('sourcing.v2')).toBe(false);
    // A poll is three attempts (the client retries a failed fetch twice, a second apart), then the failure is reported.
    expect(await attemptsAtWarning).toBe(3);
    // The seventh attempt opens the third poll, which starts only after the second poll's failure was handled.
    await requests.reached(7);
    expect(unreachable()).toHaveLength(1);
    expect(unreachable()[0]!.consequence).toBe('every flag is off until it answers');
    expect(flags.isEnabled('sourcing.v2')).toBe(false);
  });

  it('keeps the last known flags through an outage after synchronising', async () => {
    const fake = await server();
    fake.set('sourcing.v2', true);
    const log = capture();
    const flags = client(fake.url, fake.token, log);
    await flags.synchronization();
    fake.failWith(503);
    await refreshed(fake);
    expect(flags.isEnabled('sourcing.v2')).toBe(true);
    await expect.poll(() => log.lines.filter((l) => l.level === 'WARN').length, { timeout: 5_000, interval: 50 }).toBe(1);
    fake.failWith(undefined);
    fake.set('sourcing.v2', false);
    // The client backs off after failures; wait until it has fetched fresh data.
    await expect.poll(() => flags.isEnabled('sourcing.v2'), { timeout: 3_000, interval: 20 }).toBe(false);
    expect(log.messages()).toContain('INFO Unleash reachable again');
  });
});

describe('a flag-gated endpoint under Unleash', () => {
  const gated = defineEndpoint({
    id: 'test.gated',
    method: 'GET',
    path: '/v1/test/gated',
    summary: 'test endpoint behind a flag',
    tags: ['test'],
    access: 'public',
    flag: 'test.gated',
    responses: { 200: z.object({ ok: z.literal(true) }) },
    run: async () => ({ status: 200, body: { ok: true as const } }),
  });

  it('answers 404 while the flag is off and 200 once Unleash turns it on, while the runtime runs', async () => {
    const fake = await server();
    const runtime: TestRuntime = await testRuntime({
      endpoints: [gated],
      env: { UNLEASH_URL: fake.url, UNLEASH_API_TOKEN: fake.token, UNLEASH_REFRESH_MS: String(REFRESH_MS) },
    });
    cleanup.push(() => runtime.close());

    const before = await runtime.call('test.gated');
    expect(before.status).toBe(404);
    expect(before.body.type).toMatch(/route-not-found|not-found/);

    await refreshed(fake);
    expect((await runtime.call('test.gated')).status).toBe(404);

    fake.set('test.gated', true);
    await refreshed(fake);
    const on = await runtime.call('test.gated');
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ ok: true });

    fake.set('test.gated', false);
    await refreshed(fake);
    expect((await runtime.call('test.gated')).status).toBe(404);
    expect(runtime.captured.logs.some((l) => l.message === 'feature flags synchronised with Unleash')).toBe(true);
  });
});
