import * as z from 'zod';
import { compareMargins } from '../../core/analysis/compare.ts';
import { CUSTOMS_RULES } from '../../core/analysis/customs.ts';
import { tablesInForce } from '../../core/analysis/fee-tables.ts';
import { computeMargin, computeMarginSummary, kstDate, ROUNDING_RULE } from '../../core/analysis/margin.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { compareRequest, compareResult, feeTablesResult, marginRequest, marginResult, marginSummary } from './schemas.ts';

const example: z.input<typeof marginRequest> = {
  saleDate: '2025-06-02',
  category: 'kitchen',
  purchase: { unitPriceFen: 2350, quantity: 100, agentFeePercent: 5, chinaShippingFen: 3000 },
  exchange: { cnyKrw: 190, usdKrw: 1380, source: 'KEB Hana Bank selling rate', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 4000, minimumChargeKrw: 10_000, unitWeightGrams: 300, unitDimensionsCm: { length: 20, width: 15, height: 10 } },
  customs: { importType: 'bulk', dutyPaidBy: 'seller' },
  selling: { channel: 'naver_smart_store', salePriceKrw: 19_900, shippingFeeKrw: 3000, sellerShippingCostKrw: 3000, packagingKrw: 300, naverTier: 'medium1' },
  targetMarginPercent: 30,
};

/** The request with its sale date, today in Korea when absent; copied only then (most batch rows carry one). */
const withSaleDate = <B extends { saleDate?: string | undefined }>(body: B, clock: Clock): B & { saleDate: string } =>
  body.saleDate === undefined ? { ...body, saleDate: kstDate(clock.now()) } : (body as B & { saleDate: string });

export const margin = defineEndpoint({
  id: 'analysis.margin',
  method: 'POST',
  path: '/v1/analysis/margin',
  summary: 'Landed cost, fees, profit, margin, break-even and target price of one unit',
  description:
    'Prices one unit bought on 1688 and sold on a Korean channel with the fee table in force on `saleDate`. ' +
    'All money is integer won. Rules, rates and the rounding rule: GET /v1/analysis/fee-tables and docs/analysis.md.',
  tags: ['analysis'],
  access: 'tenant',
  pure: true,
  query: z.object({
    view: z.enum(['full', 'summary']).default('full').describe('summary: the headline figures only, for pricing a catalogue in batch'),
  }),
  body: marginRequest,
  example,
  responses: { 200: z.union([marginResult, marginSummary]), 400: problemSchema },
  run: ({ query, body }, { ports }) => {
    const scenario = withSaleDate(body, ports.clock);
    return { status: 200, body: query.view === 'summary' ? computeMarginSummary(scenario) : computeMargin(scenario) };
  },
});

export const marginCompare = defineEndpoint({
  id: 'analysis.marginCompare',
  method: 'POST',
  path: '/v1/analysis/margin/compare',
  summary: 'The same product across channels and order quantities: which earns most',
  description:
    'Computes every (quantity, channel) cell and names the best by total profit of the order, by profit per unit ' +
    'and by ROI. Ties keep the earlier cell in request order (quantities outer, channels inner).',
  tags: ['analysis'],
  access: 'tenant',
  pure: true,
  body: compareRequest,
  example: {
    saleDate: example.saleDate,
    category: example.category,
    purchase: { priceTiers: [{ minQuantity: 2, unitPriceFen: 2500 }, { minQuantity: 100, unitPriceFen: 2350 }, { minQuantity: 500, unitPriceFen: 2100 }] },
    exchange: example.exchange,
    freight: example.freight,
    quantities: [10, 100, 500],
    channels: [
      { channel: 'naver_smart_store', salePriceKrw: 19_900, shippingFeeKrw: 3000, sellerShippingCostKrw: 3000 },
      { channel: 'coupang_wing', salePriceKrw: 19_900, shippingFeeKrw: 3000, sellerShippingCostKrw: 3000 },
      { channel: 'coupang_rocket_growth', salePriceKrw: 21_900 },
    ],
  },
  responses: { 200: compareResult, 400: problemSchema },
  run: ({ body }, { ports }) => {
    const result = compareMargins(withSaleDate(body, ports.clock));
    return { status: 200, body: result };
  },
});

export const feeTables = defineEndpoint({
  id: 'analysis.feeTables',
  method: 'GET',
  path: '/v1/analysis/fee-tables',
  summary: 'Marketplace fee tables and customs rules in force on a date',
  description: 'Every rate with its key (for rateOverrides), VAT flag, base, source and estimate mark.',
  tags: ['analysis'],
  access: 'tenant',
  pure: true,
  query: z.object({ date: z.iso.date().optional().describe('KST calendar day; default today') }),
  responses: { 200: feeTablesResult, 400: problemSchema },
  run: async ({ query }, { ports }) => {
    const date = query.date ?? kstDate(ports.clock.now());
    return {
      status: 200,
      body: {
        date,
        tables: tablesInForce(date).map((t) => ({ ...t, rates: [...t.rates], notes: [...t.notes] })),
        customs: Object.values(CUSTOMS_RULES).filter((r) => r.effectiveFrom <= date),
        rounding: ROUNDING_RULE,
      },
    };
  },
});
