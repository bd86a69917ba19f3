import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { unleashFlags, type UnleashFlags } from '../../adapters/unleash/flags.ts';
import { createRootLogger } from '../../adapters/logging.ts';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { startFakeUnleash, type FakeUnleash } from './fake-unleash.ts';

const REFRESH_MS = 50;

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const print = (line: string) => void lines.push(JSON.parse(line));
  const logger = createRootLogger('DEBUG', { printer: { info: print, warn: print, error: print, debug: print, log: print, trace: print } });
  return { lines, logger, messages: () => lines.map((l) => `${l.level} ${l.message}`) };
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
    const flags = client(fake.url, 'wrong-token', log);
    await fake.nextFetch();
    await new Promise((r) => setTimeout(r, REFRESH_MS * 4));
    expect(flags.isEnabled('sourcing.v2')).toBe(false);
    expect(flags.synchronized).toBe(false);
    expect(fake.fetches).toBe(1);
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
    const flags = client(url, 'any-token', log);
    expect(flags.isEnabled('sourcing.v2')).toBe(false);
    // The client retries a failed fetch twice, a second apart, before it reports the failure.
    const unreachable = () => log.lines.filter((l) => l.message === 'cannot reach Unleash');
    await expect.poll(() => unreachable().length, { timeout: 5_000, interval: 50 }).toBe(1);
    await new Promise((r) => setTimeout(r, 2_500));
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
