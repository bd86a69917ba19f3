import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { validate } from '@readme/openapi-parser';
import { buildOpenApi, openApiYaml } from '../../adapters/openapi.ts';
import { endpoints } from '../../handlers/registry.ts';
import { API_VERSION } from '../../handlers/runtime.ts';
import { testRuntime } from '../helpers/invoke.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const committed = readFileSync(`${root}openapi.yaml`, 'utf8');

describe('openapi.yaml', () => {
  it('matches a fresh generation from the endpoint definitions (run `npm run openapi` after a change)', () => {
    expect(committed).toBe(openApiYaml(buildOpenApi(endpoints)));
  });

  it('is a valid OpenAPI 3.1 document according to an independent validator', async () => {
    const result = await validate(parse(committed));
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('documents every endpoint once, by id, with its semver API version', () => {
    const doc = parse(committed) as { info: { version: string }; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.info.version).toBe(API_VERSION);
    expect(API_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids.sort()).toEqual(endpoints.map((e) => e.id).sort());
  });

  it('is served at /openapi.json and /openapi.yaml', async () => {
    const rt = await testRuntime();
    const json = await rt.call('platform.openapiJson');
    expect(json.headers['content-type']).toMatch(/^application\/vnd\.oai\.openapi\+json/);
    // Served once-encoded: the body parses straight into the document.
    expect(json.body).toEqual(parse(committed));
    const yaml = await rt.call('platform.openapiYaml');
    expect(yaml.body).toBe(committed);
  });
});
