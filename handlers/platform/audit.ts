import * as z from 'zod';
import { outcomes, type AuditEntry } from '../../core/platform/model.ts';
import { readAudit } from '../../core/platform/tenants.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { schemaOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { accessDeps, iso, originOf } from './schemas.ts';

/** The wire shows instants as ISO strings and the optional fields of older entries as null. */
const toAuditEntryBody = (e: AuditEntry) => ({
  id: e.id, seq: e.seq, at: e.at.toISOString(), actor: e.actor, credential: e.credential ?? null, action: e.action, target: e.target,
  requestId: e.requestId, clientRequestId: e.clientRequestId ?? null, sourceIp: e.sourceIp, outcome: e.outcome, details: e.details, prevHash: e.prevHash, hash: e.hash,
});

const auditEntrySchema = schemaOf<ReturnType<typeof toAuditEntryBody>>()(
  z
    .object({
      id: z.string(),
      seq: z.number().int().positive().describe('Position in the tenant\'s hash chain'),
      at: iso,
      actor: z.string().describe('member:<id>, admin:<id>, cli or anonymous'),
      credential: z
        .object({
          via: z.enum(['api_key', 'jwt']),
          keyId: z.string().nullable(),
          keyPrefix: z.string().nullable(),
          role: z.enum(['owner', 'member', 'admin']).describe('Role the credential carried'),
        })
        .nullable()
        .describe('The credential the actor presented (null for cli, anonymous and entries made before it was recorded)'),
      action: z.string(),
      target: z.string().nullable(),
      requestId: z.string().nullable().describe("The server's id of the request"),
      clientRequestId: z.string().nullable().describe('The x-request-id the caller sent, if any'),
      sourceIp: z.string().nullable(),
      outcome: z.enum(outcomes),
      details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
      prevHash: z.string(),
      hash: z.string().describe('sha256 over this entry and prevHash'),
    })
    .meta({ id: 'AuditEntry' }),
);

export const readAuditEndpoint = defineEndpoint({
  id: 'platform.readAudit',
  method: 'GET',
  path: '/v1/audit',
  summary: 'Read the tenant\'s audit log, newest first (owners only)',
  description: 'Cursor pagination: pass `nextCursor` back as `cursor`. Filters combine with AND.',
  tags: ['platform'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  query: z.object({
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    action: z.string().max(100).optional(),
    actor: z.string().max(200).optional(),
    outcome: z.enum(outcomes).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  }),
  responses: { 200: z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() }).meta({ id: 'AuditPage' }) },
  run: async ({ query }, ctx) => {
    const page = await readAudit(
      accessDeps(ctx),
      requireTenant(ctx),
      {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.actor ? { actor: query.actor } : {}),
        ...(query.outcome ? { outcome: query.outcome } : {}),
        ...(query.since ? { since: new Date(query.since) } : {}),
        ...(query.until ? { until: new Date(query.until) } : {}),
      },
      originOf(ctx),
    );
    return { status: 200, body: { items: page.items.map(toAuditEntryBody), nextCursor: page.nextCursor } };
  },
});
