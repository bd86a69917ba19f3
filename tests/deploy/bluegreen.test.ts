import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import autocannon from 'autocannon';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { assembleApp, freePort, pidAlive, removeTempDirs, root, runNode, startNginx, tempDir, type Nginx } from './harness.ts';

// Blue and green run as processes on loopback behind a real nginx using the shipped site config, and
// container/deploy.mjs flips between them while autocannon keeps 10 connections busy through nginx.

let nginx: Nginx;
let app: string;
let stateDir: string;
const ports = { blue: 0, green: 0 };
const figures: Record<string, unknown> = {};

const deployArgs = (command: string, ...extra: string[]) => [
  'container/deploy.mjs',
  command,
  '--runner', 'process',
  '--app-dir', app,
  '--state-dir', stateDir,
  '--nginx-dir', nginx.nginxDir,
  '--nginx', nginx.bin,
  '--nginx-prefix', nginx.prefix,
  '--nginx-conf', nginx.conf,
  '--nginx-url', nginx.url,
  '--blue-port', String(ports.blue),
  '--green-port', String(ports.green),
  '--env', 'DATA_DIR=memory://',
  '--env', 'ACCESS_LOG=false',
  '--env', 'SHUTDOWN_TIMEOUT_MS=5000',
  '--drain', '1',
  '--stop-timeout', '10',
  // A start can take a minute on a machine loaded far beyond its cores: a failure bound, not a wait.
  '--health-timeout', '150',
  ...extra,
];
const deploy = (...extra: string[]) => runNode(deployArgs('deploy', ...extra));
const pidOf = (colour: string): number | undefined => {
  const file = join(stateDir, `${colour}.pid`);
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : undefined;
};
const state = () => JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { active: string; previous: string | null };

interface Totals {
  requests: number;
  ok2xx: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  p99Ms: number;
  maxMs: number;
}

interface Load {
  totals: Totals;
  byColour: Record<string, number>;
  /** ms after the load started at which each colour first and last answered. */
  firstAt: Record<string, number>;
  lastAt: Record<string, number>;
  /** Wall-clock time (epoch ms) of each colour's first answer, to compare with the deploy's log. */
  firstEpoch: Record<string, number>;
  /** Called on every answer (so a test can wait until the load flows instead of sleeping). */
  onAnswer?: (answers: number) => void;
}

/** One autocannon run of 10 connections on GET /v1/meta through nginx, counting answers per colour. */
const round = (seconds: number, started: number, load: Load): Promise<void> =>
  new Promise((resolve, reject) => {
    autocannon(
      {
        url: nginx.url,
        connections: 10,
        duration: seconds,
        timeout: 5,
        requests: [
          {
            method: 'GET',
            path: '/v1/meta',
            onResponse: (_status: number, _body: string, _ctx: unknown, headers: Record<string, string>) => {
              const key = Object.keys(headers).find((k) => k.toLowerCase() === 'x-served-by');
              const colour = key ? headers[key]! : 'none';
              const at = Math.round(performance.now() - started);
              load.byColour[colour] = (load.byColour[colour] ?? 0) + 1;
              load.firstAt[colour] ??= at;
              load.firstEpoch[colour] ??= Date.now();
              load.lastAt[colour] = at;
              load.onAnswer?.(Object.values(load.byColour).reduce((a, b) => a + b, 0));
            },
          },
        ],
      },
      (error, r) => {
        if (error) return reject(error);
        const t = load.totals;
        t.requests += r.requests.total;
        t.ok2xx += r['2xx'];
        t.errors += r.errors;
        t.timeouts += r.timeouts;
        t.non2xx += r.non2xx;
        t.resets += r.resets;
        t.p99Ms = Math.max(t.p99Ms, r.latency.p99);
        t.maxMs = Math.max(t.maxMs, r.latency.max);
        resolve();
      },
    );
  });

/**
 * Keeps the load running, in back-to-back 2 s autocannon rounds (each ends by itself, so no request is cut
 * short by stopping the generator), from its first 50 answers before `during` starts until 1 s after it settles.
 */
