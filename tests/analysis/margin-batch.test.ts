import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { invokeEach, openBatchFor, type BatchSummary } from '../../adapters/cli/invoke.ts';
import type { RequestSpec } from '../../adapters/routing/direct.ts';
import { runCapturedCli } from '../helpers/cli.ts';
import { endpoints } from '../../handlers/registry.ts';
import type { BatchSession } from '../../handlers/toolkit.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

const tenant = { kind: 'tenant', tenantId: 't1', actorId: 'u1', role: 'owner', via: 'api_key' } as const;
const auth = { authorization: 'Bearer k' };
const margin = endpoints.find((e) => e.id === 'analysis.margin')!;
let rt: TestRuntime;

beforeAll(async () => {
  rt = await testRuntime({
    overrides: {
      auth: memoryAuthenticator(new Map([['k', tenant]])),
      clock: { now: () => new Date('2025-06-01T15:00:00Z') },
    },
  });
});
afterAll(async () => rt.close());

// A reproducible catalogue that reaches every channel, both import routes, tiers, overrides and the errors the
// engine raises itself (discount over the price, quantity under the tiers' minimum, unknown rate key).
let seed = 7;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  // The low bits of this generator repeat quickly; the high ones do not.
  return Math.floor(seed / 65536) % n;
};
const channels = ['naver_smart_store', 'naver_brand_store', 'coupang_wing', 'coupang_rocket_growth'];
const scenario = (i: number): Record<string, unknown> => {
  const personal = rand(2) === 0;
  const tiers = rand(4) === 0;
  return {
    ...(rand(5) ? { saleDate: rand(2) ? '2025-06-02' : '2025-06-01' } : {}),
    category: ['kitchen', 'fashion_clothing', 'beauty', 'food', 'other'][rand(5)],
    purchase: tiers
      ? { priceTiers: [{ minQuantity: 5, unitPriceFen: 3000 }, { minQuantity: 100, unitPriceFen: 2500 }], quantity: 1 + rand(300) }
      : { unitPriceFen: 500 + rand(150_000), quantity: personal ? 1 : 10 + rand(490), agentFeePercent: rand(6), chinaShippingFen: rand(3000) },
    exchange: { cnyKrw: 190.25, usdKrw: 1385.5, source: 'test', asOf: '2025-06-01', ...(rand(3) === 0 ? { customs: { cnyKrw: 191, usdKrw: 1390 } } : {}) },
    freight: { ratePerKgKrw: 3500 + rand(3000), unitWeightGrams: 100 + rand(2000), unitDimensionsCm: { length: 5 + rand(30), width: 5 + rand(20), height: 2 + rand(15) } },
    customs: { importType: personal ? 'personal' : 'bulk', ...(rand(4) === 0 ? { shippedFrom: 'US' } : {}), ...(rand(5) === 0 ? { goodsClass: 'formal_declaration' } : {}) },
    vatRegistered: rand(3) === 0,
    ...(rand(2) ? { targetMarginPercent: 25 } : {}),
    ...(rand(10) === 0 ? { rateOverrides: { [rand(2) ? 'coupang_wing.shipping_fee_commission' : 'no.such.rate']: 2.5 } } : {}),
    selling: {
      channel: channels[i % 4],
      salePriceKrw: 1 + rand(300_000),
      shippingFeeKrw: rand(2) ? 3000 : 0,
      discountKrw: rand(8) === 0 ? 400_000 : 0,
      ...(rand(2) ? { ads: { costPerSaleKrw: 500 } } : {}),
      returns: { ratePercent: 3, costPerReturnKrw: 6000 },
    },
  };
};

const run = async (rows: string[], session: BatchSession | null, base: RequestSpec = { headers: auth, query: { view: 'full' } }) => {
  const file = join(mkdtempSync(join(tmpdir(), 'sellpo-batch-')), 'rows.jsonl');
  writeFileSync(file, rows.join('\n'));
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const summary = await invokeEach(margin, rt.dispatcher.handlers.get(margin.id)!, { input: file, out, progress: new PassThrough(), concurrency: 8, base, session });
  return { summary, text };
};

/** Request ids differ from run to run; everything else must not. */
const withoutIds = (text: string) => text.replace(/"instance":"[^"]*"/g, '"instance":"-"');

