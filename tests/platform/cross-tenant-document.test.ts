/**
 * Tenant isolation over every operation of openapi.yaml, through the HTTP server, so an operation added later is
 * walked without touching this file. Tenant A creates what the document's examples create (keys, a subscription,
 * payments, audit entries); tenant B then sends A's ids in every path parameter, every query parameter and every
 * string field of each example body. B must see none of A's ids in any answer (except the one it sent, echoed
 * in a 404), never get a 5xx, and A's data must be exactly as before, with no audit entry of B's requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../core/platform/audit.ts';
import { startTestServer, type Seeded, type TestServer } from '../helpers/http-server.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { loadDocument, operationsOf, type Operation } from '../helpers/openapi-validator.ts';
import { bearer, seedTenant } from './fixtures.ts';

const doc = loadDocument();
const allOps = operationsOf(doc);
const tenantOps = allOps.filter((op) => op.spec['x-access'] === 'tenant');
const exampleOf = (op: Operation) => op.spec.requestBody?.content['application/json']?.example;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Fields whose values identify one tenant's records, whatever their shape. */
const ID_FIELDS = new Set(['paymentKey', 'orderId', 'subscriptionId', 'prefix', 'nextCursor', 'hash', 'prevHash', 'email']);

/** Every identifier in a JSON value: uuid or 64-hex strings anywhere, and the values of identifying fields. */
const idsIn = (value: unknown, out: Set<string>, key = ''): Set<string> => {
  if (typeof value === 'string') {
    if (UUID.test(value) || /^[0-9a-f]{64}$/.test(value) || (ID_FIELDS.has(key) && value.length >= 6)) out.add(value);
  } else if (Array.isArray(value)) value.forEach((v) => idsIn(v, out, key));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) idsIn(v, out, k);
  return out;
};

/** The example with every string leaf set to `id`. */
const withEveryString = (value: unknown, id: string): unknown => {
  if (typeof value === 'string') return id;
  if (Array.isArray(value)) return value.map((v) => withEveryString(v, id));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withEveryString(v, id)]));
  return value;
};

/**
 * What A's data looks like from its own side, without what moves on its own (last use, clocks, caches, and a
 * problem's `instance`, the id of the request it answers: a read answering 404 names its own request each time).
 */
const VOLATILE = new Set(['lastUsedAt', 'checkedAt', 'asOf', 'cached', 'instance']);
const stable = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => !VOLATILE.has(k)).map(([k, v]) => [k, stable(v)]));
  return value;
};