const loadDuring = async <T>(during: () => Promise<T>): Promise<Load & { value: T; seconds: number }> => {
  const started = performance.now();
  const load: Load = { totals: { requests: 0, ok2xx: 0, errors: 0, timeouts: 0, non2xx: 0, resets: 0, p99Ms: 0, maxMs: 0 }, byColour: {}, firstAt: {}, lastAt: {}, firstEpoch: {} };
  let settledAt: number | undefined;
  const rounds = (async () => {
    // Bounded: at most 30 rounds (60 s) whatever happens to `during`.
    for (let i = 0; i < 30 && (settledAt === undefined || performance.now() - settledAt < 1_000); i++) await round(2, started, load);
  })();
  // The load flows (every connection has had answers) before `during` starts; 30 s bounds a load that never does.
  await new Promise<void>((resolve, reject) => {
    const bound = setTimeout(() => reject(new Error(`the load got no answers within 30 s: ${JSON.stringify(load.byColour)}`)), 30_000);
    load.onAnswer = (answers) => {
      if (answers < 50) return;
      clearTimeout(bound);
      delete load.onAnswer;
      resolve();
    };
  });
  const value = await during().finally(() => (settledAt = performance.now()));
  await rounds;
  return { ...load, value, seconds: Math.round((performance.now() - started) / 100) / 10 };
};

const failures = (t: Totals) => ({ errors: t.errors, timeouts: t.timeouts, non2xx: t.non2xx, resets: t.resets });

beforeAll(async () => {
  app = assembleApp();
  stateDir = tempDir('deploy-state');
  ports.blue = await freePort();
  ports.green = await freePort();
  nginx = await startNginx({ port: await freePort() });
});

