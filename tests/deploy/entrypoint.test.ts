import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildV2Event } from '../../adapters/routing/build-event.ts';
import { LocalRuntimeApi } from '../helpers/runtime-api.ts';
import { ensureLambdaRic } from '../../scripts/ensure-lambda-ric.mjs';
import { assembleApp, pathWithNode, removeTempDirs, watchOutput } from './harness.ts';

// container/entrypoint.sh run the way the image runs it: from the assembled /app layout (only the bundles and
// the external packages), by /bin/sh, with Node 24 first on PATH and no other environment.

let app: string;
let entry: string;
const baseEnv = { PATH: pathWithNode, DATA_DIR: 'memory://', ACCESS_LOG: 'false' };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const start = (args: string[], env: Record<string, string> = {}) => {
  const child = spawn('/bin/sh', [entry, ...args], { cwd: app, env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const watched = watchOutput(child);
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, output: watched.text, waitFor: watched.waitFor };
};
const runToEnd = (args: string[], env: Record<string, string> = {}) => start(args, env).done;

/** Resolves with the URL the server logs once it listens (PORT=0 picks a free port), as soon as it logs it. */
const listening = async (proc: ReturnType<typeof start>, timeoutMs = 120_000): Promise<string> =>
  (await proc.waitFor(/"message":"listening"[^\n]*"url":"([^"]+)"/, timeoutMs))[1]!;

// The image's layout carries aws-lambda-ric's addon: compiled once per machine (cached in ~/.cache/sellpo), the
// bound covers that first build.
beforeAll(async () => {
  await ensureLambdaRic();
  app = assembleApp();
  entry = join(app, 'container/entrypoint.sh');
}, 900_000);

// Generous bounds: a start takes 40 s and more on a machine loaded far beyond its cores.
describe('container entry point', { timeout: 180_000 }, () => {
  let server: ReturnType<typeof start> | undefined;
  afterAll(() => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    removeTempDirs();
  });

  it('the runtime layout holds the bundles, the entry point and only the external packages', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
    const dist = files(join(app, 'dist'));
    expect(dist).toEqual(expect.arrayContaining(['server.mjs', 'cli.mjs', 'lambda/router.mjs', 'lambda/endpoints/platform-health.mjs', 'build.json']));
    expect(dist.filter((f) => f.endsWith('.map'))).toEqual([]);
    const packages = readdirSync(join(app, 'node_modules')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(app, 'node_modules', n)).map((m) => `${n}/${m}`) : [n]));
    expect(packages.sort()).toEqual(['@electric-sql/pglite', '@electric-sql/pglite-socket', 'aws-lambda-ric']);
    expect(readdirSync(join(app, 'node_modules/aws-lambda-ric'))).toEqual(expect.arrayContaining(['index.mjs', 'rapid-client.node', 'package.json']));
    expect(statSync(entry).mode & 0o111).not.toBe(0);
  });

  it('http (the default): serves /health, passes its own healthcheck, stops with 0 on SIGTERM', async () => {
    server = start([], { PORT: '0' });
    const url = await listening(server);
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });

    const port = new URL(url).port;
    const healthy = await runToEnd(['healthcheck'], { PORT: port });
    expect(healthy.code).toBe(0);

    server.child.kill('SIGTERM');
    const stopped = await server.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/"message":"stopped".*"drained":true/);

    // The same check against a server that is gone fails, naming the URL.
    const unhealthy = await runToEnd(['healthcheck'], { PORT: port });
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.stderr).toContain(`http://127.0.0.1:${port}/health`);
  });

  it('http with a bad setting stops with exit code 78, naming the variable', async () => {
    const r = await runToEnd(['http'], { PORT: 'eighty' });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/PORT: expected an integer/);
  });

  it('cli runs the CLI bundle with its arguments', async () => {
    const r = await runToEnd(['cli', 'routes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/GET\s+\/health\s+platform\.health\s+public/);
    expect(r.stdout).toMatch(/GET\s+\/v1\/meta\s+platform\.meta/);
  });

  it('refuses an unknown mode with usage and exit code 64', async () => {
    const r = await runToEnd(['serve']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/unknown mode "serve"/);
    expect(r.stderr).toMatch(/usage: entrypoint\.sh/);
  });

  it('lambda without a Runtime API says what is missing', async () => {
    const r = await runToEnd(['lambda']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/AWS_LAMBDA_RUNTIME_API/);
  });

  describe('lambda, against a local Runtime API', () => {
    const lambdaEnv = (address: string) => ({
      AWS_LAMBDA_RUNTIME_API: address,
      AWS_LAMBDA_FUNCTION_NAME: 'sellpo',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/sellpo',
      AWS_LAMBDA_LOG_STREAM_NAME: 'entrypoint-test',
      AWS_REGION: 'ap-northeast-2',
      // The first /health of a cold process waits for the embedded database to start; next to the load test of
      // bluegreen.test.ts on two cores that has taken over 6 s.
      HEALTH_TIMEOUT_MS: '20000',
      // What Lambda sets for every function; the entry point points the runtime client at /app instead.
      LAMBDA_TASK_ROOT: '/var/task',
    });
    const healthEvent = () => buildV2Event({ method: 'GET', rawPath: '/health', headers: { 'x-request-id': 'lambda-entry-1' }, sourceIp: '127.0.0.1' });

    it.each([
      ['no arguments (Lambda container image, AWS_LAMBDA_RUNTIME_API set)', []],
      ['`lambda` with the default handler', ['lambda']],
      ['a lone handler argument (ImageConfig.Command)', ['dist/lambda/router.handler']],
      ['one endpoint\'s own bundle', ['lambda', 'dist/lambda/endpoints/platform-health.handler']],
    ])('%s: answers GET /health with statusCode 200', async (_name, args) => {
      // A Runtime API per case: a killed client's pending `next` call must not swallow the next case's event.
      const api = new LocalRuntimeApi();
      const proc = start(args as string[], lambdaEnv(await api.listen()));
      try {
        const invocation = await Promise.race([
          api.invoke(healthEvent()),
          proc.done.then((r) => Promise.reject(new Error(`the runtime client exited (${r.code}):\n${r.stdout}${r.stderr}`))),
        ]);
        expect(invocation.error, JSON.stringify(api.initError)).toBeUndefined();
        const result = invocation.result as { statusCode: number; body: string; headers: Record<string, string> };
        expect(result.statusCode, result.body).toBe(200);
        expect(JSON.parse(result.body)).toMatchObject({ status: 'ok' });
        expect(result.headers['x-request-id']).toBe('lambda-entry-1');
      } finally {
        proc.child.kill('SIGKILL');
        await proc.done;
        await api.close();
      }
    });
  });
});
