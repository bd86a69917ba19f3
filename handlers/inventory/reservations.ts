import * as z from 'zod';
import type { Reservation, ReserveInput } from '../../core/inventory/model.ts';
import { confirmReservation, getReservation, releaseReservation, reserve } from '../../core/inventory/reservations.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { depsOf, iso, referenceCode, skuCode } from './schemas.ts';

const line = z.object({ sku: z.string(), quantity: z.number().int() });

/** The wire names a reservation by its reference and shows instants as ISO strings. */
const toReservationBody = (r: Reservation) => ({
  reference: r.reference, state: r.state, lines: r.lines, holds: r.holds, expiresAt: r.expiresAt.toISOString(), createdAt: r.createdAt.toISOString(),
  closedAt: r.closedAt?.toISOString() ?? null, releaseCause: r.releaseCause,
});

const reservationSchema = schemaOf<ReturnType<typeof toReservationBody>>()(
  z
    .object({
      reference: z.string(),
      state: z.enum(['held', 'confirmed', 'released']),
      lines: z.array(line).describe('The lines as asked (SKUs or bundles)'),
      holds: z.array(line).describe('What the lines hold of each plain SKU, bundles expanded'),
      expiresAt: iso.describe('When a held reservation is released if not confirmed'),
      createdAt: iso,
      closedAt: iso.nullable(),
      releaseCause: z.enum(['released', 'expired']).nullable(),
    })
    .meta({ id: 'InventoryReservation' }),
);

const referenceParams = z.object({ reference: referenceCode });
const notFound = { 404: problemSchema.describe('The tenant has no reservation with this reference.') };

export const reserveEndpoint = defineEndpoint({
  id: 'inventory.reserve',
  method: 'POST',
  path: '/v1/inventory/reservations',
  summary: 'Hold stock for an order: every line or none',
  description:
    'Lines may name SKUs or bundles (a bundle holds its components). Not enough stock answers 409 with `shortages`: each short SKU with ' +
    'what was asked and what is available. The same reference with the same lines answers the same reservation (200); with other lines, 409.',
  tags: ['inventory'],
  access: 'tenant',
  body: inputOf<ReserveInput>()(
    z.object({
      reference: referenceCode,
      lines: z.array(z.object({ sku: skuCode, quantity: z.number().int().min(1).max(100_000) })).min(1).max(100),
      // The upper bound is the server's INVENTORY_RESERVATION_MAX_SECONDS, checked by the use case, which names it;
      // a fixed bound here would contradict it. int() would refuse 1e308 as an unsafe integer, hiding that bound.
      ttlSeconds: z
        .number()
        .min(10, 'expected at least 10 seconds')
        .refine(Number.isInteger, 'expected whole seconds')
        .meta({ type: 'integer' })
        .optional()
        .describe('How long to hold before the stock goes back on sale, in seconds: at least 10, at most the server\'s INVENTORY_RESERVATION_MAX_SECONDS (default 604800); default INVENTORY_RESERVATION_SECONDS (900)'),
    }),
  ),
  example: { reference: 'order-20260412-0001', lines: [{ sku: 'TENT-SET-2', quantity: 1 }, { sku: 'TENT-001', quantity: 1 }], ttlSeconds: 900 },
  responses: {
    201: reservationSchema,
    200: reservationSchema.describe('The reservation already made with this reference'),
    404: problemSchema.describe('A line names a SKU the tenant does not have (`unknown` lists them).'),
    409: problemSchema.describe('Not enough stock (`shortages`: sku, requested, available), or the reference is already used with other lines.'),
  },
  run: async ({ body }, ctx) => {
    const { tenantId, actorId } = requireTenant(ctx);
    const { reservation, created } = await reserve(depsOf(ctx), tenantId, actorId, body);
    return { status: created ? 201 : 200, body: toReservationBody(reservation) };
  },
});

export const getReservationEndpoint = defineEndpoint({
  id: 'inventory.getReservation',
  method: 'GET',
  path: '/v1/inventory/reservations/{reference}',
  summary: 'A reservation by your reference',
  tags: ['inventory'],
  access: 'tenant',
  params: referenceParams,
  responses: { 200: reservationSchema, ...notFound },
  run: async ({ params }, ctx) => ({ status: 200, body: toReservationBody(await getReservation(depsOf(ctx), requireTenant(ctx).tenantId, params.reference)) }),
});

export const confirmReservationEndpoint = defineEndpoint({
  id: 'inventory.confirmReservation',
  method: 'POST',
  path: '/v1/inventory/reservations/{reference}/confirm',
  summary: 'Turn a held reservation into a sale (its stock leaves onHand); confirming again answers the same',
  tags: ['inventory'],
  access: 'tenant',
  params: referenceParams,
  responses: { 200: reservationSchema, ...notFound, 409: problemSchema.describe('The reservation was released (or expired): its stock is no longer held.') },
  run: async ({ params }, ctx) => {
    const { tenantId, actorId } = requireTenant(ctx);
    return { status: 200, body: toReservationBody(await confirmReservation(depsOf(ctx), tenantId, actorId, params.reference)) };
  },
});

export const releaseReservationEndpoint = defineEndpoint({
  id: 'inventory.releaseReservation',
  method: 'POST',
  path: '/v1/inventory/reservations/{reference}/release',
  summary: 'Give a held reservation\'s stock back; releasing again answers the same',
  tags: ['inventory'],
  access: 'tenant',
  params: referenceParams,
  responses: { 200: reservationSchema, ...notFound, 409: problemSchema.describe('The reservation was confirmed as a sale; record a cancel or return as an adjustment.') },
  run: async ({ params }, ctx) => {
    const { tenantId, actorId } = requireTenant(ctx);
    return { status: 200, body: toReservationBody(await releaseReservation(depsOf(ctx), tenantId, actorId, params.reference)) };
  },
});
