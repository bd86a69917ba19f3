import * as z from 'zod';
import type { ServiceMeta } from '../../core/platform/model.ts';
import { serviceMeta } from '../../core/platform/service.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { schemaOf } from '../kit/schema.ts';

export const metaEndpoint = defineEndpoint({
  id: 'platform.meta',
  method: 'GET',
  path: '/v1/meta',
  summary: 'Version of the running build and of the API it serves',
  tags: ['platform'],
  access: 'public',
  responses: {
    200: schemaOf<ServiceMeta>()(
      z
        .object({
          service: z.literal('sellpo'),
          version: z.string().describe('Package version of the running build'),
          commit: z.string().describe('Source commit of the build, or "unknown"'),
          builtAt: z.string(),
          apiVersion: z.string().describe('OpenAPI info.version (semver)'),
          oldestApiVersion: z.string().describe('The oldest API version still served: calls written against it or any later version of the same major are answered as documented'),
          node: z.string(),
        })
        .meta({ id: 'Meta' }),
    ),
  },
  run: async (_input, { ports }) => ({ status: 200, body: serviceMeta(ports, process.versions.node) }),
});