const sessionFor = async (base: RequestSpec) => {
  const opening = await openBatchFor(margin, rt.options, base);
  if (opening.kind !== 'session') throw new Error(`expected a session, got ${opening.kind}`);
  return opening.session;
};

describe('the batch session answers as the handler does', () => {
  it('gives the same output, line for line, as one request per row', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 400; i++) rows.push(JSON.stringify({ body: scenario(i) }));
    rows.push(
      JSON.stringify({ body: { ...scenario(1), selling: { channel: 'coupang_wing', salePriceKrw: 0 } } }),
      JSON.stringify({ body: { selling: 'nope', purchase: [], extra: true } }),
      JSON.stringify({ body: null }),
      JSON.stringify({ body: 'text' }),
      '{not json',
      '[1,2]',
      '',
      `${JSON.stringify({ body: scenario(2) })}\r`,
      // Rows with their own request parts take the per-request path in both runs.
      JSON.stringify({ query: { view: 'summary' }, body: scenario(3) }),
      JSON.stringify({ headers: { authorization: 'Bearer wrong' }, body: scenario(4) }),
      // Refused keys: the session leaves the row to the handler, which answers 400.
      '{"body":{"__proto__":{"polluted":true},"category":"kitchen"}}',
    );
    const viaHandler = await run(rows, null);
    const viaSession = await run(rows, await sessionFor({ headers: auth, query: { view: 'full' } }));
    expect(withoutIds(viaSession.text)).toBe(withoutIds(viaHandler.text));
    const counts = (s: BatchSummary) => ({ lines: s.lines, ok: s.ok, errorResponses: s.errorResponses, badLines: s.badLines });
    expect(counts(viaSession.summary)).toEqual(counts(viaHandler.summary));
    // 400 generated rows, 4 odd bodies and the CRLF row; not the rows with their own parts or refused keys.
    expect(viaSession.summary.inSession).toBe(405);
    expect(viaHandler.summary.inSession).toBe(0);
    // The catalogue does reach both answers and the engine's own errors.
    const out = viaSession.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(out.filter((l) => l.status === 200).length).toBeGreaterThan(300);
    expect(out.some((l) => l.body?.errors?.some((e: { message: string }) => /Discounts exceed/.test(e.message)))).toBe(true);
    expect(out.some((l) => l.body?.errors?.some((e: { field: string }) => e.field === 'rateOverrides.no.such.rate'))).toBe(true);
    expect(out.at(-1)).toMatchObject({ status: 400, body: { type: 'urn:sellpo:problem:malformed-json' } });
    expect(out.at(-2)).toMatchObject({ status: 401 });
  });

  it('reads a file of many 64 KiB pieces with Korean text across their edges and CRLF line ends', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 400; i++) {
      const body = {
        ...scenario(i),
        rateOverrides: undefined,
        selling: { channel: 'coupang_wing', salePriceKrw: 30_000 },
        exchange: { cnyKrw: 190, usdKrw: 1400, source: `하나은행 매매기준율 ${'가'.repeat(i % 60)} ${i}`, asOf: '2025-06-01' },
      };
      rows.push(JSON.stringify({ body }));
    }
    const { summary, text } = await run([rows.join('\r\n')], await sessionFor({ headers: auth }));
    expect(Buffer.byteLength(rows.join('\r\n'))).toBeGreaterThan(3 * 64 * 1024);
    const out = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(summary).toMatchObject({ lines: 400, inSession: 400 });
    expect(out.map((l) => l.line)).toEqual(rows.map((_, i) => i + 1));
    for (const [i, l] of out.entries()) {
      if (l.status === 200) expect(l.body.landed.exchange.source).toBe(`하나은행 매매기준율 ${'가'.repeat(i % 60)} ${i}`);
    }
    expect(out.filter((l) => l.status === 200).length).toBeGreaterThan(300);
  });

  it('reports each line that is not UTF-8 as a bad line and goes on, wherever it falls among the 64 KiB pieces', async () => {
    const good = (i: number) => Buffer.from(JSON.stringify({ body: { ...scenario(i), rateOverrides: undefined, exchange: { cnyKrw: 190, usdKrw: 1400, source: `환율 ${'가'.repeat(i % 40)}`, asOf: '2025-06-01' } } }));
    // A stray byte in a string, and a Hangul syllable cut after two of its three bytes (as a truncating tool leaves it).
    const stray = Buffer.concat([Buffer.from('{"body":{"category":"'), Buffer.from([0xff]), Buffer.from('"}}')]);
    const cut = Buffer.concat([Buffer.from('{"body":{"category":"'), Buffer.from('가').subarray(0, 2), Buffer.from('"}}')]);
    const lines: Buffer[] = [];
    const badAt: number[] = [];
    for (let i = 0; i < 600; i++) {
      if (i % 97 === 5) {
        lines.push(i % 2 ? stray : cut);
        badAt.push(i + 1);
      } else lines.push(good(i));
    }
    lines.push(cut); // the last line, without a line end
    badAt.push(601);
    const bytes = Buffer.concat(lines.flatMap((l, i) => (i < lines.length - 1 ? [l, Buffer.from('\n')] : [l])));
    expect(bytes.length).toBeGreaterThan(4 * 64 * 1024);
    const file = join(mkdtempSync(join(tmpdir(), 'sellpo-batch-')), 'rows.jsonl');
    writeFileSync(file, bytes);
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const summary = await invokeEach(margin, rt.dispatcher.handlers.get(margin.id)!, { input: file, out, progress: new PassThrough(), concurrency: 8, base: { headers: auth }, session: await sessionFor({ headers: auth }) });
    const rows = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.line)).toEqual(lines.map((_, i) => i + 1));
    expect(rows.filter((r) => r.error !== undefined)).toEqual(badAt.map((n) => ({ line: n, error: `line ${n} is not valid UTF-8` })));
    expect(summary).toMatchObject({ lines: 601, badLines: badAt.length, inSession: 601 - badAt.length });
    // No U+FFFD stands in for a bad byte anywhere in the answers.
    expect(text).not.toContain('\uFFFD');
  });

  it("names each problem by the batch's id and the line", async () => {
    const session = await sessionFor({ headers: auth });
    const { text } = await run([JSON.stringify({ body: { category: 'kitchen' } })], session);
    expect(JSON.parse(text).body.instance).toBe(`${session.id}:1`);
  });

  it('keeps the summary view of the base query for every row', async () => {
    const rows = [JSON.stringify({ body: scenario(0) }), JSON.stringify({ body: scenario(1) })];
    const base = { headers: auth, query: { view: 'summary' } };
    const viaSession = await run(rows, await sessionFor(base), base);
    expect(withoutIds(viaSession.text)).toBe(withoutIds((await run(rows, null, base)).text));
    expect(Object.keys(JSON.parse(viaSession.text.split('\n')[0]!).body)).toContain('landedCost');
  });
});

