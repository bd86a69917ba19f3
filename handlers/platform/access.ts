/**
 * Tenants, API keys, members and the audit log. Every tenant endpoint reads the tenant from the credential,
 * never from the request, so another tenant's rows cannot be named.
 */
import * as z from 'zod';
import type { Member, Tenant } from '../../core/platform/access.ts';
import { credentialOf, outcomes, type AuditEntry } from '../../core/platform/audit.ts';
import type { Principal } from '../../core/platform/principal.ts';
import {
  actorOf, createApiKey, createTenant, listApiKeys, listMembers, MAX_ACTIVE_KEYS, readAudit, revokeApiKey, type KeyView, type RequestOrigin,
} from '../../core/platform/tenants.ts';
import { defineEndpoint, type EndpointContext, NO_STORE } from '../kit/endpoint.ts';

const role = z.enum(['owner', 'member']);
const iso = z.iso.datetime();

const tenantSchema = z.object({ id: z.string(), name: z.string(), createdAt: iso }).meta({ id: 'Tenant' });
const memberSchema = z
  .object({ id: z.string(), email: z.string(), name: z.string(), role, createdAt: iso })
  .meta({ id: 'Member' });
const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('Public part of the key (sp_live_<prefix>_...), shown so keys can be told apart'),
    role: role.describe('Rights of requests made with this key'),
    memberId: z.string().describe('Member the key acts for'),
    createdAt: iso,
    lastUsedAt: iso.nullable().describe('Updated at most once a minute'),
    revokedAt: iso.nullable(),
  })
  .meta({ id: 'ApiKey' });
const secretKey = z
  .string()
  .describe('The full API key. Shown only in the first answer; only its hash is stored, and a replay (Idempotency-Key) leaves it out.')
  .optional();
const replayNote = z
  .string()
  .describe('Only on a replay of this request (same Idempotency-Key): the key was shown in the first answer only and is not stored.')
  .optional();
/** The new key is shown once: a stored replay leaves it out and says so. */
const keyShownOnce = {
  fields: ['key'],
  note: 'The API key is shown only in the first answer to this request and is not stored. If that answer was lost, revoke this key (DELETE /v1/api-keys/{keyId}) and create another.',
} as const;
const uuidParam = (message: string) =>
  z.uuid(message).transform((id) => id.toLowerCase()).describe('A UUID; upper- and lower-case letters name the same id');
const auditEntrySchema = z
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
    outcome: z.enum(outcomes as ['success', 'failure', 'denied']),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    prevHash: z.string(),
    hash: z.string().describe('sha256 over this entry and prevHash'),
  })
  .meta({ id: 'AuditEntry' });

const one = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (Array.isArray(v) ? v[v.length - 1] : v), schema);

const tenantOut = (t: Tenant) => ({ id: t.id, name: t.name, createdAt: t.createdAt.toISOString() });
const memberOut = (m: Member) => ({ id: m.id, email: m.email, name: m.name, role: m.role, createdAt: m.createdAt.toISOString() });
const keyOut = (k: KeyView) => ({
  id: k.id, name: k.name, prefix: k.prefix, role: k.role, memberId: k.memberId, createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null,
});
const auditOut = (e: AuditEntry) => ({
  id: e.id, seq: e.seq, at: e.at.toISOString(), actor: e.actor, credential: e.credential ?? null, action: e.action, target: e.target,
  requestId: e.requestId, clientRequestId: e.clientRequestId ?? null, sourceIp: e.sourceIp, outcome: e.outcome, details: e.details, prevHash: e.prevHash, hash: e.hash,
});

const originOf = (ctx: EndpointContext): RequestOrigin => ({
  actor: actorOf(ctx.principal),
  credential: credentialOf(ctx.principal),
  requestId: ctx.requestId,
  clientRequestId: ctx.clientRequestId ?? null,
  sourceIp: ctx.sourceIp || null,
});
type TenantPrincipal = Extract<Principal, { kind: 'tenant' }>;
/** The toolkit has checked the access before `run`; this narrows the type. */
const tenantOf = (ctx: EndpointContext): TenantPrincipal => {
  if (ctx.principal.kind !== 'tenant') throw new Error('tenant endpoint reached without a tenant principal');
  return ctx.principal;
};
const deps = (ctx: EndpointContext) => ({ store: ctx.ports.access, clock: ctx.ports.clock });

export const createTenantEndpoint = defineEndpoint({
  id: 'platform.createTenant',
  method: 'POST',
  path: '/v1/admin/tenants',
  summary: 'Create a tenant with its first owner and API key',
  description: 'Platform administrators only. The owner\'s first API key is in this response and nowhere else.',
  tags: ['platform'],
  access: 'admin',
  body: z.object({
    name: z.string().trim().min(1, 'must not be blank').max(200),
    owner: z.object({ email: z.email(), name: z.string().trim().min(1, 'must not be blank').max(200) }),
  }),
  example: { name: '캠핑하우스', owner: { email: 'owner@camping.example', name: '김판매' } },
  responses: {
    201: z
      .object({ tenant: tenantSchema, owner: memberSchema, apiKey: apiKeySchema, key: secretKey, note: replayNote })
      .meta({ id: 'CreatedTenant' }),
  },
  secrets: keyShownOnce,
  audit: { action: 'tenant.create', target: (body: { tenant: { id: string } }) => `tenant:${body.tenant.id}` },
  run: async ({ body }, ctx) => {
    const created = await createTenant(deps(ctx), body, originOf(ctx), ctx.signal);
    return {
      status: 201,
      headers: NO_STORE,
      body: { tenant: tenantOut(created.tenant), owner: memberOut(created.owner), apiKey: keyOut(created.apiKey), key: created.secret },
    };
  },
});

