import * as z from 'zod';
import { createApiKey, listApiKeys, MAX_ACTIVE_KEYS, revokeApiKey } from '../../core/platform/tenants.ts';
import { defineEndpoint, NO_STORE } from '../kit/endpoint.ts';
import { inputOf } from '../kit/schema.ts';
import { requireTenant } from '../kit/tenant.ts';
import { accessDeps, apiKeySchema, keyShownOnce, originOf, replayNote, role, secretKey, toApiKeyBody } from './schemas.ts';

const uuidParam = (message: string) =>
  z.uuid(message).transform((id) => id.toLowerCase()).describe('A UUID; upper- and lower-case letters name the same id');

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
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  }),
  responses: { 200: z.object({ items: z.array(apiKeySchema), nextCursor: z.string().nullable() }).meta({ id: 'ApiKeyPage' }) },
  run: async ({ query }, ctx) => {
    const page = await listApiKeys(accessDeps(ctx), requireTenant(ctx), { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
    return { status: 200, body: { items: page.items.map(toApiKeyBody), nextCursor: page.nextCursor } };
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
  body: inputOf<Parameters<typeof createApiKey>[2]>()(
    z.object({
      name: z.string().trim().min(1, 'must not be blank').max(100),
      role: role.default('member').describe('Rights of the new key; owner keys may manage keys and read the audit log'),
    }),
  ),
  example: { name: 'inventory sync', role: 'member' },
  responses: { 201: z.object({ apiKey: apiKeySchema, key: secretKey, note: replayNote }).meta({ id: 'CreatedApiKey' }) },
  secrets: keyShownOnce,
  audit: { action: 'api_key.create', target: (body: { apiKey: { id: string } }) => `api_key:${body.apiKey.id}` },
  run: async ({ body }, ctx) => {
    const created = await createApiKey(accessDeps(ctx), requireTenant(ctx), body, originOf(ctx), ctx.signal);
    return { status: 201, headers: NO_STORE, body: { apiKey: toApiKeyBody(created.apiKey), key: created.secret } };
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
  run: async ({ params }, ctx) => ({ status: 200, body: toApiKeyBody(await revokeApiKey(accessDeps(ctx), requireTenant(ctx), params.keyId, originOf(ctx), ctx.signal)) }),
});
