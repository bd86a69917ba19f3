import * as z from 'zod';
import type { SyncInput, SyncJob, SyncResult } from '../../core/inventory/model.ts';
import { getSyncJob, requestSync } from '../../core/inventory/sync.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { channel, depsOf, iso } from './schemas.ts';
import { problemSchema } from '../kit/problem.ts';

const toSyncBody = (r: SyncResult) => ({ ...r, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt.toISOString() });

const syncSchema = schemaOf<ReturnType<typeof toSyncBody>>()(
  z
    .object({
      startedAt: iso,
      finishedAt: iso,
      listings: z.number().int(),
      pushed: z.number().int().describe('Listings pushed: their sellable quantity changed, or their channel showed more than it'),
      unchanged: z.number().int().describe('Listings whose channel already had our quantity (not pushed)'),
      drift: z
        .array(
          z.object({
            channel,
            externalId: z.string(),
            sku: z.string(),
            channelQuantity: z.number().int(),
            ourQuantity: z.number().int(),
            corrected: z.boolean().describe('A writable channel showed more than we can sell, and ours was pushed over it in this sync'),
          }),
        )
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

const toJobBody = (j: SyncJob) => ({
  id: j.id, state: j.state, channels: j.channels, createdAt: j.createdAt.toISOString(), startedAt: j.startedAt?.toISOString() ?? null,
  finishedAt: j.finishedAt?.toISOString() ?? null, result: j.result ? toSyncBody(j.result) : null, error: j.error,
});

const jobSchema = schemaOf<ReturnType<typeof toJobBody>>()(
  z
    .object({
      id: z.string().describe('The job id: read it at /v1/inventory/sync/{id}'),
      state: z.enum(['queued', 'running', 'done', 'failed']),
      channels: z.array(channel).nullable().describe('The channels asked for (null: all)'),
      createdAt: iso,
      startedAt: iso.nullable(),
      finishedAt: iso.nullable(),
      result: syncSchema.nullable().describe('When done: what was pushed, what drifted, what failed'),
      error: z.string().nullable().describe('When failed: why the sync itself failed (channel failures are in the result)'),
    })
    .meta({ id: 'InventorySyncJob' }),
);

const location = (j: SyncJob) => ({ location: `/v1/inventory/sync/${j.id}` });

export const syncEndpoint = defineEndpoint({
  id: 'inventory.sync',
  method: 'POST',
  path: '/v1/inventory/sync',
  summary: 'Queue a sync: push each listing\'s changed sellable quantity to its channel, read back, report drift',
  description:
    'Answers 202 with the job and its Location; read the result at GET /v1/inventory/sync/{id}. One sync per tenant runs at a time: ' +
    'asked while one is queued or running, it answers that one (202). With `wait: true` the sync runs in the request and answers 200 when done ' +
    '(minutes for thousands of listings at the providers\' rates). Only quantities that differ from the last push are pushed; calls are paced to ' +
    'each provider\'s rate for the seller.',
  tags: ['inventory'],
  access: 'tenant',
  body: inputOf<SyncInput & { wait?: boolean | undefined }>()(
    z.object({
      channels: z.array(channel).min(1).max(3).optional().describe('Only these channels (default all)'),
      wait: z.boolean().optional().describe('Run the sync in the request and answer it done (200)'),
    }),
  ),
  example: {},
  responses: { 200: jobSchema, 202: jobSchema, 503: problemSchema.describe('Syncs cannot be queued on this server') },
  run: async ({ body }, ctx) => {
    const { wait, ...input } = body;
    const { job, created } = await requestSync(depsOf(ctx), requireTenant(ctx).tenantId, input, { wait: wait === true }, ctx.signal);
    if (wait && created) return { status: 200, body: toJobBody(job), headers: location(job) };
    return { status: 202, body: toJobBody(job), headers: location(job) };
  },
});

export const getSyncEndpoint = defineEndpoint({
  id: 'inventory.getSync',
  method: 'GET',
  path: '/v1/inventory/sync/{id}',
  summary: 'A sync job: its state and, when done, its result',
  tags: ['inventory'],
  access: 'tenant',
  params: z.object({ id: z.uuid('expected a sync job id').transform((id) => id.toLowerCase()).describe('The job id POST /v1/inventory/sync answered (a UUID)') }),
  responses: { 200: jobSchema, 404: problemSchema.describe('No sync with this id for your tenant') },
  run: async ({ params }, ctx) => ({ status: 200, body: toJobBody(await getSyncJob(depsOf(ctx), requireTenant(ctx).tenantId, params.id)) }),
});
