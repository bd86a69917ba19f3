import * as z from 'zod';
import { endpoints } from '../handlers/registry.ts';
import { defineEndpoint } from '../handlers/kit/endpoint.ts';
import { runServer } from '../adapters/http/start.ts';

/**
 * The benchmark's server: every real endpoint plus one small POST with a zod-validated JSON body, the same
 * endpoint bench/fastify-server.mjs serves, so both stacks do the same work per request.
 */
export const orderBody = z.object({
  sku: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(1000),
  unitPrice: z.number().int().nonnegative(),
  note: z.string().max(200).optional(),
});

const benchOrder = defineEndpoint({
  id: 'bench.order',
  method: 'POST',
  path: '/bench/orders',
  summary: 'Benchmark: validate an order and price it',
  tags: ['bench'],
  access: 'public',
  body: orderBody,
  responses: { 201: z.object({ sku: z.string(), quantity: z.number(), total: z.number() }) },
  run: async ({ body }) => ({ status: 201, body: { sku: body.sku, quantity: body.quantity, total: body.quantity * body.unitPrice } }),
});

await runServer([...endpoints, benchOrder]);
