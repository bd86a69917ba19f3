import * as z from 'zod';
import type { SyncInput, SyncResult } from '../../core/inventory/model.ts';
import { syncChannels } from '../../core/inventory/sync.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { channel, depsOf, iso } from './schemas.ts';

const toSyncBody = (r: SyncResult) => ({ ...r, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt.toISOString() });

const syncSchema = schemaOf<ReturnType<typeof toSyncBody>>()(
  z
    .object({
      startedAt: iso,
      finishedAt: iso,
      listings: z.number().int(),
      pushed: z.number().int().describe('Listings whose sellable quantity changed and was pushed'),
      unchanged: z.number().int().describe('Listings whose channel already had our quantity (not pushed)'),
      drift: z
        .array(z.object({ channel, externalId: z.string(), sku: z.string(), channelQuantity: z.number().int(), ourQuantity: z.number().int() }))
        .describe('Listings whose channel shows other than we say, read back after the pushes'),
      failures: z
        .array(
          z.object({
            channel,
            externalId: z.string().nullable(),
            sku: z.string().nullable(),
            kind: z.enum(['rejected', 'no_connection', 'failed']).describe('rejected: credentials refused, renew the connection; failed: retried by the next sync'),
            message: z.string(),
          }),
        ),
    })
    .meta({ id: 'InventorySyncResult' }),
);

export const syncEndpoint = defineEndpoint({
  id: 'inventory.sync',
  method: 'POST',
  path: '/v1/inventory/sync',
  summary: 'Push each listing\'s changed sellable quantity to its channel, read back, and report drift',
  description: 'Only quantities that differ from the last push are pushed. Calls are paced to each provider\'s rate for the seller.',
  tags: ['inventory'],
  access: 'tenant',
  body: inputOf<SyncInput>()(z.object({ channels: z.array(channel).min(1).max(3).optional().describe('Only these channels (default all)') })),
  example: {},
  responses: { 200: syncSchema },
  run: async ({ body }, ctx) => ({ status: 200, body: toSyncBody(await syncChannels(depsOf(ctx), requireTenant(ctx).tenantId, body, ctx.signal)) }),
});
