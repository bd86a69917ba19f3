import * as z from 'zod';
import type { ListingChannel, OrderEventRecord, OrderPollResult, PageRequest } from '../../core/inventory/model.ts';
import { listOrderEventsNeedingAttention, pollTenantOrders } from '../../core/inventory/orders.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { channel, depsOf, iso, pageQuery } from './schemas.ts';

const toOrderEventBody = (e: OrderEventRecord) => ({
  channel: e.channel, key: e.key, kind: e.kind, externalId: e.externalId, quantity: e.quantity, orderId: e.orderId, at: e.at.toISOString(), outcome: e.outcome,
  sku: e.sku, shortfall: e.shortfall.map((s) => ({ sku: s.sku, units: s.units })), note: e.note, recordedAt: e.recordedAt.toISOString(),
});

const orderEventSchema = schemaOf<ReturnType<typeof toOrderEventBody>>()(
  z
    .object({
      channel,
      key: z.string().describe('The event\'s key on the channel (applied once per key)'),
      kind: z.enum(['sale', 'cancel', 'return']),
      externalId: z.string().describe('The listing it names'),
      quantity: z.number().int(),
      orderId: z.string().describe('The provider\'s order id (the ledger reference)'),
      at: iso,
      outcome: z.enum(['applied', 'oversold', 'ignored']).describe('oversold: the sale was larger than the free stock; ignored: no listing with that externalId'),
      sku: z.string().nullable(),
      shortfall: z
        .array(z.object({ sku: z.string(), units: z.number().int() }))
        .describe('A sale: units it could not draw from free stock. A cancel or return: units not put back because the sale never drew them'),
      note: z.string().nullable(),
      recordedAt: iso,
    })
    .meta({ id: 'InventoryChannelOrderEvent' }),
);

export const listChannelOrdersEndpoint = defineEndpoint({
  id: 'inventory.listChannelOrders',
  method: 'GET',
  path: '/v1/inventory/channel-orders',
  summary: 'Channel order events that need a look: oversold sales and ignored events, newest first (cursor-paginated)',
  description: 'An oversold sale drew only the free stock; the rest is its shortfall (ship it from new stock and record an adjustment, or cancel the order on the channel).',
  tags: ['inventory'],
  access: 'tenant',
  query: inputOf<PageRequest>()(z.object(pageQuery(200))),
  responses: { 200: z.object({ items: z.array(orderEventSchema), nextCursor: z.string().nullable() }) },
  run: async ({ query }, ctx) => {
    const page = await listOrderEventsNeedingAttention(depsOf(ctx), requireTenant(ctx).tenantId, query);
    return { status: 200, body: { items: page.items.map(toOrderEventBody), nextCursor: page.nextCursor } };
  },
});

const toPollBody = (r: OrderPollResult) => ({
  channel: r.channel, skipped: r.skipped, pages: r.pages, recorded: r.recorded, applied: r.applied,
  oversold: r.oversold.map(toOrderEventBody), ignored: r.ignored.map(toOrderEventBody), caughtUp: r.caughtUp, failure: r.failure,
});

const pollSchema = schemaOf<ReturnType<typeof toPollBody>>()(
  z
    .object({
      channel,
      skipped: z.enum(['leased', 'blocked']).nullable().describe('leased: another process is polling it now; blocked: its connection is missing or refused and unchanged'),
      pages: z.number().int(),
      recorded: z.number().int().describe('New events (a replayed one is not counted)'),
      applied: z.number().int(),
      oversold: z.array(orderEventSchema),
      ignored: z.array(orderEventSchema),
      caughtUp: z.boolean().describe('The feed had no more pages'),
      failure: z
        .object({ kind: z.enum(['rejected', 'no_connection', 'failed']).describe('rejected: credentials refused, renew the connection; failed: retried next poll'), message: z.string() })
        .nullable(),
    })
    .meta({ id: 'InventoryOrderPoll' }),
);

export const pollChannelOrdersEndpoint = defineEndpoint({
  id: 'inventory.pollChannelOrders',
  method: 'POST',
  path: '/v1/inventory/channel-orders/poll',
  summary: 'Read the channels\' new orders now and apply them to stock (each event once)',
  description: 'The server does this every INVENTORY_POLL_EVERY_MS on its own; this runs one poll of the tenant\'s channels with listings.',
  tags: ['inventory'],
  access: 'tenant',
  body: inputOf<{ channels?: ListingChannel[] | undefined }>()(z.object({ channels: z.array(channel).min(1).max(3).optional().describe('Only these channels (default all with listings)') })),
  example: {},
  responses: { 200: z.object({ channels: z.array(pollSchema) }) },
  run: async ({ body }, ctx) => ({ status: 200, body: { channels: (await pollTenantOrders(depsOf(ctx), requireTenant(ctx).tenantId, body, ctx.signal)).map(toPollBody) } }),
});
