/**
 * Smart Store stock through the Naver Commerce client, against the sandbox: options of one product set in one
 * option-stock call (counted by the sandbox), prices and usable kept, a token refused once then renewed, 429
 * retried after the bucket's refill time, refused credentials marking the connection rejected without retrying,
 * and no token or secret in a log or an error.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rateLimitWaitMs } from '../../adapters/naver-commerce/client.ts';
import { naverSmartStoreStock, parseListingId } from '../../adapters/naver-commerce/stock.ts';
import type { ChannelStock } from '../../core/inventory/ports.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { app, clientOver, scriptedConnections, startCommerce, type ClientSetup, type Commerce } from './support.ts';

const T = 'tenant-1';
const OPTION_STOCK_1001 = 'PUT /external/v1/products/origin-products/1001/option-stock';
const OPTION_STOCK_1003 = 'PUT /external/v1/products/origin-products/1003/option-stock';
const READ_1001 = 'GET /external/v2/products/origin-products/1001';

const caught = async (work: Promise<unknown>): Promise<DomainError> => {
  try {
    await work;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a rejection');
};

describe('Smart Store stock (ChannelStock over the Naver Commerce sandbox)', () => {
  let commerce: Commerce;
  let setup: ClientSetup;
  let connections: ReturnType<typeof scriptedConnections>;
  let stock: ChannelStock;

  beforeAll(async () => {
    commerce = await startCommerce();
  });
  afterAll(async () => commerce?.close());
  beforeEach(async () => {
    await commerce.control('reset', {});
    setup = clientOver(commerce.baseUrl);
    connections = scriptedConnections();
    stock = naverSmartStoreStock({ connections: connections.port, client: setup.client });
  });

  it('sets several options of one product in one option-stock call, keeps price and usable, and reads back what it set', async () => {
    const errors = await stock.pushMany!(T, [
      { externalId: '1001:10011', quantity: 7 },
      { externalId: '1001:10012', quantity: 3 },
      { externalId: '1003:10031', quantity: 0 },
      { externalId: '1002', quantity: 4 },
    ]);
    expect([...errors]).toEqual([]);
    const calls = await commerce.control('calls');
    // One read and one write per product, whatever the number of its options.
    expect([calls[OPTION_STOCK_1001], calls[OPTION_STOCK_1003], calls[READ_1001]]).toEqual([1, 1, 1]);
    expect(calls['PUT /external/v1/products/origin-products/1002/change-status']).toBe(1);

    const product = (await commerce.control('products/1001')).originProduct;
    expect(product.detailAttribute.optionInfo.optionCombinations.map((o: any) => [o.id, o.stockQuantity, o.price, o.usable])).toEqual([
      [10011, 7, 0, true],
      [10012, 3, 1000, true],
      [10013, 0, 0, false], // not in the push: as it was
    ]);
    const seen = await stock.read(T, ['1001:10011', '1001:10012', '1003:10031', '1003:10032', '1002']);
    expect(Object.fromEntries(seen)).toEqual({ '1001:10011': 7, '1001:10012': 3, '1003:10031': 0, '1003:10032': 3, '1002': 4 });
  });

  it('reports each listing it cannot set and sets the others', async () => {
    const errors = await stock.pushMany!(T, [
      { externalId: '1001', quantity: 1 }, // a product with options needs the option
      { externalId: '1001:99999', quantity: 1 }, // no such option
      { externalId: '1002:5', quantity: 1 }, // a product without options has none
      { externalId: 'abc', quantity: 1 },
      { externalId: '9999:1', quantity: 1 }, // no such product
      { externalId: '1003:10032', quantity: 1.5 },
      { externalId: '1001:10012', quantity: 8 },
    ]);
    expect([...errors.keys()].sort()).toEqual(['1001', '1001:99999', '1002:5', '1003:10032', '9999:1', 'abc']);
    expect((errors.get('9999:1') as DomainError).details).toMatchObject({ providerStatus: 404, providerCode: 'NOT_FOUND' });
    expect((errors.get('9999:1') as DomainError).code).toBe('upstream_failed'); // not not_found: that means no connection
    expect(Object.fromEntries(await stock.read(T, ['1001:10012', '9999:1', '1001:99999']))).toEqual({ '1001:10012': 8 });
    await expect(stock.push(T, '9999:1', 1)).rejects.toMatchObject({ code: 'upstream_failed', details: { providerStatus: 404 } });
    await stock.push(T, '1001:10011', 2);
    expect((await stock.read(T, ['1001:10011'])).get('1001:10011')).toBe(2);
  });

  it('signs in again when Naver refuses the token once (GW.AUTHN)', async () => {
    await stock.push(T, '1001:10011', 5);
    await commerce.control('tokens/revoke', {});
    expect((await stock.read(T, ['1001:10011'])).get('1001:10011')).toBe(5);
    const stats = await commerce.control('stats');
    expect(stats.byPath['/external/v1/oauth2/token']).toBe(2);
    expect(stats.byStatus['401']).toBe(1);
    expect(setup.warnings.map((w) => w.attributes.providerCode)).toEqual(['GW.AUTHN']);
  });

  it('signs in once when calls side by side are refused the same token', async () => {
    await stock.read(T, ['1001:10011']);
    await commerce.control('tokens/revoke', {});
    // Three products read side by side: each is refused the old token, one sign-in serves them all.
    expect(Object.fromEntries(await stock.read(T, ['1001:10011', '1002', '1003:10031']))).toEqual({ '1001:10011': 10, '1002': 5, '1003:10031': 3 });
    const stats = await commerce.control('stats');
    expect([stats.byPath['/external/v1/oauth2/token'], stats.byStatus['401']]).toEqual([2, 3]);
  });

  it('retries 429 GW.RATE_LIMIT and succeeds; logs the trace id, never the token', async () => {
    await setup.tokens.token(app); // signed in first: the injected 429s fall on the product calls
    await commerce.control('faults', { failNext: { count: 2, kind: 'rate' } });
    expect((await stock.read(T, ['1003:10031'])).get('1003:10031')).toBe(3);
    const stats = await commerce.control('stats');
    expect(stats.byStatus['429']).toBe(2);
    const retries = setup.warnings.filter((w) => w.message === 'Naver Commerce call retried');
    expect(retries.map((w) => [w.attributes.status, w.attributes.providerCode])).toEqual([[429, 'GW.RATE_LIMIT'], [429, 'GW.RATE_LIMIT']]);
    // The bucket asks for one token's refill at 20 a second: 50 ms, never less.
    for (const w of retries) expect(w.attributes.delayMs).toBeGreaterThanOrEqual(50);
    expect(retries[0]!.attributes.traceId).toMatch(/^[0-9a-f]{16}$/);
    const { token } = await setup.tokens.token(app);
    expect(JSON.stringify(setup.warnings)).not.toContain(token);
  });

  it('answers rate_limited with the trace id when 429s outlast its attempts, and when the refill wait is longer than it would wait', async () => {
    await setup.tokens.token(app);
    await commerce.control('faults', { failNext: { count: 4, kind: 'rate' } });
    const error = await caught(stock.read(T, ['1001:10011']));
    expect(error.code, String(error)).toBe('rate_limited');
    expect(error.details).toMatchObject({ providerCode: 'GW.RATE_LIMIT', providerStatus: 429, traceId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect((await commerce.control('stats')).byStatus['429']).toBe(4);

    // A bucket refilling one token a second while this client waits at most 500 ms: one attempt, no wait.
    await commerce.control('reset', {});
    await commerce.control('limits', { replenishRate: 1, burstCapacity: 1 });
    const patient = clientOver(commerce.baseUrl, { maxDelayMs: 500 });
    const strict = naverSmartStoreStock({ connections: connections.port, client: patient.client });
    await strict.read(T, ['1001:10011']);
    expect((await caught(strict.read(T, ['1001:10011']))).code).toBe('rate_limited');
    expect((await commerce.control('stats')).byStatus['429']).toBe(1);
  });

  it('reads the wait from the rate headers', () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(rateLimitWaitMs(h({ 'GNCP-GW-RateLimit-Replenish-Rate': '20', 'GNCP-GW-RateLimit-Remaining': '0' }), 0)).toBe(50);
    expect(rateLimitWaitMs(h({ 'GNCP-GW-RateLimit-Replenish-Rate': '3', 'GNCP-GW-RateLimit-Remaining': '0' }), 0)).toBe(334);
    expect(rateLimitWaitMs(h({ 'GNCP-GW-RateLimit-Replenish-Rate': '20', 'GNCP-GW-RateLimit-Remaining': '5' }), 0)).toBe(0);
    expect(rateLimitWaitMs(h({ 'Retry-After': '2', 'GNCP-GW-RateLimit-Replenish-Rate': '20' }), 0)).toBe(2000);
    expect(rateLimitWaitMs(h({}), 0)).toBeNull();
  });

  it('marks the connection rejected when Naver refuses the credentials, and does not call Naver again', async () => {
    // The secret was reissued at Naver: the stored one no longer signs in.
    await commerce.control('apps', { clientId: app.clientId, clientSecret: '$2a$04$AnotherSecretForTheApp' });
    const error = await caught(stock.pushMany!(T, [{ externalId: '1001:10011', quantity: 1 }, { externalId: '1003:10031', quantity: 1 }]));
    expect([error.code, error.details?.rejected, error.details?.providerCode]).toEqual(['upstream_failed', true, 'GW.AUTHN']);
    expect(connections.state).toMatchObject({ status: 'rejected', rejectedCode: 'GW.AUTHN' });
    const before = (await commerce.control('stats')).requests;
    expect(before).toBe(1); // one sign-in, refused; nothing retried
    const again = await caught(stock.read(T, ['1001:10011']));
    expect([again.code, again.details?.rejected]).toEqual(['upstream_failed', true]);
    expect((await commerce.control('stats')).requests).toBe(before);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(app.clientSecret);
  });

  it('answers not_found without a connection, before any call', async () => {
    connections.state.status = 'none';
    expect((await caught(stock.push(T, '1001:10011', 1))).code).toBe('not_found');
    expect((await caught(stock.read(T, ['1001:10011']))).code).toBe('not_found');
    expect((await commerce.control('stats')).requests).toBe(0);
  });

  it('parses listing ids', () => {
    expect(parseListingId('1001:10011')).toEqual({ product: '1001', option: '10011' });
    expect(parseListingId('1002')).toEqual({ product: '1002', option: null });
    for (const bad of ['', 'a:1', '1:', ':1', '1:2:3', '1 2']) expect(parseListingId(bad)).toBeNull();
  });
});

describe('the sandbox\'s rate limit', () => {
  it('keeps a bucket per application: burst 40 at 20 a second, then 429 GW.RATE_LIMIT with the headers', async () => {
    let t = 0;
    const commerce = await startCommerce({ bucketNow: () => t });
    try {
      const { tokens } = clientOver(commerce.baseUrl);
      const { token } = await tokens.token(app);
      const get = () => fetch(`${commerce.baseUrl}/external/v2/products/origin-products/1002`, { headers: { authorization: `Bearer ${token}` } });
      const answers = [];
      for (let i = 0; i < 41; i++) answers.push(await get());
      expect(answers.slice(0, 40).every((r) => r.status === 200)).toBe(true);
      expect(answers[39]!.headers.get('GNCP-GW-RateLimit-Remaining')).toBe('0');
      const refused = answers[40]!;
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ code: 'GW.RATE_LIMIT' });
      expect([refused.headers.get('GNCP-GW-RateLimit-Replenish-Rate'), refused.headers.get('GNCP-GW-RateLimit-Burst-Capacity'), refused.headers.get('GNCP-GW-RateLimit-Remaining')]).toEqual(['20', '40', '0']);
      expect(refused.headers.get('GNCP-GW-Trace-ID')).toMatch(/^[0-9a-f]{16}$/);
      t += 50; // one token's refill
      expect((await get()).status).toBe(200);
      expect((await get()).status).toBe(429);
    } finally {
      await commerce.close();
    }
  });
});

describe('the sandbox\'s seller APIs', () => {
  it('refuses a call without a valid token, unknown options and bad values with invalidInputs, and stock on a product with options through change-status', async () => {
    const commerce = await startCommerce();
    try {
      const { tokens } = clientOver(commerce.baseUrl);
      const { token } = await tokens.token(app);
      const call = (method: string, path: string, body?: unknown, bearer = token) =>
        fetch(`${commerce.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const anonymous = await call('GET', '/external/v2/products/origin-products/1001', undefined, 'not-a-token');
      expect([anonymous.status, ((await anonymous.json()) as any).code]).toEqual([401, 'GW.AUTHN']);
      const bad = await call('PUT', '/external/v1/products/origin-products/1001/option-stock', {
        optionInfo: { optionCombinations: [{ id: 10011, stockQuantity: -1, price: 0, usable: true }, { id: 42, stockQuantity: 1, price: 0, usable: true }], useStockManagement: true },
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as any).invalidInputs.map((i: { name: string }) => i.name)).toEqual(['optionInfo.optionCombinations[0].stockQuantity', 'optionInfo.optionCombinations[1].id']);
      // Nothing of a refused body is applied.
      expect((await commerce.control('products/1001')).originProduct.detailAttribute.optionInfo.optionCombinations[0].stockQuantity).toBe(10);
      const perOption = await call('PUT', '/external/v1/products/origin-products/1001/change-status', { statusType: 'SALE', stockQuantity: 3 });
      expect(perOption.status).toBe(400);
      const unknown = await call('GET', '/external/v2/products/origin-products/777');
      expect([unknown.status, ((await unknown.json()) as any).code]).toEqual([404, 'NOT_FOUND']);
      // Another application's data is its own.
      await commerce.control('orders', { kind: 'sale', originProductNo: 1002, quantity: 2 });
      expect((await commerce.control('products/1002')).originProduct.stockQuantity).toBe(3);
      expect((await commerce.control('products/1002?clientId=other')).originProduct.stockQuantity).toBe(5);
    } finally {
      await commerce.close();
    }
  });
});
