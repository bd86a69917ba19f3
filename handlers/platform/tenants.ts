import * as z from 'zod';
import type { Tenant } from '../../core/platform/model.ts';
import { createTenant } from '../../core/platform/tenants.ts';
import { defineEndpoint, NO_STORE } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { accessDeps, apiKeySchema, iso, keyShownOnce, memberSchema, originOf, replayNote, secretKey, toApiKeyBody, toMemberBody } from './schemas.ts';

/** The wire shows `createdAt` as an ISO string. */
const toTenantBody = (t: Tenant) => ({ id: t.id, name: t.name, createdAt: t.createdAt.toISOString() });

const tenantSchema = schemaOf<ReturnType<typeof toTenantBody>>()(z.object({ id: z.string(), name: z.string(), createdAt: iso }).meta({ id: 'Tenant' }));

export const createTenantEndpoint = defineEndpoint({
  id: 'platform.createTenant',
  method: 'POST',
  path: '/v1/admin/tenants',
  summary: 'Create a tenant with its first owner and API key',
  description: 'Platform administrators only. The owner\'s first API key is in this response and nowhere else.',
  tags: ['platform'],
  access: 'admin',
  body: inputOf<Parameters<typeof createTenant>[1]>()(
    z.object({
      name: z.string().trim().min(1, 'must not be blank').max(200),
      owner: z.object({ email: z.email(), name: z.string().trim().min(1, 'must not be blank').max(200) }),
    }),
  ),
  example: { name: '캠핑하우스', owner: { email: 'owner@camping.example', name: '김판매' } },
  responses: {
    201: z
      .object({ tenant: tenantSchema, owner: memberSchema, apiKey: apiKeySchema, key: secretKey, note: replayNote })
      .meta({ id: 'CreatedTenant' }),
  },
  secrets: keyShownOnce,
  audit: { action: 'tenant.create', target: (body: { tenant: { id: string } }) => `tenant:${body.tenant.id}` },
  run: async ({ body }, ctx) => {
    const created = await createTenant(accessDeps(ctx), body, originOf(ctx), ctx.signal);
    return {
      status: 201,
      headers: NO_STORE,
      body: { tenant: toTenantBody(created.tenant), owner: toMemberBody(created.owner), apiKey: toApiKeyBody(created.apiKey), key: created.secret },
    };
  },
});
