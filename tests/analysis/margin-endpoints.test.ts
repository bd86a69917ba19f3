import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

const auth = { authorization: 'Bearer k' };
let rt: TestRuntime;

beforeAll(async () => {
  rt = await testRuntime({
    overrides: {
      auth: memoryAuthenticator(new Map([['k', { kind: 'tenant', tenantId: 't1', actorId: 'u1', role: 'owner', via: 'api_key' }]])),
      // 2025-06-01T15:00Z is 2025-06-02 00:00 in Korea: the day the new Naver table starts.
      clock: { now: () => new Date('2025-06-01T15:00:00Z') },
    },
  });
});
afterAll(async () => rt.close());

const body = () => ({
  category: 'kitchen',
  purchase: { unitPriceFen: 2000, quantity: 100 },
  exchange: { cnyKrw: 190, usdKrw: 1400, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 3000, unitWeightGrams: 200, unitDimensionsCm: { length: 10, width: 10, height: 10 } },
  selling: { channel: 'naver_smart_store', salePriceKrw: 15_000, shippingFeeKrw: 3000, naverTier: 'small' },
});

describe('POST /v1/analysis/margin', () => {
  it('needs a tenant credential', async () => {
    const res = await rt.call('analysis.margin', { body: body() });
    expect(res.status).toBe(401);
  });

  it('prices a unit with the defaults filled in and the table of today in Korea', async () => {
    // The worked example in core/analysis/margin.test.ts: landed 5,227, profit 11,966 on 2025-06-02.
    const res = await rt.call('analysis.margin', { headers: auth, body: body() });
    expect(res.status).toBe(200);
    expect(res.body.saleDate).toBe('2025-06-02');
    expect(res.body.feeTable.id).toBe('naver_smart_store.2025-06-02');
    expect(res.body.landed.perUnit.total).toBe(5227);
    expect(res.body.profit).toBe(11_966);
    expect(res.body.landed.customs.route).toBe('import_declaration');
  });

  it('uses the old table on 2025-06-01', async () => {
    const res = await rt.call('analysis.margin', { headers: auth, body: { ...body(), saleDate: '2025-06-01' } });
    expect(res.body.feeTable.id).toBe('naver_smart_store.2024-01-01');
    expect(res.body.profit).toBe(12_087);
  });

  it('answers 400 naming every out-of-range field', async () => {
    const b = body();
    const res = await rt.call('analysis.margin', {
      headers: auth,
      body: { ...b, purchase: { unitPriceFen: -1, quantity: 0 }, selling: { ...b.selling, discountPercent: 95, channel: 'gmarket' } },
    });
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['purchase.quantity', 'purchase.unitPriceFen', 'selling.channel', 'selling.discountPercent']);
  });

  it('answers 400 naming the field for rules between fields', async () => {
    const b = body();
    const res = await rt.call('analysis.margin', { headers: auth, body: { ...b, selling: { ...b.selling, discountKrw: 20_000 } } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'selling.discountKrw' })]);
  });

  it('any single out-of-range value is a 400 that names it', async () => {
    const cases: [string[], unknown][] = [
      [['purchase', 'unitPriceFen'], fc.integer({ min: 100_000_001, max: 2 ** 40 })],
      [['purchase', 'quantity'], fc.integer({ min: 1_000_001, max: 2 ** 40 })],
      [['purchase', 'agentFeePercent'], fc.double({ min: 30.001, max: 1e9, noNaN: true })],
      [['exchange', 'cnyKrw'], fc.double({ min: -1e6, max: 49.99, noNaN: true })],
      [['exchange', 'usdKrw'], fc.double({ min: 3000.01, max: 1e9, noNaN: true })],
      [['freight', 'ratePerKgKrw'], fc.integer({ min: -1e6, max: -1 })],
      [['freight', 'unitWeightGrams'], fc.constantFrom(0, 1.5, 100_001)],
      [['selling', 'salePriceKrw'], fc.constantFrom(0, -5, 12.5, 1_000_000_001)],
      [['selling', 'shippingFeeKrw'], fc.integer({ min: -1e6, max: -1 })],
      [['selling', 'discountPercent'], fc.double({ min: 90.001, max: 1e6, noNaN: true })],
      [['targetMarginPercent'], fc.double({ min: 95.001, max: 1e6, noNaN: true })],
    ].map(([path, arb]) => [path as string[], arb]);
    const arb = fc.constantFrom(...cases).chain(([path, valueArb]) => (valueArb as fc.Arbitrary<unknown>).map((v) => [path, v] as const));
    await fc.assert(
      fc.asyncProperty(arb, async ([path, value]) => {
        const b: Record<string, any> = body();
        let node = b;
        for (const key of path.slice(0, -1)) node = node[key];
        node[path.at(-1)!] = value;
        const res = await rt.call('analysis.margin', { headers: auth, body: b });
        expect(res.status).toBe(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(path.join('.'));
      }),
      { numRuns: 60 },
    );
  });
});

