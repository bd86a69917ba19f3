import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import autocannon from 'autocannon';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assembleApp, freePort, pidAlive, root, runNode, startNginx, tempDir, type Nginx } from './harness.ts';

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
  '--upstream-file', nginx.upstreamFile,
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
  ...extra,
];
const deploy = (...extra: string[]) => runNode(deployArgs('deploy', ...extra));
const pidOf = (colour: string): number | undefined => {
  const file = join(stateDir, `${colour}.pid`);
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : undefined;
};
const state = () => JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { active: string; previous: string | null };

interface Load {
  result: autocannon.Result;
  byColour: Record<string, number>;
  /** ms after the load started at which each colour first and last answered. */
  firstAt: Record<string, number>;
  lastAt: Record<string, number>;
}

/** Keeps 10 connections busy on GET /v1/meta through nginx for `seconds`, counting answers per colour. */
const load = (seconds: number): Promise<Load> => {
  const byColour: Record<string, number> = {};
  const firstAt: Record<string, number> = {};
  const lastAt: Record<string, number> = {};
  const started = performance.now();
  return new Promise((resolve, reject) => {
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
              byColour[colour] = (byColour[colour] ?? 0) + 1;
              firstAt[colour] ??= at;
              lastAt[colour] = at;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve({ result, byColour, firstAt, lastAt })),
    );
  });
};

const failures = (r: autocannon.Result) => ({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, resets: r.resets });

beforeAll(async () => {
  app = assembleApp();
  stateDir = tempDir('deploy-state');
  ports.blue = await freePort();
  ports.green = await freePort();
  // A new host: the seed upstream file names blue, which does not run yet.
  nginx = await startNginx({ port: await freePort(), initialUpstreamPort: ports.blue });
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
});

describe('blue/green deploy behind nginx (process runner)', () => {
  it('first deploy: starts the idle colour, smoke-tests it and points nginx at it', async () => {
    const r = await deploy();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The seed file named blue as active, so the new version goes to green.
    expect(state()).toMatchObject({ active: 'green', previous: 'blue' });
    expect(r.stdout).toMatch(/green passed the smoke test/);
    const res = await fetch(`${nginx.url}/v1/meta`, { headers: { 'x-request-id': 'through-nginx-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-served-by')).toBe('green');
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

  it('flips green -> blue under load with zero failed requests, then stops green with SIGTERM', async () => {
    const greenPid = pidOf('green')!;
    const running = load(8);
    await new Promise((r) => setTimeout(r, 2_000));
    const r = await deploy();
    const { result, byColour, firstAt, lastAt } = await running;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(failures(result)).toEqual({ errors: 0, timeouts: 0, non2xx: 0, resets: 0 });
    expect(result['2xx']).toBe(result.requests.total);
    expect(byColour.green).toBeGreaterThan(0);
    expect(byColour.blue).toBeGreaterThan(0);
    expect(Object.keys(byColour).sort()).toEqual(['blue', 'green']);
    // Once blue answers, green never answers again (new nginx workers only know blue).
    expect(lastAt.green!).toBeLessThanOrEqual(firstAt.blue! + 50);
    expect(state()).toMatchObject({ active: 'blue', previous: 'green' });
    expect(pidAlive(greenPid)).toBe(false);
    expect(r.stdout).toMatch(/green stopped \(SIGTERM\)/);
    const flipMs = Number(/confirmed through \S+ (\d+) ms after the reload/.exec(r.stdout)?.[1]);
    expect(flipMs).toBeGreaterThanOrEqual(0);
    figures.flip = {
      requests: result.requests.total,
      rps: Math.round(result.requests.average),
      byColour,
      failures: failures(result),
      flipMs,
      deployMs: r.ms,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    };
  });

  it('a green that fails its smoke test never receives traffic; blue keeps serving with zero failures', async () => {
    const bluePid = pidOf('blue')!;
    const running = load(5);
    await new Promise((r) => setTimeout(r, 1_000));
    const r = await deploy('--expect-version', '0.0.0-not-this-build');
    const { result, byColour } = await running;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/smoke test failed on green: .*version is \S+, expected 0\.0\.0-not-this-build/);
    expect(r.stdout).toMatch(/green stopped \(SIGTERM\); nginx still sends traffic to blue/);
    expect(failures(result)).toEqual({ errors: 0, timeouts: 0, non2xx: 0, resets: 0 });
    expect(byColour).toEqual({ blue: result.requests.total });
    expect(pidAlive(bluePid)).toBe(true);
    expect(pidOf('green')).toBeUndefined();
    expect(state().active).toBe('blue');
    expect(readFileSync(nginx.upstreamFile, 'utf8')).toContain(`127.0.0.1:${ports.blue}`);
    figures.failedSmoke = { requests: result.requests.total, byColour, failures: failures(result), deployMs: r.ms };
  });

  it('a green that cannot start (bad configuration) is reported with its exit code and message', async () => {
    const r = await deploy('--env', 'SHUTDOWN_TIMEOUT_MS=soon');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/green exited \(78\) before answering \/health/);
    expect(r.stderr).toContain('SHUTDOWN_TIMEOUT_MS');
    expect(state().active).toBe('blue');
    expect((await fetch(`${nginx.url}/health`)).headers.get('x-served-by')).toBe('blue');
  });

  it('rollback flips back to the previous colour when it was kept, and refuses when it is gone', async () => {
    const refused = await runNode(deployArgs('rollback'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/green is not running/);

    const kept = await deploy('--keep-previous');
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(state()).toMatchObject({ active: 'green', previous: 'blue' });
    const bluePid = pidOf('blue')!;
    expect(pidAlive(bluePid)).toBe(true);

    const running = load(4);
    await new Promise((r) => setTimeout(r, 1_000));
    const back = await runNode(deployArgs('rollback'));
    const { result, byColour } = await running;
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(failures(result)).toEqual({ errors: 0, timeouts: 0, non2xx: 0, resets: 0 });
    expect(byColour.green).toBeGreaterThan(0);
    expect(byColour.blue).toBeGreaterThan(0);
    expect(state()).toMatchObject({ active: 'blue', previous: 'green' });
    expect(pidOf('blue')).toBe(bluePid);
    expect(pidOf('green')).toBeUndefined();
    figures.rollback = { requests: result.requests.total, byColour, failures: failures(result), rollbackMs: back.ms };
  });

  it('refuses bad usage with exit code 2', async () => {
    const r = await runNode(['container/deploy.mjs', 'deploy', '--runner', 'kubernetes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--runner must be docker or process/);
    const stop = await runNode(deployArgs('stop', 'blue'));
    expect(stop.code).toBe(1);
    expect(stop.stderr).toMatch(/blue is the active colour/);
  });
});
