#!/usr/bin/env node
// A real tenant's throughput and latency while a flood of bad API keys hits the same server.
// The bundled server (dist/server.mjs, rebuilt first) runs on PostgreSQL in a schema of its own. Two phases of
// BENCH_SECONDS each, both measured with autocannon on 127.0.0.1:
//   alone:  the tenant's key on GET /v1/api-keys, BENCH_CONNECTIONS connections
//   flood:  the same, while BENCH_FLOOD_CONNECTIONS connections send random well-formed keys to the same endpoint
// The server trusts 127.0.0.1 as a proxy (TRUSTED_PROXIES), and requests carry X-Forwarded-For as nginx would
// set it: the tenant comes from 198.51.100.7, the flood from 203.0.113.1-16 (BENCH_FLOOD_SOURCE=tenant sends
// the flood from the tenant's own address instead). Audit rows written during the flood are counted.
//
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=10 BENCH_FLOOD_CONNECTIONS=50 npm run bench:flood
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (default)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { intFromEnv } from './env.mjs';
import { ensureProjectNode } from '../bin/node-runtime.mjs';

await ensureProjectNode();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = intFromEnv('BENCH_SECONDS', 10, 1, 120);
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 10, 1, 500);
const FLOOD = intFromEnv('BENCH_FLOOD_CONNECTIONS', 50, 1, 1000);
const BASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TENANT_IP = '198.51.100.7';
const floodFromTenant = process.env.BENCH_FLOOD_SOURCE === 'tenant';

const built = spawnSync(process.execPath, [join(root, 'build.mjs')], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);

const { pgDatabase, quoteIdent } = await import('../adapters/postgres/pg.ts');
const { loadMigrations, migrate, migrationsDirectory } = await import('../adapters/postgres/migrations.ts');
const { postgresAccessStore } = await import('../adapters/postgres/access.ts');
const { createTenant } = await import('../core/platform/tenants.ts');
const { systemClock } = await import('../core/shared/clock.ts');

const schema = `sellpo_flood_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: BASE_URL });
await admin.connect();
await admin.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
const db = pgDatabase({ engine: 'postgres', connectionString: BASE_URL, max: 2, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000, schema });
await migrate(db, loadMigrations(migrationsDirectory()));
const origin = { actor: 'cli', requestId: null, sourceIp: null };
const tenant = await createTenant({ store: postgresAccessStore(db), clock: systemClock }, { name: 'bench', owner: { email: 'bench@example.com', name: 'bench' } }, origin);

const server = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [join(root, 'dist/server.mjs')], {
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', ACCESS_LOG: 'false', LOG_LEVEL: 'INFO', TRUSTED_PROXIES: '127.0.0.1',
      DATABASE_URL: `${BASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  const onData = (d) => {
    out += d;
    const m = /"url":"([^"]+)"/.exec(out);
    if (m && out.includes('listening')) {
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve({ child, url: m[1] });
    }
  };
  child.stdout.on('data', onData);
  child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
});

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const random62 = (n) => Array.from(randomBytes(n), (b) => BASE62[b % 62]).join('');
let floodSeq = 0;
const tenantLoad = (seconds) =>
  autocannon({
    url: `${server.url}/v1/api-keys`,
    headers: { authorization: `Bearer ${tenant.secret}`, 'x-forwarded-for': TENANT_IP },
    connections: CONNECTIONS,
    duration: seconds,
  });
const floodLoad = (seconds) =>
  autocannon({
    url: `${server.url}/v1/api-keys`,
    connections: FLOOD,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          headers: {
            authorization: `Bearer sp_live_${random62(8)}_${random62(32)}`,
            'x-forwarded-for': floodFromTenant ? TENANT_IP : `203.0.113.${1 + (floodSeq++ % 16)}`,
          },
        }),
      },
    ],
  });
const statusCounts = (r) => Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
const auditRows = async () => Number((await db.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n);

await tenantLoad(2); // warm-up: JIT and pool connections
const alone = await tenantLoad(SECONDS);
const before = await auditRows();
const [underFlood, flood] = await Promise.all([tenantLoad(SECONDS), floodLoad(SECONDS)]);
const written = (await auditRows()) - before;

const figure = (r) => ({ rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, statuses: statusCounts(r), errors: r.errors });
const result = {
  engine: 'postgres', server: 'dist/server.mjs', node: process.versions.node, seconds: SECONDS, tenantConnections: CONNECTIONS, floodConnections: FLOOD,
  floodSource: floodFromTenant ? 'tenant address' : '16 other addresses',
  alone: figure(alone), underFlood: figure(underFlood), flood: figure(flood), auditRowsWrittenDuringFlood: written,
};
const ratio = (a, b) => (b === 0 ? 'n/a' : (a / b).toFixed(3));
process.stdout.write(
  `${JSON.stringify(result, null, 2)}\n\n` +
    `tenant GET /v1/api-keys, ${CONNECTIONS} connections, ${SECONDS} s each, PostgreSQL, bundled server:\n` +
    `  alone:        ${result.alone.rps} req/s, p50 ${result.alone.p50} ms\n` +
    `  under flood:  ${result.underFlood.rps} req/s, p50 ${result.underFlood.p50} ms  (${FLOOD} connections of random keys, ${result.flood.rps} req/s answered ${JSON.stringify(result.flood.statuses)})\n` +
    `  ratio flood/alone: throughput ${ratio(result.underFlood.rps, result.alone.rps)}, p50 ${ratio(result.underFlood.p50, result.alone.p50)}\n` +
    `  audit rows written during the flood: ${written}\n`,
);

server.child.removeAllListeners('exit');
server.child.kill('SIGTERM');
await new Promise((r) => server.child.once('exit', r));
// At shutdown the server writes the failure windows still open: the flood's whole audit footprint.
const failureRows = await db.query("SELECT count(*)::int AS n, COALESCE(sum((details->>'count')::int), 0)::int AS failures FROM audit_log WHERE action LIKE 'auth.%'");
process.stdout.write(`  audit rows for failed authentication after shutdown: ${failureRows.rows[0].n} (counting ${failureRows.rows[0].failures} failures)\n`);
await db.close();
await admin.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
await admin.end();