export const listApiKeysEndpoint = defineEndpoint({
  id: 'platform.listApiKeys',
  method: 'GET',
  path: '/v1/api-keys',
  summary: 'List the tenant\'s API keys (prefixes only), newest first',
  description: 'Cursor pagination: pass `nextCursor` back as `cursor`; `null` on the last page.',
  tags: ['platform'],
  access: 'tenant',
  metered: false,
  query: z.object({
    cursor: one(z.string().max(200)).optional(),
    limit: one(z.coerce.number().int().min(1).max(100)).default(50),
  }),
  responses: { 200: z.object({ items: z.array(apiKeySchema), nextCursor: z.string().nullable() }).meta({ id: 'ApiKeyPage' }) },
  run: async ({ query }, ctx) => {
    const page = await listApiKeys(deps(ctx), tenantOf(ctx), { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
    return { status: 200, body: { items: page.items.map(keyOut), nextCursor: page.nextCursor } };
  },
});

export const createApiKeyEndpoint = defineEndpoint({
  id: 'platform.createApiKey',
  method: 'POST',
  path: '/v1/api-keys',
  summary: 'Create an API key (owners only); the key is shown once',
  description: `A tenant holds at most ${MAX_ACTIVE_KEYS} active keys; past that the answer is 409 until a key is revoked.`,
  tags: ['platform'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  body: z.object({
    name: z.string().trim().min(1, 'must not be blank').max(100),
    role: role.default('member').describe('Rights of the new key; owner keys may manage keys and read the audit log'),
  }),
  example: { name: 'inventory sync', role: 'member' },
  responses: { 201: z.object({ apiKey: apiKeySchema, key: secretKey, note: replayNote }).meta({ id: 'CreatedApiKey' }) },
  secrets: keyShownOnce,
  audit: { action: 'api_key.create', target: (body: { apiKey: { id: string } }) => `api_key:${body.apiKey.id}` },
  run: async ({ body }, ctx) => {
    const created = await createApiKey(deps(ctx), tenantOf(ctx), body, originOf(ctx), ctx.signal);
    return { status: 201, headers: NO_STORE, body: { apiKey: keyOut(created.apiKey), key: created.secret } };
  },
});

export const revokeApiKeyEndpoint = defineEndpoint({
  id: 'platform.revokeApiKey',
  method: 'DELETE',
  path: '/v1/api-keys/{keyId}',
  summary: 'Revoke an API key (owners only); takes effect on the next request',
  description: 'The tenant\'s last active owner key cannot be revoked (409): create another owner key first.',
  tags: ['platform'],
  access: 'tenant',
  role: 'owner',
  metered: false,
  params: z.object({ keyId: uuidParam('expected an API key id') }),
  responses: { 200: apiKeySchema },
  run: async ({ params }, ctx) => ({ status: 200, body: keyOut(await revokeApiKey(deps(ctx), tenantOf(ctx), params.keyId, originOf(ctx), ctx.signal)) }),
});

export const listMembersEndpoint = defineEndpoint({
  id: 'platform.listMembers',
  method: 'GET',
  path: '/v1/members',
  summary: 'List the tenant\'s members',
  tags: ['platform'],
  access: 'tenant',
  metered: false,
  responses: { 200: z.object({ items: z.array(memberSchema) }) },
  run: async (_input, ctx) => ({ status: 200, body: { items: (await listMembers(deps(ctx), tenantOf(ctx))).map(memberOut) } }),
});

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
    cursor: one(z.string().max(200)).optional(),
    limit: one(z.coerce.number().int().min(1).max(100)).default(50),
    action: one(z.string().max(100)).optional(),
    actor: one(z.string().max(200)).optional(),
    outcome: one(z.enum(outcomes as ['success', 'failure', 'denied'])).optional(),
    since: one(z.iso.datetime({ offset: true })).optional(),
    until: one(z.iso.datetime({ offset: true })).optional(),
  }),
  responses: { 200: z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() }).meta({ id: 'AuditPage' }) },
  run: async ({ query }, ctx) => {
    const page = await readAudit(
      deps(ctx),
      tenantOf(ctx),
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
    return { status: 200, body: { items: page.items.map(auditOut), nextCursor: page.nextCursor } };
  },
});

export const accessEndpoints = [
  createTenantEndpoint, listApiKeysEndpoint, createApiKeyEndpoint, revokeApiKeyEndpoint, listMembersEndpoint, readAuditEndpoint,
];
