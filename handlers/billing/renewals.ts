import * as z from 'zod';
import type { RenewalSummary } from '../../core/billing/model.ts';
import { renewDue } from '../../core/billing/renewal.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { schemaOf } from '../kit/schema.ts';
import { depsOf } from './schemas.ts';

/** The renewal runner, for admins: `sellpo invoke billing.renewDue` or a scheduled Lambda with an admin key. */
export const renewDueEndpoint = defineEndpoint({
  id: 'billing.renewDue',
  method: 'POST',
  path: '/v1/billing/renewals/run',
  summary: 'Charge every subscription whose period has ended, retry past-due ones, end canceled and exhausted ones',
  description: 'Safe to run from several schedulers at once: subscriptions are claimed with row locks (SKIP LOCKED) and charged once per period.',
  tags: ['billing'],
  access: 'admin',
  query: z.object({
    max: z.coerce.number().int().min(1).max(100_000).optional().describe('Stop after this many subscriptions (bounded invocations)'),
    batch: z.coerce.number().int().min(1).max(500).default(20).describe('Subscriptions claimed per round trip'),
  }),
  responses: {
    200: schemaOf<RenewalSummary>()(
      z
        .object({
          claimed: z.number().int(), charged: z.number().int(), failed: z.number().int(), unknown: z.number().int(),
          expired: z.number().int(), reconciled: z.number().int(), errors: z.number().int(),
        })
        .meta({ id: 'RenewalSummary' }),
    ),
  },
  run: async ({ query }, ctx) => {
    const summary = await renewDue(depsOf(ctx), {
      owner: `runner-${ctx.requestId}`,
      batchSize: query.batch,
      ...(query.max ? { maxSubscriptions: query.max } : {}),
      signal: ctx.signal,
      onError: (subscriptionId, error) => ctx.log.error('renewal failed for a subscription', { subscriptionId, error }),
    });
    if (summary.claimed > 0 || summary.reconciled > 0) ctx.log.info('renewal run', { ...summary });
    return { status: 200, body: summary };
  },
});
