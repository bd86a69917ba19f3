import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBody } from './invoke.ts';
import { UsageError } from './usage.ts';

const dir = mkdtempSync(join(tmpdir(), 'sellpo-body-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Buffer | string) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return `@${path}`;
};

describe('--body', () => {
  it('reads JSON from a file, keeping UTF-8 text as written', () => {
    expect(readBody(file('ok.json', '{"sku":"C5","name":"캠핑의자"}'))).toEqual({ sku: 'C5', name: '캠핑의자' });
  });

  it('refuses a file that is not UTF-8, as HTTP does, instead of storing U+FFFD', () => {
    const bad = file('bad.json', Buffer.concat([Buffer.from('{"sku":"C5","name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    expect(() => readBody(bad)).toThrow(UsageError);
    expect(() => readBody(bad)).toThrow(/is not valid UTF-8 text/);
  });

  it('refuses nesting past 64 levels with the limit, not a stack overflow', () => {
    const deep = file('deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(() => readBody(deep)).toThrow(/may nest at most 64 levels deep/);
    expect(readBody(`${'['.repeat(64)}${']'.repeat(64)}`)).toBeInstanceOf(Array);
  });

  it('says which input is not JSON', () => {
    expect(() => readBody('{"sku":')).toThrow(/--body: the --body value is not valid JSON/);
    expect(() => readBody(file('x.json', 'nope'))).toThrow(/x\.json is not valid JSON/);
    expect(() => readBody('@/nonexistent/body.json')).toThrow(/cannot read \/nonexistent\/body\.json: ENOENT/);
  });
});
