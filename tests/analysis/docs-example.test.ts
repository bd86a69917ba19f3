/**
 * The worked example published in docs/analysis.md ("POST /v1/analysis/margin"): the request and the summary are
 * read from the document itself, so neither the engine nor the document can drift from the other unnoticed.
 * The figures were worked by hand from the rules in the same document:
 *   goods 2,350 fen x 190 / 100 = 4,465; agent fee 5 % x 446,500 = 22,325 / 100 = 223.25 -> 223;
 *   China shipping 3,000 fen x 1.9 = 5,700 / 100 = 57; freight: volumetric 20 x 15 x 10 / 6,000 = 0.5 kg x 100 =
 *   50 kg (over 30 kg actual) x 4,000 = 200,000 / 100 = 2,000; CIF 238,000 fen x 1.9 = 452,200 + 200,000 = 652,200;
 *   duty 8 % = 52,176 -> 52,170 (/ 100 = 521.7 -> 522); VAT 10 % x 704,370 = 70,437 -> 70,430 (/ 100 -> 704);
 *   landed 7,971. Fees: 2.73 % x 19,900 = 543.27 -> 543 + VAT 54; 2.35 % x 22,900 = 538.15 -> 538 + VAT 54 = 1,189.
 *   Profit 22,900 - 7,971 - 1,189 - 3,300 = 10,440; margin 10,440 / 22,900 = 45.59 %; ROI 10,440 / 7,971 = 130.97 %.
 *   Break-even: P - fees(P) must reach 8,271; at 8,842 fees are 241 + 24 + 278 + 28 = 571 (profit 0), at 8,841
 *   also 571 (profit -1). Target 30 %: at 14,359 fees are 392 + 39 + 408 + 41 = 880, profit 5,208 >= 0.3 x 17,359
 *   = 5,207.7; at 14,358 fees are 880 too, profit 5,207 < 0.3 x 17,358 = 5,207.4 (rounded to 2 decimals that
 *   margin would read 30.00 %, but it does not reach the target).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

const doc = readFileSync(new URL('../../docs/analysis.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('### POST /v1/analysis/margin'), doc.indexOf('### POST /v1/analysis/margin/compare'));
const [request, summary] = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));

const auth = { authorization: 'Bearer k' };
let rt: TestRuntime;
beforeAll(async () => {
  rt = await testRuntime({
    overrides: { auth: memoryAuthenticator(new Map([['k', { kind: 'tenant', tenantId: 't1', actorId: 'u1', role: 'owner', via: 'api_key' }]])) },
  });
});
afterAll(async () => rt?.close());

const priceAt = async (salePriceKrw: number) => {
  const res = await rt.call('analysis.margin', { headers: auth, query: { view: 'summary' }, body: { ...request, selling: { ...request.selling, salePriceKrw } } });
  expect(res.status).toBe(200);
  return res.body as { profit: number; buyerPaid: number; fees: number };
};

describe('the docs/analysis.md margin example', () => {
  it('finds the request and the answer in the document', () => {
    expect(request).toMatchObject({ saleDate: '2025-06-02', targetMarginPercent: 30 });
    expect(summary).toMatchObject({ landedCost: 7971, profit: 10_440 });
  });

  it('answers the documented summary, field for field', async () => {
    const res = await rt.call('analysis.margin', { headers: auth, query: { view: 'summary' }, body: request });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(summary);
  });

  it('has the documented components in the full view', async () => {
    const res = await rt.call('analysis.margin', { headers: auth, body: request });
    expect(res.status).toBe(200);
    expect(res.body.landed.perUnit).toEqual({ goods: 4465, agentFee: 223, chinaShipping: 57, internationalFreight: 2000, duty: 522, importVat: 704, total: 7971 });
    expect(res.body.landed.shipment).toMatchObject({ volumetricWeightGrams: 50_000, chargeableWeightGrams: 50_000, customsValueKrw: 652_200, dutyKrw: 52_170, importVatKrw: 70_430 });
    expect(res.body.sale.fees.lines.map((l: { amountExVat: number; vat: number }) => [l.amountExVat, l.vat])).toEqual([[543, 54], [538, 54]]);
  });

  it('the break-even price is the lowest that breaks even', async () => {
    expect((await priceAt(8842)).profit).toBe(0);
    expect((await priceAt(8841)).profit).toBe(-1);
  });

  it('the target price is the lowest that reaches 30 %: one won less misses it', async () => {
    const at = await priceAt(14_359);
    expect(at).toMatchObject({ fees: 880, buyerPaid: 17_359, profit: 5208 });
    expect(at.profit).toBeGreaterThanOrEqual(0.3 * at.buyerPaid);
    const below = await priceAt(14_358);
    expect(below).toMatchObject({ fees: 880, buyerPaid: 17_358, profit: 5207 });
    expect(below.profit).toBeLessThan(0.3 * below.buyerPaid);
  });
});
