import * as z from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../adapters/openapi.ts';
import { endpoints } from '../../handlers/registry.ts';
import { checkDeprecation, OLDEST_API_VERSION, API_VERSION } from '../../handlers/toolkit.ts';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

const oldThing = defineEndpoint({
  id: 'test.oldThing',
  method: 'GET',
  path: '/test/old-thing',
  summary: 'A thing scheduled to go',
  tags: ['test'],
  access: 'public',
  deprecated: { since: '2027-01-15', sunset: '2027-07-01', changelog: 'breaking-old-thing-goes-2027-07-01' },
  responses: { 200: z.object({ ok: z.boolean() }) },
  run: () => ({ status: 200, body: { ok: true } }),
});

const renamedField = defineEndpoint({
  id: 'test.renamedField',
  method: 'GET',
  path: '/test/renamed-field',
  summary: 'A field scheduled to go',
  tags: ['test'],
  access: 'public',
  deprecated: { since: '2027-02-01', sunset: '2027-08-01', changelog: 'field-goes', fields: ['total'] },
  responses: { 200: z.object({ totalWon: z.number(), total: z.number().meta({ deprecated: true, description: 'Use totalWon.' }) }) },
  run: () => ({ status: 200, body: { totalWon: 5, total: 5 } }),
});

const current = defineEndpoint({
  id: 'test.current',
  method: 'GET',
  path: '/test/current',
  summary: 'Nothing scheduled',
  tags: ['test'],
  access: 'public',
  responses: { 200: z.object({ ok: z.boolean() }) },
  run: () => ({ status: 200, body: { ok: true } }),
});

let rt: TestRuntime;
beforeAll(async () => {
  rt = await testRuntime({ endpoints: [oldThing, renamedField, current] });
});
afterAll(() => rt.close());

describe('deprecation', () => {
  it('a deprecated endpoint answers with Deprecation (RFC 9745), Sunset (RFC 8594) and a Link to its changelog entry', async () => {
    const res = await rt.call('test.oldThing');
    expect(res.status).toBe(200);
    // 2027-01-15T00:00:00Z is 57 years and 14 days after the epoch: 20833 days (14 leap days in 1970-2026) * 86400.
    expect(res.headers.deprecation).toBe('@1799971200');
    expect(res.headers.sunset).toBe('Thu, 01 Jul 2027 00:00:00 GMT');
    expect(res.headers.link).toBe('</docs/changelog.html#breaking-old-thing-goes-2027-07-01>; rel="deprecation"; type="text/html"');
  });

  it('an endpoint with a deprecated field sends them too; one with nothing scheduled sends none', async () => {
    expect((await rt.call('test.renamedField')).headers.sunset).toBe('Sun, 01 Aug 2027 00:00:00 GMT');
    const plain = await rt.call('test.current');
    expect(plain.headers.deprecation).toBeUndefined();
    expect(plain.headers.sunset).toBeUndefined();
  });

  it('the document marks the operation, or only the field, deprecated, with its dates', () => {
    const doc = buildOpenApi([oldThing, renamedField, current]) as any;
    const old = doc.paths['/test/old-thing'].get;
    expect(old.deprecated).toBe(true);
    expect(old['x-deprecated']).toEqual({ since: '2027-01-15', sunset: '2027-07-01', link: '/docs/changelog.html#breaking-old-thing-goes-2027-07-01' });
    const field = doc.paths['/test/renamed-field'].get;
    expect(field.deprecated).toBeUndefined();
    expect(field.responses[200].content['application/json'].schema.properties.total.deprecated).toBe(true);
    expect(field['x-deprecated'].fields).toEqual(['total']);
    expect(doc.paths['/test/current'].get.deprecated).toBeUndefined();
  });

  it('a listed field its schema does not mark, or bad dates, are refused naming the endpoint', () => {
    const unmarked = { ...renamedField, deprecated: { ...renamedField.deprecated!, fields: ['totalWon'] } };
    expect(() => buildOpenApi([unmarked])).toThrow('test.renamedField: deprecated field(s) totalWon need .meta({ deprecated: true }) in their schema');
    expect(() => checkDeprecation({ ...oldThing, deprecated: { ...oldThing.deprecated!, sunset: '2027-02-30' } })).toThrow('test.oldThing: deprecated.sunset must be a date YYYY-MM-DD, got "2027-02-30"');
    expect(() => checkDeprecation({ ...oldThing, deprecated: { ...oldThing.deprecated!, sunset: '2027-01-01' } })).toThrow('must come after deprecated.since');
  });

  it('every registered deprecation is well formed, and the oldest version served is not newer than the current one', () => {
    for (const def of endpoints) expect(() => checkDeprecation(def)).not.toThrow();
    const [a, b] = [OLDEST_API_VERSION, API_VERSION].map((v) => v.split('.').map(Number));
    expect(a![0]! < b![0]! || (a![0] === b![0] && (a![1]! < b![1]! || (a![1] === b![1] && a![2]! <= b![2]!)))).toBe(true);
  });
});
