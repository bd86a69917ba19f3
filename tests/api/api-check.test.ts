import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { breakingEntry, checkApi } from '../../scripts/api-check.ts';

/** A small hand-made document: one GET answering an object, one POST taking a body. */
const doc = (version: string, edit: (d: any) => void = () => {}) => {
  const d: any = {
    openapi: '3.1.0',
    info: { title: 't', version },
    paths: {
      '/v1/things/{id}': {
        get: {
          operationId: 'things.get',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: {
              description: 'ok',
              content: { 'application/json': { schema: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string' }, name: { type: 'string' } } } } },
            },
          },
        },
      },
      '/v1/things': {
        post: {
          operationId: 'things.create',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, note: { type: 'string' } } } } },
          },
          responses: { 201: { description: 'created' } },
        },
      },
    },
  };
  edit(d);
  return d;
};
const get = (d: any) => d.paths['/v1/things/{id}'].get;
const postBody = (d: any) => d.paths['/v1/things'].post.requestBody.content['application/json'].schema;
const ANNOUNCED = '# Changelog\n\n## Unreleased\n- Breaking: `GET /v1/things/{id}` is removed; cutover 2027-03-01. Use `/v2/things`.\n\n## 0.1.0\n';
const SILENT = '# Changelog\n\n## Unreleased\n- Added things.\n\n## 0.1.0\n- Breaking: something old, 2020-01-01.\n';
const kinds = (released: unknown, current: unknown) => checkApi(released, current, SILENT).changes.map((c) => `${c.kind} ${c.path}`);

