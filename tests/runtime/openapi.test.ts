import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { validate } from '@readme/openapi-parser';
import { buildOpenApi, openApiYaml } from '../../adapters/openapi.ts';
import { endpoints } from '../../handlers/registry.ts';
import { API_VERSION, isIdempotent, isMetered } from '../../handlers/toolkit.ts';
import { testRuntime } from '../helpers/invoke.ts';
import { startTestServer, type Seeded, type TestServer } from '../helpers/http-server.ts';
import { documentValidator, loadDocument, operationsOf, type Operation } from '../helpers/openapi-validator.ts';
import { bearer, seedAdmin, seedTenant } from '../platform/fixtures.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.ts';
import { COUPANG_SANDBOX_CREDENTIALS, coupangSandboxProviders } from '../../sandbox/coupang/index.ts';
import { wingProduct } from '../../sandbox/coupang/data.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const committed = readFileSync(`${root}openapi.yaml`, 'utf8');

describe('openapi.yaml', () => {
  it('matches a fresh generation from the endpoint definitions (run `npm run openapi` after a change)', async () => {
    expect(committed).toBe(await openApiYaml(buildOpenApi(endpoints)));
  });

  it('is a valid OpenAPI 3.1 document according to an independent validator', async () => {
    const result = await validate(parse(committed));
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('documents every endpoint once, by id, with its semver API version', () => {
    const doc = parse(committed) as { info: { version: string }; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.info.version).toBe(API_VERSION);
    expect(API_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids.sort()).toEqual(endpoints.map((e) => e.id).sort());
  });

  it('is served at /openapi.json and /openapi.yaml', async () => {
    const rt = await testRuntime();
    const json = await rt.call('platform.openapiJson');
    expect(json.headers['content-type']).toMatch(/^application\/vnd\.oai\.openapi\+json/);
    // Served once-encoded: the body parses straight into the document.
    expect(json.body).toEqual(parse(committed));
    const yaml = await rt.call('platform.openapiYaml');
    expect(yaml.body).toBe(committed);
  });
});

/**
 * Every operation's example request, and the failure cases the document promises, sent to the real HTTP server;
 * each answer (status, media type, body) is checked against the committed document by an independent validator.
 */
describe('answers conform to openapi.yaml', () => {
  const doc = loadDocument();
  const operations = operationsOf(doc);
  const validator = documentValidator(doc);
  const byId = new Map(operations.map((op) => [op.id, op]));
  let srv: TestServer;
  let adminKey: string;
  let owner: Seeded;
  let other: Seeded;
  const violations: string[] = [];
  const seen = new Map<string, Set<number>>();

  // The Coupang gateway sandbox: Wing connections are verified at COUPANG_BASE_URL and the Wing endpoints call it.
  let coupang: RunningSandbox;

  beforeAll(async () => {
    coupang = await startSandbox(coupangSandboxProviders());
    srv = await startTestServer({
      meter: true,
      env: {
        COUPANG_BASE_URL: coupang.urls.coupang!,
        COUPANG_PARTNERS_ACCESS_KEY: COUPANG_SANDBOX_CREDENTIALS.partnersAccessKey,
        COUPANG_PARTNERS_SECRET_KEY: COUPANG_SANDBOX_CREDENTIALS.partnersSecretKey,
      },
    });
    adminKey = (await seedAdmin(srv.rt.ports, 'conformance-ops')).secret;
    owner = await seedTenant(srv.rt.ports, 'conformance-owner');
    other = await seedTenant(srv.rt.ports, 'conformance-other');
  });
  afterAll(async () => {
    await srv?.close();
    await coupang?.close();
  });

  const credentialFor = (op: Operation, tenant: Seeded = owner): Record<string, string> =>
    op.spec['x-access'] === 'admin' ? bearer(adminKey) : op.spec['x-access'] === 'tenant' ? bearer(tenant.secret) : {};

  /** Sends one request to `op` and records every way the answer breaks the document. */
  const send = async (
    id: string,
    init: { path?: Record<string, string>; query?: string; body?: unknown; raw?: string; headers?: Record<string, string>; as?: Seeded; noAuth?: boolean } = {},
  ): Promise<{ status: number; body: any; headers: Headers }> => {
    const op = byId.get(id)!;
    let path = op.path;
    for (const [name, value] of Object.entries(init.path ?? {})) path = path.replace(`{${name}}`, encodeURIComponent(value));
    const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
    const res = await fetch(`${srv.url}${path}${init.query ? `?${init.query}` : ''}`, {
      method: op.method.toUpperCase(),
      headers: {
        ...(init.noAuth ? {} : credentialFor(op, init.as)),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    violations.push(...validator.check(op, { status: res.status, contentType: res.headers.get('content-type'), text }));
    seen.set(id, (seen.get(id) ?? new Set()).add(res.status));
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // YAML and Prometheus text stay text.
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };

  const example = (id: string) => byId.get(id)!.spec.requestBody?.content['application/json']?.example;
  // Path and query values for the operations whose parameters have no example.
  const pathValues: Record<string, Record<string, string>> = {
    'naver.keywordOverview': { keyword: '캠핑의자' },
    'inventory.getSku': { sku: 'TENT-001' },
    'inventory.adjustStock': { sku: 'TENT-001' },
    'inventory.listLedger': { sku: 'TENT-001' },
    'inventory.getReservation': { reference: 'order-20260412-0001' },
    'inventory.releaseReservation': { reference: 'order-20260412-0001' },
    'inventory.confirmReservation': { reference: 'order-20260412-0002' },
    // A well-formed job id; the walk below reads the job inventory.sync queued instead.
    'inventory.getSync': { id: '00000000-0000-4000-8000-000000000000' },
    // An offer of the 1688 sandbox's catalogue (family 0, template 0: priced by tiers).
    'alibaba.getOffer': { offerId: '600000000001' },
    'alibaba.landedCost': { offerId: '600000000001' },
    // The first product of the sandbox's Wing account, which the owner connects below.
    'coupang.getSellerProduct': { sellerProductId: String(wingProduct(COUPANG_SANDBOX_CREDENTIALS.wing.vendorId, 0).sellerProductId) },
  };
  /** Requests an example needs made first: the reservation the confirm example confirms (the release example took the first). */
  const before: Record<string, () => Promise<unknown>> = {
    // The seller grants access on the 1688 sandbox's page, which redirects back with the code and the state.
    'platform.grantAlibaba1688': async () => {
      const started = await send('platform.authorizeAlibaba1688', { body: {} });
      const back = new URL((await fetch(started.body.authorizeUrl, { redirect: 'manual' })).headers.get('location')!);
      bodies['platform.grantAlibaba1688'] = { code: back.searchParams.get('code'), state: back.searchParams.get('state') };
    },
    'inventory.confirmReservation': () => send('inventory.reserve', { body: { ...(example('inventory.reserve') as object), reference: 'order-20260412-0002' } }),
  };
  /** Bodies a `before` step made, sent instead of the example (which still must fit the schema). */
  const bodies: Record<string, unknown> = {};
  const queries: Record<string, string> = {
    'naver.searchShopping': 'query=%EC%BA%A0%ED%95%91%EC%9D%98%EC%9E%90',
    'naver.keywords': 'hint=%EC%BA%A0%ED%95%91%EC%9D%98%EC%9E%90',
    'coupang.searchProducts': 'keyword=%EC%BA%A0%ED%95%91%EC%9D%98%EC%9E%90',
    'coupang.crossMarket': 'keyword=%EC%BA%A0%ED%95%91%EC%9D%98%EC%9E%90',
    'coupang.listOrders': 'from=2026-10-01&to=2026-10-02&status=ACCEPT',
    'alibaba.searchOffers': 'keyword=%EC%BA%A0%ED%95%91%EC%9D%98%EC%9E%90',
  };
  /** A valid request to `id` besides credentials: its example body, path values and required query. */
  const validRequest = (id: string) => ({
    ...(pathValues[id] ? { path: pathValues[id] } : {}),
    ...(queries[id] ? { query: queries[id] } : {}),
    ...(example(id) !== undefined ? { body: example(id) } : {}),
  });

  it('every operation\'s example request answers 2xx in the documented shape', async () => {
    const created = await send('platform.createApiKey', { body: example('platform.createApiKey') });
    expect(created.status).toBe(201);
    // The Coupang Wing endpoints act through the tenant's Wing connection (the sandbox's account).
    const { vendorId, accessKey, secretKey } = COUPANG_SANDBOX_CREDENTIALS.wing;
    expect((await send('platform.createConnection', { body: { channel: 'coupang_wing', vendorId, accessKey, secretKey } })).status).toBe(201);
    const values: Record<string, Record<string, string>> = { ...pathValues, 'platform.revokeApiKey': { keyId: created.body.apiKey.id } };
    // Billing runs as a subscription's life: subscribe first, cancel, then resume. A connection is made, then
    // deleted. /health goes last: the embedded database opens on first use, which a first /health would count
    // against its timeout. Inventory runs as a seller works: SKUs and a bundle, listings, a reservation released
    // and one confirmed.
    const order = [
      'inventory.createSku', 'inventory.createBundle', 'inventory.listSkus', 'inventory.getSku', 'inventory.adjustStock', 'inventory.listLedger',
      'inventory.putListing', 'inventory.listListings', 'inventory.reserve', 'inventory.getReservation', 'inventory.releaseReservation',
      'inventory.confirmReservation', 'inventory.sync', 'inventory.getSync',
      'billing.subscribe', 'billing.getSubscription', 'billing.changePlan', 'billing.changePaymentMethod', 'billing.cancel', 'billing.resume',
      'platform.authorizeAlibaba1688', 'platform.grantAlibaba1688', 'platform.getAlibaba1688Account',
      'platform.createConnection', 'platform.deleteConnection', 'platform.health',
    ];
    const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : -1);
    const sequence = [...operations].sort((a, b) => rank(a.id) - rank(b.id));
    const statuses: Record<string, number> = {};
    for (const op of sequence) {
      for (const p of op.spec.parameters ?? []) {
        if (p.required && (p.in === 'path' ? !values[op.id]?.[p.name] : !queries[op.id])) throw new Error(`${op.id}: give a value for ${p.in} parameter ${p.name}`);
      }
      const body = example(op.id);
      if (op.spec.requestBody) expect(validator.checkRequestBody(op, body), `${op.id}'s example breaks its own schema`).toEqual([]);
      await before[op.id]?.();
      const sent = bodies[op.id] ?? body;
      const res = await send(op.id, { ...(values[op.id] ? { path: values[op.id] } : {}), ...(queries[op.id] ? { query: queries[op.id] } : {}), ...(sent !== undefined ? { body: sent } : {}) });
      statuses[op.id] = res.status;
      if (op.id === 'platform.createConnection' && res.status === 201) values['platform.deleteConnection'] = { connectionId: res.body.connection.id };
      // The sync example queues a job; reading it back needs its id.
      if (op.id === 'inventory.sync' && res.status === 202) values['inventory.getSync'] = { id: res.body.id };
    }
    // /health may honestly be 503 (a dependency down); everything else must succeed as the example promises.
    const failed = Object.entries(statuses).filter(([id, status]) => (status < 200 || status > 299) && !(id === 'platform.health' && status === 503));
    expect(failed).toEqual([]);
    expect(Object.keys(statuses).sort()).toEqual(operations.map((op) => op.id).sort());
    expect(violations).toEqual([]);
  }, 120_000);

  it('the toolkit\'s failures on every operation are documented: 400, 401, 403, 413, 415, idempotency 422', async () => {
    for (const op of operations) {
      const access = op.spec['x-access'];
      if (access === 'tenant' || access === 'admin') {
        expect((await send(op.id, { noAuth: true, ...(op.spec.requestBody ? { body: {} } : {}) })).status, op.id).toBe(401);
        const wrongKind = access === 'admin' ? bearer(owner.secret) : bearer(adminKey);
        expect((await send(op.id, { noAuth: true, headers: wrongKind, ...(op.spec.requestBody ? { body: {} } : {}) })).status, op.id).toBe(403);
      }
      const params = Object.fromEntries((op.spec.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, 'x'.repeat(300)]));
      if (op.spec.requestBody) {
        expect((await send(op.id, { path: params, body: [] })).status, op.id).toBe(400);
        expect((await send(op.id, { path: params, raw: '{"unclosed":', as: other })).status, op.id).toBe(400);
        expect((await send(op.id, { path: params, raw: `{"pad":"${'x'.repeat(1024 * 1024)}"}`, as: other })).status, op.id).toBe(413);
        expect((await send(op.id, { path: params, raw: 'plain text', headers: { 'content-type': 'text/plain' }, as: other })).status, op.id).toBe(415);
      } else if (op.spec.parameters?.length) {
        const bad = (op.spec.parameters ?? []).filter((p) => p.in === 'query').map((p) => `${encodeURIComponent(p.name)}=${'~'.repeat(300)}`).join('&');
        const res = await send(op.id, { path: params, query: bad, as: other });
        expect([400, 404], op.id).toContain(res.status);
      }
    }
    // An Idempotency-Key repeated with a different request.
    await send('platform.createApiKey', { body: { name: 'first' }, headers: { 'idempotency-key': 'conformance-1' } });
    expect((await send('platform.createApiKey', { body: { name: 'second' }, headers: { 'idempotency-key': 'conformance-1' } })).status).toBe(422);
    expect((await send('platform.createApiKey', { body: { name: 'third' }, headers: { 'idempotency-key': 'bad key with spaces' } })).status).toBe(400);
    expect(violations).toEqual([]);
  });

  it('the use cases\' failures are documented: 404 without a subscription, 422 declined card, 409, 429 spent budget', async () => {
    const bare = await seedTenant(srv.rt.ports, 'conformance-bare');
    for (const id of ['billing.cancel', 'billing.resume', 'billing.changePlan', 'billing.changePaymentMethod']) {
      const body = example(id);
      expect((await send(id, { as: bare, ...(body !== undefined ? { body } : {}) })).status, id).toBe(404);
    }
    expect((await send('platform.revokeApiKey', { as: bare, path: { keyId: '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);
    const declined = await send('billing.subscribe', { as: bare, body: { plan: 'basic-monthly', authKey: 'auth_reject_c0ffee', customerKey: 'cust_declined_1' } });
    expect(declined.status).toBe(422);
    const paying = await send('billing.subscribe', { as: bare, body: { plan: 'basic-monthly', authKey: 'auth_ok_c0ffee', customerKey: 'cust_bare_1' } });
    expect(paying.status).toBe(201);
    expect((await send('billing.subscribe', { as: bare, body: { plan: 'basic-monthly', authKey: 'auth_ok_c0ffe2', customerKey: 'cust_bare_1' } })).status).toBe(409);

    // A tenant whose daily budget is spent: every metered operation answers 429 with Retry-After.
    const spent = await seedTenant(srv.rt.ports, 'conformance-spent');
    const window = { sizeMs: 86_400_000, utcOffsetMs: 9 * 3_600_000 };
    for (let i = 0; i < 100; i++) await srv.rt.ports.rateCounter.consume({ name: `billing:api-calls:${spent.tenant.id}`, limit: 100, window });
    const metered = endpoints.filter(isMetered).map((e) => e.id);
    expect(metered.length).toBeGreaterThan(3);
    for (const id of metered) {
      const res = await send(id, { as: spent, ...validRequest(id) });
      expect(res.status, id).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(violations).toEqual([]);
  });

  it('/openapi.json and /openapi.yaml are documented with the media types they answer', () => {
    const content = (path: string) => Object.keys(doc.paths[path].get.responses['200'].content);
    expect(content('/openapi.json')).toEqual(['application/vnd.oai.openapi+json']);
    expect(content('/openapi.yaml')).toEqual(['application/yaml']);
  });

  it('documents, for every operation, the statuses the toolkit can answer for it', () => {
    for (const op of operations) {
      const declared = Object.keys(op.spec.responses);
      const def = endpoints.find((e) => e.id === op.id)!;
      const expected = ['500', '503'];
      if (def.access === 'tenant' || def.access === 'admin') expected.push('401', '403');
      if (isMetered(def)) expected.push('429');
      if (isIdempotent(def)) expected.push('400', '409', '422');
      if (def.body) expected.push('400', '413', '415');
      if (def.query || def.params) expected.push('400');
      for (const status of expected) expect(declared, `${op.id} ${status}`).toContain(status);
      for (const status of declared.filter((s) => Number(s) >= 400)) {
        expect(Object.keys(op.spec.responses[status]!.content ?? {}), `${op.id} ${status}`).toContain('application/problem+json');
      }
    }
  });
});
