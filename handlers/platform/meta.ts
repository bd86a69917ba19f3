import * as z from 'zod';
import { defineEndpoint } from '../kit/endpoint.ts';

const OPENAPI_JSON = 'application/vnd.oai.openapi+json';

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
  responses: {
    // Sent pre-encoded (a string) as this media type; the document describes the decoded JSON.
    200: z.string().describe('OpenAPI 3.1 document').meta({
      contentMediaType: OPENAPI_JSON,
      contentSchema: { type: 'object', required: ['openapi', 'info', 'paths'] },
    }),
  },
  run: async (_input, { ports }) => ({
    status: 200,
    body: ports.apiDocument.json(),
    headers: { 'content-type': `${OPENAPI_JSON};version=3.1`, 'cache-control': 'public, max-age=300' },
  }),
});

export const openapiYaml = defineEndpoint({
  id: 'platform.openapiYaml',
  method: 'GET',
  path: '/openapi.yaml',
  summary: 'This API described in OpenAPI 3.1 (YAML)',
  tags: ['platform'],
  access: 'public',
  responses: { 200: z.string().describe('OpenAPI 3.1 document').meta({ contentMediaType: 'application/yaml' }) },
  run: async (_input, { ports }) => ({
    status: 200,
    body: ports.apiDocument.yaml(),
    headers: { 'content-type': 'application/yaml', 'cache-control': 'public, max-age=300' },
  }),
});