describe('api:check classification', () => {
  it('an identical document has no changes and passes', () => {
    const r = checkApi(doc('1.0.0'), doc('1.0.0'), SILENT);
    expect(r.changes).toEqual([]);
    expect(r.failures).toEqual([]);
  });

  it('a new operation, an optional request field and a new response field are not breaking', () => {
    const after = doc('1.1.0', (d) => {
      d.paths['/v1/coupang/orders'] = { get: { operationId: 'coupang.orders', responses: { 200: { description: 'ok' } } } };
      postBody(d).properties.colour = { type: 'string' };
      get(d).responses[200].content['application/json'].schema.properties.colour = { type: 'string' };
    });
    const r = checkApi(doc('1.0.0'), after, SILENT);
    expect(r.changes.length).toBeGreaterThanOrEqual(3);
    expect(r.changes.filter((c) => c.kind === 'breaking')).toEqual([]);
    expect(r.failures).toEqual([]);
  });

  it('a removed operation, a newly required request field and a retyped response field are breaking', () => {
    expect(kinds(doc('1.0.0'), doc('1.0.0', (d) => delete d.paths['/v1/things/{id}']))).toContain('breaking /paths/~1v1~1things~1{id}/get');
    expect(kinds(doc('1.0.0'), doc('1.0.0', (d) => postBody(d).required.push('note')))).toContain('breaking /paths/~1v1~1things/post/requestBody/content/application~1json/schema/required/1');
    const retyped = kinds(doc('1.0.0'), doc('1.0.0', (d) => (get(d).responses[200].content['application/json'].schema.properties.name = { type: 'integer' })));
    expect(retyped.some((k) => k.startsWith('breaking ') && k.includes('/properties/name'))).toBe(true);
    // A request field that also accepts null keeps every caller's request valid.
    const widened = kinds(doc('1.0.0'), doc('1.0.0', (d) => (postBody(d).properties.note = { type: ['string', 'null'] })));
    expect(widened.some((k) => k.startsWith('breaking '))).toBe(false);
  });

  it('a breaking change fails without a major bump and without a Breaking entry naming a date', () => {
    const removed = (v: string) => doc(v, (d) => delete d.paths['/v1/things/{id}']);
    const neither = checkApi(doc('1.4.2'), removed('1.5.0'), SILENT).failures;
    expect(neither).toHaveLength(2);
    expect(neither[0]).toMatch(/need a major version.*make it 2\.0\.0/);
    expect(neither[1]).toMatch(/"Breaking" entry/);
    expect(checkApi(doc('1.4.2'), removed('2.0.0'), SILENT).failures).toEqual([expect.stringMatching(/"Breaking" entry/)]);
    expect(checkApi(doc('1.4.2'), removed('1.5.0'), ANNOUNCED).failures).toEqual([expect.stringMatching(/major version/)]);
    expect(checkApi(doc('1.4.2'), removed('2.0.0'), ANNOUNCED).failures).toEqual([]);
  });

  it('a shared component is judged where it is used: a new response field is fine, a new required request field breaks', () => {
    const withComponent = (v: string, edit: (thing: any) => void = () => {}) =>
      doc(v, (d) => {
        d.components = { schemas: { Thing: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } } };
        get(d).responses[200].content['application/json'].schema = { $ref: '#/components/schemas/Thing' };
        d.paths['/v1/things'].put = {
          operationId: 'things.replace',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          responses: { 204: { description: 'done' } },
        };
        edit(d.components.schemas.Thing);
      });
    const added = checkApi(withComponent('1.0.0'), withComponent('1.1.0', (t) => (t.properties.colour = { type: 'string' })), SILENT);
    expect(added.changes.filter((c) => c.kind === 'breaking')).toEqual([]);
    const required = checkApi(withComponent('1.0.0'), withComponent('1.1.0', (t) => {
      t.properties.colour = { type: 'string' };
      t.required.push('colour');
    }), SILENT);
    expect(required.changes.filter((c) => c.kind === 'breaking').map((c) => c.path)).toEqual([
      '/paths/~1v1~1things/put/requestBody/content/application~1json/schema/required/1',
      '/paths/~1v1~1things/put/requestBody/content/application~1json/schema/properties/colour',
    ]);
  });

  it('a deprecation is reported as such and needs no major version', () => {
    const r = checkApi(doc('1.0.0'), doc('1.0.0', (d) => (get(d).deprecated = true)), SILENT);
    expect(r.changes.map((c) => c.kind)).toEqual(['deprecated']);
    expect(r.failures).toEqual([]);
  });

  it('a version going back fails; a bad document is refused by name', () => {
    expect(checkApi(doc('1.2.0'), doc('1.1.9'), SILENT).failures).toEqual(['info.version went back from 1.2.0 to 1.1.9']);
    expect(() => checkApi(doc('1.0.0'), { swagger: '2.0' }, SILENT)).toThrow('the current document is not an OpenAPI 3 document');
    expect(() => checkApi(doc('v1'), doc('1.0.0'), SILENT)).toThrow('the released document: info.version must be a semantic version like 1.2.3, got "v1"');
  });

  it('the Breaking entry is looked for in the top section only, with a date', () => {
    expect(breakingEntry(ANNOUNCED)).toMatch(/cutover 2027-03-01/);
    expect(breakingEntry(SILENT)).toBeUndefined();
    expect(breakingEntry('## Unreleased\n- Breaking: soon.\n')).toBeUndefined();
  });
});

describe('npm run api:check', () => {
  it('passes on the repository: openapi.yaml against openapi.released.yaml', () => {
    const out = execFileSync(process.execPath, ['scripts/api-check.ts'], { encoding: 'utf8' });
    expect(out).toMatch(/ok: no unannounced breaking change/);
  });

  it('exits 1 on an unannounced breaking change and 2 on a file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-check-'));
    writeFileSync(join(dir, 'released.yaml'), JSON.stringify(doc('1.0.0')));
    writeFileSync(join(dir, 'current.yaml'), JSON.stringify(doc('1.0.0', (d) => delete d.paths['/v1/things'])));
    writeFileSync(join(dir, 'CHANGELOG.md'), SILENT);
    const run = (...args: string[]) => spawnSync(process.execPath, ['scripts/api-check.ts', ...args], { encoding: 'utf8' });
    const failed = run('--released', join(dir, 'released.yaml'), '--current', join(dir, 'current.yaml'), '--changelog', join(dir, 'CHANGELOG.md'));
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/breaking \(1\):\n.*POST \/v1\/things/);
    const missing = run('--released', join(dir, 'nope.yaml'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.yaml: ENOENT/);
    expect(run('--bogus', 'x').status).toBe(2);
  });
});
