#!/usr/bin/env node
// Keyword batch benchmark: BENCH_HINTS distinct hints (default 1,000), one per JSONL line, through the real
// naver.keywords handler the way `sellpo invoke naver.keywords --each FILE --concurrency N` runs them, against the
// Naver sandbox rate-limited to the same rate as the client. Reports provider calls (expected: hints / 5), time,
// achieved call rate and how many 429s the sandbox answered (expected: 0).
//
//   node bench/naver-keywords.mjs                          10 calls/s, ~20 s
//   BENCH_RATE=50 node bench/naver-keywords.mjs            faster run at 50 calls/s
//   BENCH_HINTS=500 BENCH_CONCURRENCY=32 node bench/naver-keywords.mjs
//
// Runs from sources (Node 24 strips the types); rate counters and the cache live in an in-memory PGlite.
import { createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureProjectNode } from '../bin/node-runtime.mjs';

await ensureProjectNode();
const int = (name, fallback, min, max) => {
  const raw = process.env[name] ?? String(fallback);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
};
const hints = int('BENCH_HINTS', 1000, 5, 100_000);
const rate = int('BENCH_RATE', 10, 1, 1000);
const concurrency = int('BENCH_CONCURRENCY', 16, 5, 256);

const { startSandbox } = await import('../sandbox/index.ts');
const { naverSandboxProviders, NAVER_SANDBOX_CREDENTIALS: creds } = await import('../sandbox/naver/index.ts');
const { buildRuntime } = await import('../adapters/composition.ts');
const { loadConfig } = await import('../adapters/config.ts');
const { memoryAuthenticator } = await import('../adapters/memory/auth.ts');
const { invokeEach } = await import('../adapters/cli/invoke.ts');
const { endpoints } = await import('../handlers/registry.ts');

const sandbox = await startSandbox(naverSandboxProviders());
const searchAd = sandbox.urls.naverSearchAd;
await fetch(`${searchAd}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ ratePerSecond: rate }) });

const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'ERROR',
  DATA_DIR: 'memory://',
  NAVER_OPENAPI_BASE_URL: sandbox.urls.naverOpenApi,
  NAVER_CLIENT_ID: creds.clientId,
  NAVER_CLIENT_SECRET: creds.clientSecret,
  NAVER_SEARCHAD_BASE_URL: searchAd,
  NAVER_SEARCHAD_API_KEY: creds.searchAdApiKey,
  NAVER_SEARCHAD_SECRET: creds.searchAdSecret,
  NAVER_SEARCHAD_CUSTOMER_ID: creds.searchAdCustomerId,
  NAVER_SEARCHAD_RATE_PER_SECOND: String(rate),
  NAVER_KEYWORD_BATCH_WINDOW_MS: '20',
  NAVER_RATE_MAX_WAIT_MS: '60000',
});
const principal = { kind: 'tenant', tenantId: 'bench', actorId: 'bench', role: 'owner', via: 'api_key' };
const runtime = await buildRuntime(config, { endpoints, eagerProviders: false, background: false, meter: false, metrics: 'requests', logSink: 'stderr', accessLog: null, overrides: { auth: memoryAuthenticator(new Map([['bench-token', principal]])) } });
// Open and migrate the embedded database before the clock starts.
await runtime.database.query('SELECT 1');

const words = ['캠핑의자', '텐트', '랜턴', '패딩', '선풍기', '키보드', '마우스', '수영복', '비타민', '책상'];
const file = join(tmpdir(), `sellpo-naver-hints-${process.pid}.jsonl`);
writeFileSync(file, Array.from({ length: hints }, (_, i) => JSON.stringify({ query: { hint: `${words[i % words.length]}${Math.floor(i / words.length) + 1}` } })).join('\n') + '\n');

const def = endpoints.find((e) => e.id === 'naver.keywords');
const out = createWriteStream('/dev/null');
const started = performance.now();
const summary = await invokeEach(def, runtime.dispatcher.handlers.get('naver.keywords'), {
  input: file,
  out,
  progress: { write: () => true },
  concurrency,
  base: { headers: { authorization: 'Bearer bench-token' } },
});
const seconds = (performance.now() - started) / 1000;
const stats = await (await fetch(`${searchAd}/__sandbox/stats`)).json();
const calls = stats.byPath['/keywordstool'] ?? 0;
const result = {
  hints,
  lines: summary.lines,
  ok: summary.ok,
  errorResponses: summary.errorResponses,
  searchAdCalls: calls,
  expectedCalls: Math.ceil(hints / 5),
  sandbox429: stats.rejected429,
  configuredRatePerSecond: rate,
  concurrency,
  seconds: Math.round(seconds * 100) / 100,
  achievedCallsPerSecond: Math.round((calls / seconds) * 100) / 100,
  node: process.version,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
rmSync(file, { force: true });
await runtime.close();
await sandbox.close();
const pass = calls === Math.ceil(hints / 5) && stats.rejected429 === 0 && summary.ok === hints;
if (!pass) process.stderr.write('naver-keywords: FAILED (expected hints/5 calls, no 429s, every line ok)\n');
process.exit(pass ? 0 : 1);
