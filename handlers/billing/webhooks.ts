import * as z from 'zod';
import type { WebhookReceipt } from '../../core/billing/model.ts';
import { receiveWebhook } from '../../core/billing/webhooks.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { schemaOf } from '../kit/schema.ts';
import { depsOf } from './schemas.ts';

/** Toss reads only the status; the body says whether the event was already queued. */
const toWebhookAckBody = (receipt: WebhookReceipt): { received: true; duplicate: boolean } => ({ received: true, duplicate: receipt.duplicate });

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
  responses: {
    200: schemaOf<ReturnType<typeof toWebhookAckBody>>()(z.object({ received: z.literal(true), duplicate: z.boolean() })),
    413: problemSchema,
    429: problemSchema,
  },
  run: async ({ body }, ctx) => ({ status: 200, body: toWebhookAckBody(await receiveWebhook(depsOf(ctx), { body, source: ctx.sourceIp })) }),
});
