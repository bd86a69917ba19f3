/**
 * One endpoint, four drivers: direct invocation, HTTP (the built server), Lambda (the built bundle under the
 * real aws-lambda-ric against a local Runtime API) and the CLI (the built bundle). Each must give the same
 * status, the headers that matter and the same body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildV2Event } from '../../adapters/routing/build-event.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { LocalRuntimeApi, startRic } from '../helpers/runtime-api.ts';
import { ensureLambdaRic } from '../../scripts/ensure-lambda-ric.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { version, commit, builtAt } = JSON.parse(readFileSync(`${root}dist/build.json`, 'utf8')) as { version: string; commit: string; builtAt: string };
const built = { version, commit, builtAt };

interface Answer {
  status: number;
  contentType: string | undefined;
  requestId: string | undefined;
  body: unknown;
}

// Fields that legitimately differ from call to call.
// A problem's instance is the server's own request id, made afresh by each driver's process.
const stable = (body: unknown): unknown =>
  JSON.parse(JSON.stringify(body), (k, v) =>
    k === 'checkedAt' || k === 'durationMs' ? '<varies>' : k === 'instance' && /^[0-9a-f-]{36}$/.test(v) ? '<server request id>' : v);

let direct: TestRuntime;
let server: ChildProcess;
let serverUrl: string;
let runtimeApi: LocalRuntimeApi;
let ric: ChildProcess;
let ricLog = '';
// Rejects when the runtime client dies, so a broken Lambda setup fails the tests at once instead of timing out.
let ricExited: Promise<never>;

// The addon is compiled once per machine (cached in ~/.cache/sellpo); the bound covers that first build.
beforeAll(() => ensureLambdaRic(), 900_000);

beforeAll(async () => {
  const { API_VERSION, OLDEST_API_VERSION } = await import('../../handlers/toolkit.ts');
  direct = await testRuntime({ overrides: { build: { ...built, apiVersion: API_VERSION, oldestApiVersion: OLDEST_API_VERSION } } });

  server = spawn(process.execPath, [`${root}dist/server.mjs`], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ACCESS_LOG: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
  serverUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /"message":"listening".*?"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });

  runtimeApi = new LocalRuntimeApi();
  const api = await runtimeApi.listen();
  ric = startRic(api, 'lambda/router.handler', { ACCESS_LOG: 'false' });
  ric.stdout!.on('data', (d: Buffer) => (ricLog += d));
  ric.stderr!.on('data', (d: Buffer) => (ricLog += d));
  ricExited = new Promise<never>((_, reject) => ric.once('exit', (code) => reject(new Error(`aws-lambda-ric exited with ${code}:\n${ricLog}`))));
  ricExited.catch(() => {});
});

afterAll(async () => {
  server?.kill('SIGTERM');
  ric?.kill('SIGKILL');
  await runtimeApi?.close();
});

const viaDirect = async (id: string, requestId: string): Promise<Answer> => {
  const r = await direct.call(id, { headers: { 'x-request-id': requestId } });
  return { status: r.status, contentType: r.headers['content-type'], requestId: r.headers['x-request-id'], body: stable(r.body) };
};

const viaHttp = async (path: string, requestId: string, method = 'GET'): Promise<Answer> => {
  const r = await fetch(`${serverUrl}${path}`, { method, headers: { 'x-request-id': requestId } });
  const type = r.headers.get('content-type') ?? undefined;
  return { status: r.status, contentType: type, requestId: r.headers.get('x-request-id') ?? undefined, body: stable(type?.includes('json') ? await r.json() : await r.text()) };
};

const viaLambda = async (path: string, requestId: string, method = 'GET'): Promise<Answer> => {
  const event = buildV2Event({ method, rawPath: path, headers: { 'x-request-id': requestId }, sourceIp: '203.0.113.9' });
  const { result, error } = await Promise.race([runtimeApi.invoke(event), ricExited]);
  if (error) throw new Error(`lambda error ${JSON.stringify(error)}\n${ricLog}`);
  const r = result as { statusCode: number; headers: Record<string, string>; body: string };
  const type = r.headers['content-type'];
  return { status: r.statusCode, contentType: type, requestId: r.headers['x-request-id'], body: stable(type?.includes('json') ? JSON.parse(r.body) : r.body) };
};

const viaCli = (id: string, requestId: string): Promise<Answer & { exitCode: number | null }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}dist/cli.mjs`, 'invoke', id, '--full', '--header', `x-request-id=${requestId}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      try {
        const r = JSON.parse(out) as { status: number; headers: Record<string, string>; body: unknown };
        resolve({ status: r.status, contentType: r.headers['content-type'], requestId: r.headers['x-request-id'], body: stable(r.body), exitCode });
      } catch {
        reject(new Error(`cli printed ${out} / ${err}`));
      }
    });
  });

describe('the same endpoint through every driver', () => {
  for (const [id, path] of [
    ['platform.meta', '/v1/meta'],
    ['platform.health', '/health'],
  ] as const) {
    it(`${id} answers alike directly, over HTTP, in Lambda and from the CLI`, async () => {
      const expected = await viaDirect(id, `${id}-rid`);
      expect(expected.status).toBe(200);
      expect(expected.contentType).toBe('application/json');
      expect(await viaHttp(path, `${id}-rid`)).toEqual(expected);
      expect(await viaLambda(path, `${id}-rid`)).toEqual(expected);
      const cli = await viaCli(id, `${id}-rid`);
      expect(cli.exitCode).toBe(0);
      expect({ ...cli, exitCode: undefined }).toEqual({ ...expected, exitCode: undefined });
    });
  }

  it('meta reports the build that is running', async () => {
    const answer = await viaHttp('/v1/meta', 'm');
    expect(answer.body).toMatchObject({ service: 'sellpo', version: built.version, commit: built.commit, builtAt: built.builtAt });
  });

  it('the YAML document answers alike directly, over HTTP and in Lambda (the bundles load yaml, CommonJS, on demand)', async () => {
    const expected = await direct.call('platform.openapiYaml', {});
    expect(expected.status).toBe(200);
    expect(expected.body).toMatch(/^openapi: 3\.1\.0\n/);
    const http = await fetch(`${serverUrl}/openapi.yaml`);
    expect(http.status).toBe(200);
    expect(await http.text()).toBe(expected.body);
    const { result } = await Promise.race([runtimeApi.invoke(buildV2Event({ method: 'GET', rawPath: '/openapi.yaml' })), ricExited]);
    expect((result as { statusCode: number }).statusCode).toBe(200);
    expect((result as { body: string }).body).toBe(expected.body);
  });

  it('unknown routes and wrong methods answer the same problem over HTTP and Lambda', async () => {
    const http404 = await viaHttp('/v1/nothing-here', 'nf');
    expect(http404).toMatchObject({ status: 404, contentType: 'application/problem+json', requestId: 'nf' });
    expect(await viaLambda('/v1/nothing-here', 'nf')).toEqual(http404);
    const http405 = await viaHttp('/v1/meta', 'mna', 'POST');
    expect(http405.status).toBe(405);
    expect(await viaLambda('/v1/meta', 'mna', 'POST')).toEqual(http405);
  });
});

describe('Lambda driver under aws-lambda-ric', () => {
  it('serves ALB events, single- and multi-value, answering in the same form', async () => {
    const alb = {
      requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:ap-northeast-2:0:targetgroup/sellpo/1' } },
      httpMethod: 'GET',
      path: '/v1/meta',
      queryStringParameters: {},
      headers: { 'X-Request-Id': 'alb-1', 'X-Forwarded-For': '198.51.100.7' },
      body: '',
      isBase64Encoded: false,
    };
    const single = (await Promise.race([runtimeApi.invoke(alb), ricExited])).result as Record<string, any>;
    expect(single.statusCode).toBe(200);
    expect(single.statusDescription).toBe('200 OK');
    expect(single.headers['x-request-id']).toBe('alb-1');
    expect(JSON.parse(single.body).service).toBe('sellpo');

    const { headers: _h, queryStringParameters: _q, ...rest } = alb;
    const multi = (await Promise.race([runtimeApi.invoke({ ...rest, multiValueHeaders: { 'X-Request-Id': ['alb-2'] }, multiValueQueryStringParameters: {} }), ricExited])).result as Record<string, any>;
    expect(multi.statusCode).toBe(200);
    expect(multi.headers).toBeUndefined();
    expect(multi.multiValueHeaders['x-request-id']).toEqual(['alb-2']);
  });

  it('answers an event of unknown shape with a 400 problem instead of crashing, and keeps serving', async () => {
    const bad = (await Promise.race([runtimeApi.invoke({ hello: 'world' }), ricExited])).result as Record<string, any>;
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).type).toBe('urn:sellpo:problem:invalid');
    const after = (await runtimeApi.invoke(buildV2Event({ method: 'GET', rawPath: '/health' }))).result as Record<string, any>;
    expect(after.statusCode).toBe(200);
  });

  it('runs a per-endpoint bundle, which carries only its own endpoint', async () => {
    const api = new LocalRuntimeApi();
    const address = await api.listen();
    const one = startRic(address, 'lambda/endpoints/platform-meta.handler', { ACCESS_LOG: 'false' });
    try {
      const meta = (await api.invoke(buildV2Event({ method: 'GET', rawPath: '/v1/meta' }))).result as Record<string, any>;
      expect(meta.statusCode).toBe(200);
      const other = (await api.invoke(buildV2Event({ method: 'GET', rawPath: '/health' }))).result as Record<string, any>;
      expect(other.statusCode).toBe(404);
    } finally {
      one.kill('SIGKILL');
      await api.close();
    }
  });

  it('runs a per-endpoint bundle wired with its own contexts: a tenant lists the SKU the CLI created, unknown callers get 401', async () => {
    // One data directory, used in turn: the CLI makes the tenant and a SKU and exits, then the Lambda opens it.
    const dataDir = mkdtempSync(join(tmpdir(), 'sellpo-lambda-'));
    const cli = (...args: string[]) => {
      const run = spawnSync(process.execPath, [`${root}dist/cli.mjs`, ...args], { env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'ERROR' }, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as Record<string, any>;
    };
    const api = new LocalRuntimeApi();
    let one: ChildProcess | undefined;
    try {
      const { key } = cli('tenants', 'create', '--name', 'Lambda Shop', '--owner-email', 'owner@lambda.example', '--json');
      cli('invoke', 'inventory.createSku', '--header', `authorization=Bearer ${key}`, '--body', JSON.stringify({ sku: 'TENT-001', name: '캠핑 텐트', onHand: 40 }));
      one = startRic(await api.listen(), 'lambda/endpoints/inventory-listSkus.handler', { ACCESS_LOG: 'false', DATA_DIR: dataDir });
      const listed = (await api.invoke(buildV2Event({ method: 'GET', rawPath: '/v1/inventory/skus', headers: { authorization: `Bearer ${key}` } }))).result as Record<string, any>;
      expect(listed.statusCode).toBe(200);
      expect(JSON.parse(listed.body).items.map((i: { sku: string; onHand: number }) => [i.sku, i.onHand])).toEqual([['TENT-001', 40]]);
      const anonymous = (await api.invoke(buildV2Event({ method: 'GET', rawPath: '/v1/inventory/skus' }))).result as Record<string, any>;
      expect(anonymous.statusCode).toBe(401);
    } finally {
      one?.kill('SIGKILL');
      await api.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
