#!/usr/bin/env node
// Smoke test of a running Sell-Po: a handful of real endpoints and their answers. The deploy command runs it
// against the new colour before nginx flips; it is as useful by hand against any instance.
//
//   node container/smoke.mjs <base-url> [--expect-version <v>] [--expect-commit <sha>] [--token <bearer>]
//
// Exit 0 when every check passes; 1 naming each failed check. `--token` (or SMOKE_TOKEN) lets the POST check
// pass authentication, so it reaches body validation.

const TIMEOUT_MS = 5_000;

const request = async (base, path, init = {}) => {
  const response = await fetch(new URL(path, base), { ...init, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
};

const expectStatus = (res, status) => {
  if (res.status !== status) {
    const problem = res.json?.type ? ` (${res.json.type}${res.json.detail ? `: ${res.json.detail}` : ''})` : '';
    throw new Error(`expected ${status}, got ${res.status}${problem}`);
  }
};

const expectProblem = (res, status) => {
  expectStatus(res, status);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) throw new Error(`expected application/problem+json, got ${type || 'no content-type'}`);
  if (res.json?.status !== status || typeof res.json?.type !== 'string') throw new Error(`problem body lacks type/status: ${res.text.slice(0, 200)}`);
};

/**
 * Runs every check (none stops the others) and returns them with their outcome.
 * @param {string} base e.g. http://127.0.0.1:3002
 * @param {{ expectVersion?: string, expectCommit?: string, token?: string }} [options]
 */
export const runSmoke = async (base, options = {}) => {
  let openapi;
  const checks = [
    [
      'GET /health answers 200 {status:"ok"}',
      async () => {
        const res = await request(base, '/health');
        expectStatus(res, 200);
        if (res.json?.status !== 'ok') throw new Error(`status is ${JSON.stringify(res.json?.status)}`);
      },
    ],
    [
      'GET /v1/meta names the service and the expected build',
      async () => {
        const res = await request(base, '/v1/meta');
        expectStatus(res, 200);
        const meta = res.json ?? {};
        for (const field of ['service', 'version', 'commit', 'apiVersion']) {
          if (typeof meta[field] !== 'string' || !meta[field]) throw new Error(`meta.${field} is missing`);
        }
        if (options.expectVersion && meta.version !== options.expectVersion) {
          throw new Error(`version is ${meta.version}, expected ${options.expectVersion}`);
        }
        if (options.expectCommit && !String(meta.commit).startsWith(options.expectCommit) && !options.expectCommit.startsWith(meta.commit)) {
          throw new Error(`commit is ${meta.commit}, expected ${options.expectCommit}`);
        }
      },
    ],
    [
      'GET /openapi.json is an OpenAPI 3 document with paths',
      async () => {
        const res = await request(base, '/openapi.json');
        expectStatus(res, 200);
        if (typeof res.json === 'string') throw new Error('the body is a JSON string, not a document (encoded twice?)');
        if (!/^3\./.test(String(res.json?.openapi))) throw new Error(`openapi is ${JSON.stringify(res.json?.openapi)}`);
        if (!res.json.paths || Object.keys(res.json.paths).length === 0) throw new Error('no paths');
        openapi = res.json;
      },
    ],
    [
      'an unknown route answers 404 problem+json and echoes x-request-id',
      async () => {
        const id = `smoke-${Date.now().toString(36)}`;
        const res = await request(base, '/v1/__smoke-no-such-route', { headers: { 'x-request-id': id } });
        expectProblem(res, 404);
        if (res.headers.get('x-request-id') !== id) throw new Error(`x-request-id echoed as ${res.headers.get('x-request-id')}, sent ${id}`);
      },
    ],
    [
      'a POST with a malformed body is refused with a problem',
      async () => {
        if (!openapi) return 'skipped: no OpenAPI document to find a POST endpoint in';
        const found = Object.entries(openapi.paths)
          .filter(([path, item]) => item.post?.requestBody && !path.includes('{'))
          .map(([path, item]) => ({ path, op: item.post }))[0];
        if (!found) return 'skipped: no POST endpoint without path parameters';
        const security = found.op.security ?? openapi.security ?? [];
        const secured = security.length > 0 && !security.some((s) => Object.keys(s).length === 0);
        const headers = { 'content-type': 'application/json' };
        if (options.token) headers.authorization = `Bearer ${options.token}`;
        const res = await request(base, found.path, { method: 'POST', headers, body: '{"not json' });
        // Authentication comes before the body: without a token a secured endpoint answers 401.
        expectProblem(res, secured && !options.token ? 401 : 400);
        return `POST ${found.path} -> ${res.status}`;
      },
    ],
  ];
  const results = [];
  for (const [name, check] of checks) {
    try {
      const note = await check();
      results.push({ name, ok: true, ...(note ? { note } : {}) });
    } catch (error) {
      const cause = error?.cause?.code ?? error?.cause?.message;
      results.push({ name, ok: false, error: `${error?.message ?? error}${cause ? ` (${cause})` : ''}` });
    }
  }
  return { ok: results.every((r) => r.ok), checks: results };
};

/** One line per check, for people and CI logs. */
export const formatSmoke = (report) =>
  report.checks
    .map((c) => `  ${!c.ok ? 'FAIL' : c.note?.startsWith('skipped') ? 'skip' : 'ok  '} ${c.name}${c.ok ? (c.note ? ` (${c.note})` : '') : `: ${c.error}`}`)
    .join('\n');

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const args = process.argv.slice(2);
  const flag = (name) => {
    const i = args.indexOf(name);
    if (i === -1) return undefined;
    const value = args[i + 1];
    if (!value || value.startsWith('--')) {
      process.stderr.write(`smoke: ${name} needs a value\n`);
      process.exit(2);
    }
    args.splice(i, 2);
    return value;
  };
  const options = { expectVersion: flag('--expect-version'), expectCommit: flag('--expect-commit'), token: flag('--token') ?? process.env.SMOKE_TOKEN };
  const [base, ...extra] = args;
  if (!base || extra.length || !/^https?:\/\//.test(base)) {
    process.stderr.write('usage: node container/smoke.mjs <base-url> [--expect-version <v>] [--expect-commit <sha>] [--token <bearer>]\n');
    process.exit(2);
  }
  const report = await runSmoke(base, options);
  process.stdout.write(`smoke ${base}\n${formatSmoke(report)}\n`);
  if (!report.ok) process.stderr.write(`smoke: ${report.checks.filter((c) => !c.ok).length} check(s) failed: ${report.checks.filter((c) => !c.ok).map((c) => c.name).join('; ')}\n`);
  process.exit(report.ok ? 0 : 1);
}
