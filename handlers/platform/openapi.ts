import * as z from 'zod';
import { renderApiDocument } from '../../core/platform/service.ts';
import { defineEndpoint } from '../kit/endpoint.ts';

const OPENAPI_JSON = 'application/vnd.oai.openapi+json';

export const openapiJsonEndpoint = defineEndpoint({
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
    body: await renderApiDocument(ports, 'json'),
    headers: { 'content-type': `${OPENAPI_JSON};version=3.1`, 'cache-control': 'public, max-age=300' },
  }),
});

export const openapiYamlEndpoint = defineEndpoint({
  id: 'platform.openapiYaml',
  method: 'GET',
  path: '/openapi.yaml',
  summary: 'This API described in OpenAPI 3.1 (YAML)',
  tags: ['platform'],
  access: 'public',
  responses: { 200: z.string().describe('OpenAPI 3.1 document').meta({ contentMediaType: 'application/yaml' }) },
  run: async (_input, { ports }) => ({
    status: 200,
    body: await renderApiDocument(ports, 'yaml'),
    headers: { 'content-type': 'application/yaml', 'cache-control': 'public, max-age=300' },
  }),
});