describe('POST /v1/analysis/margin/compare', () => {
  it('names the channel and quantity that earn most', async () => {
    const b = body();
    const res = await rt.call('analysis.marginCompare', {
      headers: auth,
      body: {
        ...b,
        purchase: { priceTiers: [{ minQuantity: 10, unitPriceFen: 2200 }, { minQuantity: 100, unitPriceFen: 2000 }] },
        quantities: [10, 100],
        channels: [b.selling, { ...b.selling, channel: 'coupang_wing' }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.cells).toHaveLength(4);
    expect(res.body.best.byProfitTotal).toEqual({ channel: 'naver_smart_store', quantity: 100, profitTotal: 1_196_600 });
  });

  it('names a quantity below the minimum order', async () => {
    const b = body();
    const res = await rt.call('analysis.marginCompare', {
      headers: auth,
      body: { ...b, purchase: { priceTiers: [{ minQuantity: 10, unitPriceFen: 2200 }] }, quantities: [5, 100], channels: [b.selling] },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['quantities.0']);
  });
});

describe('GET /v1/analysis/fee-tables', () => {
  it('shows the tables in force on a date, with VAT flags and estimate marks', async () => {
    const before = await rt.call('analysis.feeTables', { headers: auth, query: { date: '2025-06-01' } });
    const after = await rt.call('analysis.feeTables', { headers: auth, query: { date: '2025-06-02' } });
    expect(before.status).toBe(200);
    const keys = (res: typeof before) => res.body.tables.find((t: { channel: string }) => t.channel === 'naver_smart_store').rates.map((r: { key: string }) => r.key);
    expect(keys(before)).toContain('naver_smart_store.sales_linked');
    expect(keys(after)).toContain('naver_smart_store.sales_commission');
    expect(keys(after)).not.toContain('naver_smart_store.sales_linked');
    const commission = after.body.tables[0].rates.find((r: { key: string }) => r.key === 'naver_smart_store.sales_commission');
    expect(commission).toMatchObject({ value: 2.73, vatIncluded: false, estimate: false });
    expect(after.body.customs.map((r: { key: string }) => r.key)).toContain('customs.us_threshold');
    expect(after.body.rounding).toMatch(/half-up/);
  });
  it('defaults to today in Korea and refuses a bad date', async () => {
    expect((await rt.call('analysis.feeTables', { headers: auth })).body.date).toBe('2025-06-02');
    const bad = await rt.call('analysis.feeTables', { headers: auth, query: { date: '2025-13-01' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ in: 'query', field: 'date' });
  });
});

describe('batch pricing (sellpo invoke analysis.margin --each)', () => {
  it('prices every line in order, records bad lines and goes on', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { PassThrough } = await import('node:stream');
    const { invokeEach } = await import('../../adapters/cli/invoke.ts');
    const file = join(mkdtempSync(join(tmpdir(), 'sellpo-margin-')), 'skus.jsonl');
    const b = body();
    writeFileSync(
      file,
      [
        JSON.stringify({ body: b }),
        '{not json',
        JSON.stringify({ body: { ...b, selling: { ...b.selling, salePriceKrw: 0 } } }),
        JSON.stringify({ body: { ...b, selling: { ...b.selling, channel: 'coupang_wing' } } }),
      ].join('\n'),
    );
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const def = (await import('../../handlers/registry.ts')).endpoints.find((e) => e.id === 'analysis.margin')!;
    const summary = await invokeEach(def, rt.dispatcher.handlers.get('analysis.margin')!, {
      input: file,
      out,
      progress: new PassThrough(),
      concurrency: 4,
      base: { headers: auth, query: { view: 'summary' } },
    });
    expect(summary).toMatchObject({ lines: 4, ok: 2, errorResponses: 1, badLines: 1 });
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4]);
    // Worked example figures: Smart Store 11,966 and Coupang Wing 10,892 a unit.
    expect(lines[0]).toMatchObject({ status: 200, body: { landedCost: 5227, profit: 11_966, channel: 'naver_smart_store' } });
    expect(lines[1].error).toMatch(/not valid JSON/);
    expect(lines[2]).toMatchObject({ status: 400, body: { errors: [{ field: 'selling.salePriceKrw' }] } });
    expect(lines[3]).toMatchObject({ status: 200, body: { profit: 10_892, channel: 'coupang_wing' } });
  });
});
