import * as z from 'zod';
import type { PageRequest, PaymentRecord, PaymentStatus } from '../../core/billing/model.ts';
import { listPayments } from '../../core/billing/subscriptions.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { depsOf, iso, krw } from './schemas.ts';

/** The wire names Toss's status as an open string (Toss may add statuses); core knows the ones billing acts on. */
const tossStatus = (status: PaymentStatus): string => status;

/** The wire shows the masked card as `card` and `approvedAt` as an ISO string. */
const toBillingPaymentBody = (p: PaymentRecord) => ({
  paymentKey: p.paymentKey, orderId: p.orderId, kind: p.kind, orderName: p.orderName, status: tossStatus(p.status), amountKrw: p.amountKrw, balanceKrw: p.balanceKrw,
  card: p.cardNumber, receiptUrl: p.receiptUrl, approvedAt: p.approvedAt?.toISOString() ?? null, subscriptionId: p.subscriptionId,
});

const billingPaymentSchema = schemaOf<ReturnType<typeof toBillingPaymentBody>>()(
  z
    .object({
      paymentKey: z.string(),
      orderId: z.string(),
      kind: z.enum(['initial', 'renewal', 'upgrade', 'refund']),
      orderName: z.string(),
      status: z.string().describe('Toss payment status: DONE, CANCELED, PARTIAL_CANCELED, ...'),
      amountKrw: krw,
      balanceKrw: krw.describe('What remains after refunds'),
      card: z.string().nullable().describe('Masked card number'),
      receiptUrl: z.string().nullable(),
      approvedAt: iso.nullable(),
      subscriptionId: z.string(),
    })
    .meta({ id: 'BillingPayment' }),
);

export const listPaymentsEndpoint = defineEndpoint({
  id: 'billing.listPayments',
  method: 'GET',
  path: '/v1/billing/payments',
  summary: 'Payment history, newest first, with receipt links (cursor-paginated)',
  tags: ['billing'],
  access: 'tenant',
  metered: false,
  query: inputOf<PageRequest>()(
    z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z.string().max(400).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'expected the nextCursor of a previous page').optional().describe('The nextCursor of the previous page (opaque; bound to the tenant)'),
    }),
  ),
  responses: { 200: z.object({ items: z.array(billingPaymentSchema), nextCursor: z.string().nullable() }) },
  run: async ({ query }, ctx) => {
    const page = await listPayments(depsOf(ctx), requireTenant(ctx).tenantId, query);
    return { status: 200, body: { items: page.items.map(toBillingPaymentBody), nextCursor: page.nextCursor } };
  },
});
