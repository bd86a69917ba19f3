/** `/v1/analysis/fee-tables`: the marketplace fee tables and customs rules in force on a day. */
import * as z from 'zod';
import { CHANNELS, kstDate } from '../../core/analysis/fee-tables.ts';
import type { RulesInForce } from '../../core/analysis/model.ts';
import { rulesInForce } from '../../core/analysis/rules-in-force.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { schemaOf } from '../kit/schema.ts';

/** The rules as the wire carries them: core's tables hold read-only lists, the answer plain arrays. */
const toFeeTablesBody = (x: RulesInForce) => ({ ...x, tables: x.tables.map((t) => ({ ...t, rates: [...t.rates], notes: [...t.notes] })) });

const rate = z.object({
  key: z.string(),
  label: z.string(),
  unit: z.enum(['percent', 'won']),
  value: z.number(),
  vatIncluded: z.boolean(),
  base: z.enum(['price_after_discounts', 'price_after_discounts_plus_shipping', 'shipping_fee', 'per_unit']),
  estimate: z.boolean(),
  source: z.string(),
});

const feeTablesResult = schemaOf<ReturnType<typeof toFeeTablesBody>>()(
  z
    .object({
      date: z.string(),
      tables: z.array(
        z.object({
          id: z.string(),
          channel: z.enum(CHANNELS),
          effectiveFrom: z.string(),
          effectiveTo: z.string().nullable(),
          rates: z.array(rate),
          notes: z.array(z.string()),
        }),
      ),
      customs: z.array(
        z.object({
          key: z.string(),
          label: z.string(),
          value: z.number(),
          unit: z.enum(['usd', 'percent', 'won']),
          effectiveFrom: z.string(),
          estimate: z.boolean(),
          source: z.string(),
        }),
      ),
      rounding: z.string(),
    })
    .meta({ id: 'FeeTables' }),
);

export const feeTablesEndpoint = defineEndpoint({
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
  run: async ({ query }, { ports }) => ({ status: 200, body: toFeeTablesBody(rulesInForce(query.date ?? kstDate(ports.clock.now()))) }),
});
