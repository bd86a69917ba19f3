#!/usr/bin/env node
// Batch margin benchmark: prices BENCH_ROWS scenarios (default 1,000,000) from a JSONL file through the real
// analysis.margin handler, the way `sellpo invoke analysis.margin --each FILE` does, and reports rows/s and the
// peak resident memory of the pricing process (from /usr/bin/time -v, else sampled from /proc).
//
//   node bench/margin-batch.mjs                      both views (summary and full), 1,000,000 rows each
//   BENCH_ROWS=200000 BENCH_VIEWS=full node bench/margin-batch.mjs
//   SELLPO_API_KEY=<key> node bench/margin-batch.mjs also runs the built CLI (dist/cli.mjs) with that key
//
// The pricing process is bench/margin-runner.ts bundled like dist/cli.mjs; it authenticates with an in-memory
// tenant key (the CLI needs a stored key, which a fresh checkout does not have). Output goes to /dev/null.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ensureProjectNode, root } from '../scripts/project-node.mjs';
import { bundleOptions } from '../scripts/bundle-options.mjs';

ensureProjectNode();
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

const cache = join(root, '.cache', 'bench');
mkdirSync(cache, { recursive: true });
const file = join(tmpdir(), `sellpo-margin-${process.pid}.jsonl`);

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
  const done = /done: .*/.exec(err)?.[0] ?? '';
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${err.slice(-2000)}`);
  return { seconds, peakMb: peakKb / 1024, done };
};

const report = (label, r) =>
  process.stdout.write(
    `${label.padEnd(32)} ${rows} rows in ${r.seconds.toFixed(2)} s = ${Math.round(rows / r.seconds).toLocaleString('en-US')} rows/s ` +
      `(process wall time, start-up included); peak RSS ${r.peakMb.toFixed(1)} MB\n    runner: ${r.done}\n`,
  );

try {
  process.stderr.write(`generating ${rows} JSONL lines into ${file} ...\n`);
  await generate();
  const runner = join(cache, 'margin-runner.mjs');
  await build({ ...bundleOptions({ version: 'bench', commit: 'bench', builtAt: new Date().toISOString() }), entryPoints: [join(root, 'bench/margin-runner.ts')], outfile: runner });
  const env = { ...process.env, LOG_LEVEL: 'ERROR', ACCESS_LOG: 'false' };
  process.stdout.write(`node ${process.version}, ${rows} rows, one process (single-threaded JavaScript), output to /dev/null\n`);
  for (const view of views) {
    report(`handler batch, view=${view}`, await measure(process.execPath, [runner, file, '16', view], env));
  }
  // Most of the peak is V8's young generation growing under a stream of short-lived objects (the live heap
  // stays under 20 MB); a smaller semi-space keeps the peak down at little cost in speed.
  report(`  same, --max-semi-space-size=4`, await measure(process.execPath, ['--max-semi-space-size=4', runner, file, '16', views[0]], env));
  const cli = join(root, 'dist', 'cli.mjs');
  if (process.env.SELLPO_API_KEY) {
    if (!existsSync(cli)) throw new Error('dist/cli.mjs is missing: run `node build.mjs` first');
    for (const view of views) {
      report(`sellpo invoke, view=${view}`, await measure(process.execPath, [cli, 'invoke', 'analysis.margin', '--each', file, '--query', `view=${view}`], env));
    }
  }
} finally {
  rmSync(file, { force: true });
}
