import * as z from 'zod';
import { listMembers } from '../../core/platform/tenants.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { requireTenant } from '../kit/tenant.ts';
import { accessDeps, memberSchema, toMemberBody } from './schemas.ts';

export const listMembersEndpoint = defineEndpoint({
  id: 'platform.listMembers',
  method: 'GET',
  path: '/v1/members',
  summary: 'List the tenant\'s members',
  tags: ['platform'],
  access: 'tenant',
  metered: false,
  responses: { 200: z.object({ items: z.array(memberSchema) }) },
  run: async (_input, ctx) => ({ status: 200, body: { items: (await listMembers(accessDeps(ctx), requireTenant(ctx))).map(toMemberBody) } }),
});
