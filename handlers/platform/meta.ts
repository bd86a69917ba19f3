import * as z from 'zod';
import { defineEndpoint } from '../kit/endpoint.ts';

export const meta = defineEndpoint({
  id: 'platform.meta',
  method: 'GET',
  path: '/v1/meta',
  summary: 'Version of the running build and of the API it serves',
  tags: ['platform'],
  access: 'public',
  responses: {
    200: z
      .object({
        service: z.literal('sellpo'),
        version: z.string().describe('Package version of the running build'),
        commit: z.string().describe('Source commit of the build, or "unknown"'),
        builtAt: z.string(),
        apiVersion: z.string().describe('OpenAPI info.version (semver)'),
        node: z.string(),
      })
      .meta({ id: 'Meta' }),
  },
  run: async (_input, { ports }) => ({
    status: 200,
    body: { ...ports.build, service: 'sellpo' as const, node: process.versions.node },
  }),
});

export const openapiJson = defineEndpoint({
  id: 'platform.openapiJson',
  method: 'GET',
  path: '/openapi.json',
  summary: 'This API described in OpenAPI 3.1 (JSON)',
  tags: ['platform'],
  access: 'public',
  responses: { 200: z.string().describe('OpenAPI 3.1 document') },
  run: async (_input, { ports }) => ({
    status: 200,
    body: ports.apiDocument.json(),
    headers: { 'content-type': 'application/vnd.oai.openapi+json;version=3.1', 'cache-control': 'public, max-age=300' },
  }),
});

export const openapiYaml = defineEndpoint({
  id: 'platform.openapiYaml',
  method: 'GET',
  path: '/openapi.yaml',
  summary: 'This API described in OpenAPI 3.1 (YAML)',
  tags: ['platform'],
  access: 'public',
  responses: { 200: z.string().describe('OpenAPI 3.1 document') },
  run: async (_input, { ports }) => ({
    status: 200,
    body: ports.apiDocument.yaml(),
    headers: { 'content-type': 'application/yaml', 'cache-control': 'public, max-age=300' },
  }),
});