afterAll(async () => {
  for (const colour of ['blue', 'green']) {
    const pid = stateDir ? pidOf(colour) : undefined;
    if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await nginx?.stop();
  if (Object.keys(figures).length) {
    mkdirSync(join(root, '.cache'), { recursive: true });
    writeFileSync(join(root, '.cache/deploy-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  }
  removeTempDirs();
});

// Each step starts a server (embedded database and migrations included): allow for a busy machine.
describe('blue/green deploy behind nginx (process runner)', { timeout: 240_000 }, () => {
  it('first deploy: starts blue, smoke-tests it, writes the upstreams and makes it live', async () => {
    const before = await fetch(`${nginx.url}/health`);
    // No live colour yet: nginx answers 503 in the API's problem format.
    expect(before.status).toBe(503);
    expect(await before.json()).toMatchObject({ type: 'urn:sellpo:problem:unavailable', status: 503 });

    const r = await deploy();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/blue passed the smoke test/);
    expect(r.stdout).toMatch(/nginx reloaded with upstreams/);
    expect(state()).toMatchObject({ active: 'blue', previous: null });
    expect(readFileSync(join(nginx.nginxDir, 'upstreams.conf'), 'utf8')).toContain(`server 127.0.0.1:${ports.green};`);
    const res = await fetch(`${nginx.url}/v1/meta`, { headers: { 'x-request-id': 'through-nginx-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-served-by')).toBe('blue');
    // The caller's request id travels through nginx to the app and back.
    expect(res.headers.get('x-request-id')).toBe('through-nginx-1');
  });

  it('nginx makes a request id when the caller sends none, and refuses bodies over 1 MiB as a problem', async () => {
    const res = await fetch(`${nginx.url}/health`);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const big = await fetch(`${nginx.url}/v1/analysis/margin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toBe('application/problem+json');
    expect(await big.json()).toMatchObject({ type: 'urn:sellpo:problem:payload-too-large', status: 413 });
  });

  it('nginx limits requests per client address (loopback exempt) with a 429 problem and Retry-After', async () => {
    // From 127.0.0.2, which is not exempt: 40 anonymous requests at once pass the burst of 20.
    const from = (localAddress: string) =>
      new Promise<{ status: number; type: string | undefined; retryAfter: string | undefined; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: nginx.port, path: '/health', localAddress, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], retryAfter: res.headers['retry-after'] as string | undefined, body }));
        });
        req.once('error', reject);
        req.end();
      });
    const limited = await Promise.all(Array.from({ length: 40 }, () => from('127.0.0.2')));
    const refused = limited.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ type: 'application/problem+json', retryAfter: '1' });
    expect(JSON.parse(refused[0]!.body)).toMatchObject({ type: 'urn:sellpo:problem:rate-limited', status: 429 });
    const exempt = await Promise.all(Array.from({ length: 40 }, () => from('127.0.0.1')));
    expect(exempt.every((r) => r.status === 200)).toBe(true);
  });

  it('flips blue -> green under load with zero failed requests, then stops blue with SIGTERM', async () => {
    const bluePid = pidOf('blue')!;
    const { totals, byColour, firstAt, lastAt, firstEpoch, value: r, seconds } = await loadDuring(() => deploy());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(failures(totals)).toEqual({ errors: 0, timeouts: 0, non2xx: 0, resets: 0 });
    expect(totals.ok2xx).toBe(totals.requests);
    expect(byColour.blue).toBeGreaterThan(0);
    expect(byColour.green).toBeGreaterThan(0);
    expect(Object.keys(byColour).sort()).toEqual(['blue', 'green']);
    // The flip is one rename: once green answers, blue answers only requests routed before it (10 connections).
    expect(lastAt.blue!).toBeLessThanOrEqual(firstAt.green! + 100);
    expect(state()).toMatchObject({ active: 'green', previous: 'blue' });
    expect(existsSync(join(nginx.nginxDir, 'live-green'))).toBe(true);
    expect(existsSync(join(nginx.nginxDir, 'live-blue'))).toBe(false);
    expect(pidAlive(bluePid)).toBe(false);
    expect(r.stdout).toMatch(/blue stopped \(SIGTERM\)/);
    expect(r.stdout).not.toMatch(/nginx reloaded/);
    // Flip time as the load saw it: from the marker rename to the first answer from green through nginx.
    const renamedAt = Date.parse(/live marker renamed at (\S+?)[;)]/.exec(r.stdout)?.[1] ?? '');
    const flipMs = firstEpoch.green! - renamedAt;
    expect(flipMs).toBeGreaterThanOrEqual(0);
    expect(flipMs).toBeLessThan(1_000);
    const confirmMs = Number(/confirmed through \S+ (\d+) ms later/.exec(r.stdout)?.[1]);
    figures.flip = {
      requests: totals.requests,
      durationS: seconds,
      byColour,
      failures: failures(totals),
      flipMs,
      confirmMs,
      deployMs: r.ms,
      latencyMs: { worstRoundP99: totals.p99Ms, max: totals.maxMs },
    };
  });

  it('a new version that fails its smoke test never receives traffic; green keeps serving with zero failures', async () => {
    const greenPid = pidOf('green')!;
    const { totals, byColour, value: r, seconds } = await loadDuring(() => deploy('--expect-version', '0.0.0-not-this-build'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/smoke test failed on blue: .*version is \S+, expected 0\.0\.0-not-this-build/);
    expect(r.stdout).toMatch(/blue stopped \(SIGTERM\); nginx still sends traffic to green/);
    expect(failures(totals)).toEqual({ errors: 0, timeouts: 0, non2xx: 0, resets: 0 });
    expect(byColour).toEqual({ green: totals.requests });
    expect(pidAlive(greenPid)).toBe(true);
    expect(pidOf('blue')).toBeUndefined();
    expect(state().active).toBe('green');
    expect(existsSync(join(nginx.nginxDir, 'live-green'))).toBe(true);
    figures.failedSmoke = { requests: totals.requests, durationS: seconds, byColour, failures: failures(totals), deployMs: r.ms };
  });

  it('a new version that cannot start (bad configuration) is reported with its exit code and message', async () => {
    const r = await deploy('--env', 'SHUTDOWN_TIMEOUT_MS=soon');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/blue exited \(78\) before answering \/health/);
    expect(r.stderr).toContain('SHUTDOWN_TIMEOUT_MS');
    expect(state().active).toBe('green');
    expect((await fetch(`${nginx.url}/health`)).headers.get('x-served-by')).toBe('green');
  });

  it('rollback flips back to the previous colour when it was kept, and refuses when it is gone', async () => {
    const refused = await runNode(deployArgs('rollback'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/blue is not running/);

    const kept = await deploy('--keep-previous');
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(state()).toMatchObject({ active: 'blue', previous: 'green' });
    const greenPid = pidOf('green')!;
    expect(pidAlive(greenPid)).toBe(true);

    const { totals, byColour, value: back, seconds } = await loadDuring(() => runNode(deployArgs('rollback')));
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(failures(totals)).toEqual({ errors: 0, timeouts: 0, non2xx: 0, resets: 0 });
    expect(byColour.blue).toBeGreaterThan(0);
    expect(byColour.green).toBeGreaterThan(0);
    expect(state()).toMatchObject({ active: 'green', previous: 'blue' });
    expect(pidOf('green')).toBe(greenPid);
    expect(pidOf('blue')).toBeUndefined();
    figures.rollback = { requests: totals.requests, durationS: seconds, byColour, failures: failures(totals), rollbackMs: back.ms };
  });

  it('refuses bad usage with exit code 2 and will not stop the live colour', async () => {
    const r = await runNode(['container/deploy.mjs', 'deploy', '--runner', 'kubernetes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--runner must be docker or process/);
    const stop = await runNode(deployArgs('stop', 'green'));
    expect(stop.code).toBe(1);
    expect(stop.stderr).toMatch(/green is the active colour/);
  });
});