describe('when a batch gets no session', () => {
  it('is refused once when the base credentials are not accepted', async () => {
    const opening = await openBatchFor(margin, rt.options, { headers: { authorization: 'Bearer wrong' } });
    expect(opening.kind).toBe('refused');
    if (opening.kind === 'refused') expect(opening.answer.statusCode).toBe(401);
  });

  it('leaves every row to the handler when rows bring their own credentials, other headers or a bad query', async () => {
    expect((await openBatchFor(margin, rt.options, {})).kind).toBe('per_request');
    expect((await openBatchFor(margin, rt.options, { headers: { ...auth, 'idempotency-key': 'a' } })).kind).toBe('per_request');
    expect((await openBatchFor(margin, rt.options, { headers: auth, query: { view: 'everything' } })).kind).toBe('per_request');
  });

});

describe('sellpo invoke --each', () => {
  it('stops before the first row when the key is not accepted, saying so once', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sellpo-batch-')), 'rows.jsonl');
    writeFileSync(file, `${JSON.stringify({ body: scenario(0) })}\n`.repeat(3));
    const { code, stdout, stderr } = await runCapturedCli(['invoke', 'analysis.margin', '--each', file, '--header', 'authorization=Bearer sk_wrong'], {
      LOG_LEVEL: 'ERROR',
      DATA_DIR: 'memory://',
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('sellpo: the batch did not run: 401 The credentials were not accepted.\n');
  });
});
