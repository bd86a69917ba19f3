/**
 * Shapes shared by the platform's tenant, key, member and audit endpoints. Every tenant endpoint reads the tenant
 * from the credential, never from the request, so another tenant's rows cannot be named.
 */
import * as z from 'zod';
import { credentialOf } from '../../core/platform/audit.ts';
import type { KeyView, Member, RequestOrigin } from '../../core/platform/model.ts';
import { actorOf, type AccessDeps } from '../../core/platform/tenants.ts';
import type { EndpointContext } from '../kit/endpoint.ts';
import { schemaOf } from '../kit/schema.ts';

export const role = z.enum(['owner', 'member']);
export const iso = z.iso.datetime();

/** The wire shows instants as ISO strings and leaves the tenant id out (the caller's own). */
export const toMemberBody = (m: Member) => ({ id: m.id, email: m.email, name: m.name, role: m.role, createdAt: m.createdAt.toISOString() });

export const memberSchema = schemaOf<ReturnType<typeof toMemberBody>>()(
  z.object({ id: z.string(), email: z.string(), name: z.string(), role, createdAt: iso }).meta({ id: 'Member' }),
);

/** The wire shows instants as ISO strings and leaves the tenant id and kind out. */
export const toApiKeyBody = (k: KeyView) => ({
  id: k.id, name: k.name, prefix: k.prefix, role: k.role, memberId: k.memberId, createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null,
});

export const apiKeySchema = schemaOf<ReturnType<typeof toApiKeyBody>>()(
  z
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
    .meta({ id: 'ApiKey' }),
);

export const secretKey = z
  .string()
  .describe('The full API key. Shown only in the first answer; only its hash is stored, and a replay (Idempotency-Key) leaves it out.')
  .optional();
export const replayNote = z
  .string()
  .describe('Only on a replay of this request (same Idempotency-Key): the key was shown in the first answer only and is not stored.')
  .optional();
/** The new key is shown once: a stored replay leaves it out and says so. */
export const keyShownOnce = {
  fields: ['key'],
  note: 'The API key is shown only in the first answer to this request and is not stored. If that answer was lost, revoke this key (DELETE /v1/api-keys/{keyId}) and create another.',
};

/** Who asked, and from where, for the audit entry. */
export const originOf = (ctx: EndpointContext): RequestOrigin => ({
  actor: actorOf(ctx.principal),
  credential: credentialOf(ctx.principal),
  requestId: ctx.requestId,
  clientRequestId: ctx.clientRequestId ?? null,
  sourceIp: ctx.sourceIp || null,
});

export const accessDeps = (ctx: EndpointContext): AccessDeps => ({ store: ctx.ports.access, clock: ctx.ports.clock });