describe('cross-tenant isolation over every operation of the document', () => {
  let db: TestDatabase;
  let srv: TestServer;
  let a: Seeded;
  let b: Seeded;
  const idsOfA = new Set<string>();
  let snapshotOfA: Record<string, unknown>;
  let requestNo = 0;

  const call = async (as: Seeded, op: Operation, init: { path?: Record<string, string>; query?: Record<string, string>; body?: unknown } = {}) => {
    let path = op.path;
    for (const [name, value] of Object.entries(init.path ?? {})) path = path.replace(`{${name}}`, encodeURIComponent(value));
    const query = new URLSearchParams(init.query ?? {}).toString();
    const res = await fetch(`${srv.url}${path}${query ? `?${query}` : ''}`, {
      method: op.method.toUpperCase(),
      headers: { ...bearer(as.secret), 'x-request-id': `${as === b ? 'xt-b' : 'xt-a'}-${++requestNo}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, text, body };
  };

  /** Every operation A can read without naming anything: its whole visible state. */
  const readsOfA = () => tenantOps.filter((op) => op.method === 'get' && !(op.spec.parameters ?? []).some((p) => p.required));
  const snapshot = async () => {
    const out: Record<string, unknown> = {};
    for (const op of readsOfA()) {
      const res = await call(a, op, op.id === 'platform.readAudit' ? { query: { limit: '100' } } : {});
      // The audit log grows with A's own reads; what B must not add is checked by request id below.
      out[op.id] = op.id === 'platform.readAudit' ? null : stable(res.body);
    }
    return out;
  };

  beforeAll(async () => {
    db = await withPglite();
    // The providers' rate slots raised: B's ids sent to the provider-backed operations (Naver, 1688) otherwise
    // waited about 15 s in all for slots at 10 calls a second, which has nothing to do with isolation.
    const rates = { NAVER_OPENAPI_RATE_PER_SECOND: '1000', NAVER_SEARCHAD_RATE_PER_SECOND: '1000', ALIBABA_RATE_PER_SECOND: '1000' };
    srv = await startTestServer({ meter: false, database: db, env: rates });
    a = await seedTenant(srv.rt.ports, 'xt-alpha');
    b = await seedTenant(srv.rt.ports, 'xt-bravo');
    // A's data: every example that needs no path parameter, billing in a subscription's order.
    const order = ['billing.subscribe', 'billing.changePlan', 'billing.changePaymentMethod', 'billing.cancel'];
    const writes = tenantOps
      .filter((op) => op.method !== 'get' && !(op.spec.parameters ?? []).some((p) => p.in === 'path'))
      .sort((x, y) => order.indexOf(x.id) - order.indexOf(y.id));
    for (const op of writes) {
      const example = exampleOf(op);
      idsIn((await call(a, op, example !== undefined ? { body: example } : {})).body, idsOfA);
    }
    for (const op of readsOfA()) idsIn((await call(a, op)).body, idsOfA);
    for (const known of [a.tenant.id, a.owner.id, a.apiKey.id, a.apiKey.prefix, a.owner.email]) idsOfA.add(known);
    idsOfA.delete(GENESIS_HASH); // every chain starts from it
    for (const own of [b.tenant.id, b.owner.id, b.apiKey.id, b.apiKey.prefix, b.owner.email]) idsOfA.delete(own);
    snapshotOfA = await snapshot();
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    await db?.close();
  });

  it('has A\'s ids of every kind to send: tenant, member, key, subscription, payment, audit', () => {
    expect(tenantOps.length).toBeGreaterThanOrEqual(10);
    expect(idsOfA.size).toBeGreaterThanOrEqual(10);
    const subscription = (snapshotOfA['billing.getSubscription'] as { subscription: { id: string } | null }).subscription;
    expect(subscription, 'A subscribed').not.toBeNull();
    expect(idsOfA).toContain(subscription!.id);
  });

  /** A's ids found in an answer to B, except the one B sent. */
  const leaks = (text: string, sent: string) => [...idsOfA].filter((id) => id !== sent && text.includes(id));

  // Every operation, not only the tenant ones: B may also put A's ids into public ones (the Toss webhook) and
  // admin ones (refused to a tenant key, and that refusal must show nothing either).
  it.each(allOps.map((op) => [op.id, op] as const))('%s shows B none of A\'s data and changes none of it', async (_id, op) => {
    const pathNames = (op.spec.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
    const queryNames = (op.spec.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const example = exampleOf(op);
    const problems: string[] = [];
    for (const id of idsOfA) {
      const variants = [
        { path: Object.fromEntries(pathNames.map((n) => [n, id])), query: Object.fromEntries(queryNames.map((n) => [n, id])), ...(example !== undefined ? { body: example } : {}) },
        ...(example !== undefined ? [{ path: Object.fromEntries(pathNames.map((n) => [n, id])), body: withEveryString(example, id) }] : []),
      ];
      for (const variant of variants) {
        const res = await call(b, op, variant);
        if (res.status >= 500) problems.push(`${res.status} with ${id}: ${res.text.slice(0, 100)}`);
        const leaked = leaks(res.text, id);
        if (leaked.length) problems.push(`${res.status} with ${id} shows ${leaked.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('A\'s data is as before B\'s attempts, and A\'s audit log holds none of B\'s requests', async () => {
    expect(await snapshot()).toEqual(snapshotOfA);
    const audit = await call(a, tenantOps.find((op) => op.id === 'platform.readAudit')!, { query: { limit: '100' } });
    const entries = (audit.body as { items: { requestId: string | null }[] }).items;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter((e) => e.requestId?.startsWith('xt-b-'))).toEqual([]);
  });
});
