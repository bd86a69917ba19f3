#!/usr/bin/env node
// Batch margin benchmark: `sellpo invoke analysis.margin --each FILE` (the built CLI, dist/cli.mjs, with a stored
// API key) prices BENCH_ROWS scenarios (default 1,000,000) from a JSONL file. Reports rows/s and the peak
// resident memory of the CLI process (from /usr/bin/time -v, else sampled from /proc), on the embedded database
// (a fresh DATA_DIR) and on PostgreSQL (a throwaway database) when it is reachable.
//
//   node bench/margin-batch.mjs                      both views (summary and full), 1,000,000 rows each
//   BENCH_ROWS=200000 BENCH_VIEWS=full node bench/margin-batch.mjs
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test   (default; skipped when unreachable)
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureProjectNode, root } from '../bin/node-runtime.mjs';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

await ensureProjectNode();
const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
if (!Number.isInteger(rows) || rows < 1 || rows > 10_000_000) {
  process.stderr.write(`BENCH_ROWS: expected an integer from 1 to 10000000, got ${JSON.stringify(process.env.BENCH_ROWS)}\n`);
  process.exit(2);
}
const views = (process.env.BENCH_VIEWS ?? 'summary,full').split(',').filter(Boolean);
for (const v of views) {
  if (v !== 'summary' && v !== 'full') {
    process.stderr.write(`BENCH_VIEWS: expected summary and/or full, got ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
}
const databaseUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

const work = mkdtempSync(join(tmpdir(), 'sellpo-margin-'));
const file = join(work, 'skus.jsonl');
const warmFile = join(work, 'warm.jsonl');

// A varied catalogue: four channels, both import routes, prices across the customs thresholds, quantities 1-500,
// some VAT-registered sellers, some ads and returns. A small LCG keeps it reproducible.
const channels = ['naver_smart_store', 'naver_brand_store', 'coupang_wing', 'coupang_rocket_growth'];
const categories = ['kitchen', 'household', 'fashion_clothing', 'beauty', 'toys', 'digital'];
let seed = 42;
const rand = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const line = (i) => {
  const personal = rand(2) === 0;
  const body = {
    saleDate: rand(2) ? '2025-06-02' : '2025-06-01',
    category: categories[rand(categories.length)],
    purchase: { unitPriceFen: 500 + rand(150_000), quantity: personal ? 1 : 10 + rand(490), agentFeePercent: rand(6), chinaShippingFen: rand(3000) },
    exchange: { cnyKrw: 190.25, usdKrw: 1385.5, source: 'bench', asOf: '2025-06-01' },
    freight: { ratePerKgKrw: 3500 + rand(3000), minimumChargeKrw: 5000, unitWeightGrams: 100 + rand(2000), unitDimensionsCm: { length: 5 + rand(30), width: 5 + rand(20), height: 2 + rand(15) } },
    customs: { importType: personal ? 'personal' : 'bulk' },
    vatRegistered: rand(3) === 0,
    targetMarginPercent: 25,
    selling: {
      channel: channels[i % 4],
      salePriceKrw: 5_000 + rand(300_000),
      shippingFeeKrw: rand(2) ? 3000 : 0,
      sellerShippingCostKrw: 3000,
      packagingKrw: 200,
      ...(rand(2) ? { ads: { spendSharePercent: 5 } } : {}),
      returns: { ratePercent: 3, costPerReturnKrw: 6000 },
    },
  };
  return `${JSON.stringify({ body })}\n`;
};

const generate = async () => {
  const out = createWriteStream(file);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += line(i);
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
};

const hasTime = spawnSync('/usr/bin/time', ['-v', 'true']).status === 0;

/** Runs a command with stdout to /dev/null; returns seconds, peak RSS (MB) and the last progress line. */
const measure = async (command, args, env) => {
  const load = loadavg()[0].toFixed(2);
  const started = performance.now();
  const child = hasTime
    ? spawn('/usr/bin/time', ['-v', command, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env })
    : spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  let sampledPeakKb = 0;
  const sampler = hasTime
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) sampledPeakKb = Math.max(sampledPeakKb, Number(m[1]));
        } catch {
          // the process has ended
        }
      }, 50);
  const [code] = await once(child, 'close');
  if (sampler) clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const peakKb = hasTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? 0) : sampledPeakKb;
  // CPU time of every thread (GC helpers included): rows per CPU-second is the one-core figure.
  const cpuSeconds = hasTime
    ? Number(/User time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? NaN) + Number(/System time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? NaN)
    : NaN;
  const done = /done: .*/.exec(err)?.[0] ?? '';
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${err.slice(-2000)}`);
  return { seconds, cpuSeconds, peakMb: peakKb / 1024, done, load };
};

// The machine is shared: the load average before a run says how far its figures can be trusted (docs/analysis.md
// quotes the figures with it).
const report = (label, r) =>
  process.stdout.write(
    `${label.padEnd(34)} ${rows} rows in ${r.seconds.toFixed(2)} s = ${Math.round(rows / r.seconds).toLocaleString('en-US')} rows/s ` +
      `(process wall time, start-up included); ${Number.isNaN(r.cpuSeconds) ? '' : `CPU ${r.cpuSeconds.toFixed(2)} s = ${Math.round(rows / r.cpuSeconds).toLocaleString('en-US')} rows per CPU-second; `}` +
      `peak RSS ${r.peakMb.toFixed(1)} MB; load average before the run ${r.load}\n    cli: ${r.done}\n`,
  );

const cli = join(root, 'dist', 'cli.mjs');
// What an operator runs: the `sellpo` bin (it starts batch runs with their node flags), under the project's node.
const sellpo = join(root, 'bin', 'sellpo.mjs');

/** A tenant and its API key on the database `env` points at, made the way an operator makes one. */
const tenantKey = (env) => {
  const made = spawnSync(process.execPath, [cli, 'tenants', 'create', '--name', 'Bench', '--owner-email', 'bench@example.com', '--json'], { env, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`sellpo tenants create failed:\n${made.stderr}`);
  return JSON.parse(made.stdout).key;
};

const runAll = async (label, env) => {
  const key = tenantKey(env);
  // One unmeasured row first: the first batch after a build writes V8's compile cache (about 70 ms, paid only by
  // whichever run came first) and opens the database cold.
  await measure(process.execPath, [sellpo, 'invoke', 'analysis.margin', '--each', warmFile, '--query', 'view=summary'], { ...env, SELLPO_API_KEY: key });
  for (const view of views) {
    report(`${label}, view=${view}`, await measure(process.execPath, [sellpo, 'invoke', 'analysis.margin', '--each', file, '--query', `view=${view}`], { ...env, SELLPO_API_KEY: key }));
  }
};

/** A throwaway database on the PostgreSQL server, or null when there is none to reach. */
const scratchDatabase = async () => {
  const name = `sellpo_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    process.stderr.write(`PostgreSQL at ${databaseUrl} not usable (${error.message}); skipping that run\n`);
    await admin.end().catch(() => {});
    return null;
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.end();
    },
  };
};

try {
  process.stderr.write(`generating ${rows} JSONL lines into ${file} ...\n`);
  await generate();
  writeFileSync(warmFile, line(0));
  ensureBuilt('dist/cli.mjs');
  const base = { ...process.env, LOG_LEVEL: 'ERROR', ACCESS_LOG: 'false', SELLPO_API_KEY: '' };
  process.stdout.write(
    `node ${process.version}, ${rows} rows, the rows priced on one JavaScript thread (CPU also counts GC threads, the embedded database's worker and the \`sellpo\` launcher), output to /dev/null\n`,
  );
  await runAll('sellpo invoke, embedded database', { ...base, DATABASE_URL: '', DATA_DIR: join(work, 'data') });
  const scratch = await scratchDatabase();
  if (scratch) {
    try {
      await runAll('sellpo invoke, PostgreSQL', { ...base, DATABASE_URL: scratch.url });
    } finally {
      await scratch.drop();
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
