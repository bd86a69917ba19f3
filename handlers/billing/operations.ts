/**
 * The renewal runner's endpoint (admin: run by `sellpo invoke billing.renewDue` or a scheduled Lambda with an
 * admin key) and the Toss webhook receiver.
 */
import * as z from 'zod';
import { renewDue } from '../../core/billing/renewal.ts';
import { receiveWebhook } from '../../core/billing/webhooks.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { depsOf } from './schemas.ts';

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
    200: z
      .object({
        claimed: z.number().int(), charged: z.number().int(), failed: z.number().int(), unknown: z.number().int(),
        expired: z.number().int(), reconciled: z.number().int(), errors: z.number().int(),
      })
      .meta({ id: 'RenewalSummary' }),
  },
  run: async ({ query }, ctx) => {
    const summary = await renewDue(depsOf(ctx), {
      owner: `runner-${ctx.requestId}`,
      batchSize: query.batch,
      ...(query.max ? { maxSubscriptions: query.max } : {}),
      signal: ctx.signal,
      onError: (subscriptionId, error) => ctx.log.error('renewal failed for a subscription', { subscriptionId, error: error as Error }),
    });
    if (summary.claimed > 0 || summary.reconciled > 0) ctx.log.info('renewal run', { ...summary });
    return { status: 200, body: summary };
  },
});

export const tossWebhookEndpoint = defineEndpoint({
  id: 'billing.tossWebhook',
  method: 'POST',
  path: '/v1/billing/webhooks/toss',
  summary: 'Toss Payments webhook: queued and acknowledged; the payment is re-fetched from Toss afterwards, rate-limited per source',
  description:
    'Bodies above 32 KiB answer 413 and are not stored. A replay of an event (same payment, status and last transaction) answers 200 with duplicate: true and costs nothing. A source with 1,000 events still queued answers 429 (Toss retries later). Raw bodies are deleted 30 days after they arrive.',
  tags: ['billing'],
  access: 'webhook',
  body: z.looseObject({ eventType: z.string().min(1).max(100), createdAt: z.string().optional(), data: z.unknown().optional() }),
  example: { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2025-06-01T10:00:00.000000', data: { paymentKey: 'tpk_...', orderId: 'rn-...', status: 'DONE' } },
  responses: { 200: z.object({ received: z.literal(true), duplicate: z.boolean() }), 413: problemSchema, 429: problemSchema },
  run: async ({ body }, ctx) => {
    const receipt = await receiveWebhook(depsOf(ctx), { body, source: ctx.sourceIp });
    return { status: 200, body: { received: true as const, duplicate: receipt.duplicate } };
  },
});
