/**
 * Measures what a flood of forged Toss webhooks costs in Toss calls: the server (server mode, its webhook
 * worker included, the Toss sandbox on loopback, an in-memory embedded database) receives forged
 * PAYMENT_STATUS_CHANGED events from 20 connections for a bounded time; the script
 * counts the process's GET /v1/payments/{key} calls (a counter around the Toss client). Loopback only. FLOOD_KIND picks the forgery:
 *   unknown  a made-up payment key and order id per event
 *   many     one of 2,000 payment keys of ours per event (each worth a look-up), made-up status and transaction
 *
 *   FLOOD_SECONDS=10 FLOOD_KIND=many node_modules/.bin/node tests/billing/webhook-flood.ts
 */
import { buildRuntime } from '../../adapters/composition.ts';
import { loadConfig } from '../../adapters/config.ts';
import { startHttpServer } from '../../adapters/http/server.ts';
import { endpoints } from '../../handlers/registry.ts';

const SECONDS = Math.min(60, Math.max(1, Number(process.env.FLOOD_SECONDS ?? 10)));
const CONNECTIONS = 20;

const { startSandbox } = await import('../../sandbox/index.ts');
const { tossSandbox, TOSS_SANDBOX_SECRET_KEY } = await import('../../sandbox/toss/index.ts');
const sandbox = await startSandbox([tossSandbox()]);

const config = loadConfig({
  DATA_DIR: 'memory://',
  // FLOOD_DATABASE_URL: a throwaway PostgreSQL database instead of the embedded one (one connection).
  ...(process.env.FLOOD_DATABASE_URL ? { DATABASE_URL: process.env.FLOOD_DATABASE_URL } : {}), NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ACCESS_LOG: 'false', LOG_LEVEL: process.env.FLOOD_LOG ?? 'ERROR',
  TOSS_SANDBOX: 'off', TOSS_SECRET_KEY: TOSS_SANDBOX_SECRET_KEY, TOSS_BASE_URL: sandbox.urls.toss!,
});
const runtime = await buildRuntime(config, { endpoints, eagerProviders: true, background: true, meter: true, metrics: 'process', logSink: 'stdout', serverUrl: `http://${config.HOST}:${config.PORT}` });
// Count the Toss payment look-ups the process makes (the real client, to the sandbox on loopback).
let lookups = 0;
const gateway = runtime.ports.billing.gateway;
runtime.ports.billing.gateway = { ...gateway, getPayment: (key, signal) => (lookups++, gateway.getPayment(key, signal)) };
const server = await startHttpServer({
  dispatch: runtime.dispatcher.dispatch, logger: runtime.logger, accessLog: null, host: '127.0.0.1', port: 0, keepAliveTimeoutMs: 65_000, shutdownTimeoutMs: 5_000,
});
const base = server.url;

const KIND = process.env.FLOOD_KIND === 'unknown' ? 'unknown' : 'many';
// Payments of ours, so forged events naming them are worth a look-up (the costly kind of forgery).
const OURS = 2_000;
const now = new Date();
if (KIND === 'many') {
  await runtime.database.query(
    `INSERT INTO billing_payments (payment_key, tenant_id, subscription_id, order_id, kind, period_index, order_name, status, amount_krw, balance_krw, created_at, updated_at)
     SELECT 'tpk_flood_' || i, 't-flood', 'sub-flood', 'rn-flood-' || i, 'renewal', 1, 'x', 'DONE', 29000, 29000, $1, $1 FROM generate_series(1, $2) AS i`,
    [now, OURS],
  );
}

let sent = 0;
let ok = 0;
const until = Date.now() + SECONDS * 1000;
const started = Date.now();
await Promise.all(Array.from({ length: CONNECTIONS }, async (_, lane) => {
  for (let i = 0; Date.now() < until; i++) {
    const n = lane * 100_000 + i;
    const data = KIND === 'many'
      ? { paymentKey: `tpk_flood_${(n % OURS) + 1}`, orderId: `rn-flood-${(n % OURS) + 1}`, status: 'CANCELED', lastTransactionKey: `forged-${n}` }
      : { paymentKey: `tpk_forged_${n}`, orderId: `in-forged-${n}`, status: 'CANCELED' };
    const body = JSON.stringify({ eventType: 'PAYMENT_STATUS_CHANGED', createdAt: new Date().toISOString(), data });
    const res = await fetch(`${base}/v1/billing/webhooks/toss`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    sent++;
    if (res.status === 200) ok++;
  }
}));
const elapsed = (Date.now() - started) / 1000;
const during = lookups;
console.log(JSON.stringify({ kind: KIND, seconds: Math.round(elapsed * 10) / 10, eventsSent: sent, answered200: ok, eventsPerSecond: Math.round(sent / elapsed), tossLookups: during, tossLookupsPerSecond: Math.round((during / elapsed) * 10) / 10 }));

await server.shutdown();
await runtime.close();
await sandbox.close();
process.exit(0);
