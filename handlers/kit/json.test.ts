import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, needsInspection, parseJson } from './json.ts';

const nestedArrays = (depth: number, inner = '1'): string => '['.repeat(depth) + inner + ']'.repeat(depth);

describe('parseJson', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses ${MAX_JSON_DEPTH + 1}`, () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(parseJson(nestedArrays(64))).toMatchObject({ ok: true });
    expect(parseJson(nestedArrays(65))).toMatchObject({ ok: false, reason: 'too_deep' });
    // Objects count as levels too: {"a":{"a":...}}
    const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    expect(parseJson(objects(64))).toMatchObject({ ok: true });
    expect(parseJson(objects(65))).toMatchObject({ ok: false, reason: 'too_deep' });
  });

  it('refuses very deep values without overflowing the stack, with or without prototype keys in the text', () => {
    // 3,000 levels overflowed the recursive prototype-key guard when the text mentioned one of its keys.
    for (const depth of [3_000, 200_000]) {
      expect(parseJson(`{"constructor":1,"x":${nestedArrays(depth)}}`)).toMatchObject({ ok: false, reason: 'too_deep' });
      expect(parseJson(`{"__proto__x":1,"x":${nestedArrays(depth, '{"a":1}')}}`)).toMatchObject({ ok: false, reason: 'too_deep' });
      expect(parseJson(nestedArrays(depth))).toMatchObject({ ok: false, reason: 'too_deep' });
    }
  });

  it('refuses prototype keys at any depth up to the limit', () => {
    expect(parseJson(`{"a":${nestedArrays(60, '{"__proto__":{"admin":true}}')}}`)).toMatchObject({ ok: false, reason: 'forbidden_key' });
    expect(parseJson('{"constructor":{"prototype":{"x":1}}}')).toMatchObject({ ok: false, reason: 'forbidden_key' });
    // A key named constructor is only refused when it carries a prototype.
    expect(parseJson('{"constructor":"Acme"}')).toEqual({ ok: true, value: { constructor: 'Acme' }, errors: [] });
  });

  it('lists every string holding NUL or an unpaired surrogate with its field path', () => {
    const parsed = parseJson('{"name":"a\\u0000b","data":{"tags":["ok","\\ud800"],"k":[{"v":"\\uDC00x"}]},"fine":"\\ud83d\\ude00"}');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.errors.map((e) => `${e.in}:${e.field}:${e.code}`).sort()).toEqual([
      'body:data.k.0.v:invalid_characters',
      'body:data.tags.1:invalid_characters',
      'body:name:invalid_characters',
    ]);
    expect(parsed.errors.find((e) => e.field === 'name')!.message).toMatch(/NUL/);
    expect(parsed.errors.find((e) => e.field === 'data.tags.1')!.message).toMatch(/surrogate/);
  });

  it('reports a bad key on the object that holds it, and a bad top-level string as the body', () => {
    const key = parseJson('{"data":{"a\\u0000":1}}');
    expect(key.ok && key.errors).toEqual([{ in: 'body', field: 'data', code: 'invalid_characters', message: expect.stringMatching(/^has a key that contains a NUL/) }]);
    const top = parseJson('"\\u0000"');
    expect(top.ok && top.errors.map((e) => e.field)).toEqual(['']);
  });

  it('finds unpaired surrogates written raw (not escaped) in the text', () => {
    const parsed = parseJson(`{"name":"x\ud800"}`);
    expect(parsed.ok && parsed.errors.map((e) => e.field)).toEqual(['name']);
  });

  it('accepts what it always did, unwalked', () => {
    expect(parseJson('{"name":"캠핑의자","price":39000,"tags":["a"]}')).toEqual({ ok: true, value: { name: '캠핑의자', price: 39000, tags: ['a'] }, errors: [] });
    expect(parseJson('{"name":')).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('needsInspection', () => {
  it('is true for every text parseJson could refuse or report on', () => {
    expect(needsInspection('{"name":"x"}')).toBe(false);
    expect(needsInspection('{"__proto__":{}}')).toBe(true);
    expect(needsInspection('{"a":"\\u0000"}')).toBe(true);
    expect(needsInspection('{"a":"\\uD800"}')).toBe(true);
    expect(needsInspection(`{"a":"\ud800"}`)).toBe(true);
    expect(needsInspection(nestedArrays(64))).toBe(false);
    expect(needsInspection(nestedArrays(65))).toBe(true);
  });

  it('looks at each suspect pattern on its own, and only at escapes that may decode to NUL or a surrogate', () => {
    expect(needsInspection('{"constructor":{"prototype":{}}}')).toBe(true);
    expect(needsInspection('{"a":"constructor"}')).toBe(true);
    expect(needsInspection('{"a":"\\udc00"}')).toBe(true);
    expect(needsInspection('{"a":"\\u0041 \\u00e9 \\uE000"}')).toBe(false);
    expect(needsInspection('{"a":"\\\\u0000"}')).toBe(true);
    expect(needsInspection('{"__proto":1,"constructo":2}')).toBe(false);
  });
});
