/**
 * A per-endpoint Lambda wires the contexts its endpoint's code reads, found as `.<context>` or `['<context>']` in
 * the handlers/ and core/ sources it imports (scripts/lambda-contexts.mjs). A context read another way, by
 * destructuring (`const { naver } = ports`, `({ naver }: Ports) =>`), would be missed and throw only in that Lambda.
 * This keeps such reads out of handlers/ and core/ unless the file also reads the context in the form found.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contexts } from '../../adapters/contexts/index.ts';
import { contextsRead } from '../../scripts/lambda-contexts.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sources = ['handlers', 'core'].flatMap((dir) =>
  readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f)),
);
const names = contexts.map((c) => c.name);

/** Destructuring that binds the name: `{ ..., naver, ... } = x` or a parameter `({ naver }: T)`. */
const destructures = (text: string, name: string): boolean =>
  new RegExp(`\\{[^{}]*\\b${name}\\b[^{}]*\\}\\s*(:[^=;]+)?=\\s*[A-Za-z_$.]+|\\(\\s*\\{[^{}]*\\b${name}\\b[^{}]*\\}\\s*:`).test(text);
const readAsFound = (text: string, name: string): boolean => new RegExp(`(\\.${name}\\b|\\[['"\`]${name}['"\`]\\])`).test(text);

describe('per-endpoint Lambda wiring', () => {
  it('every context is read in handlers/ and core/ in the form the build finds', () => {
    expect(sources.length).toBeGreaterThan(50);
    const missed = sources.flatMap((file) => {
      const text = readFileSync(join(root, file), 'utf8');
      return names.filter((name) => destructures(text, name) && !readAsFound(text, name)).map((name) => `${file}: ${name}`);
    });
    expect(missed).toEqual([]);
  });

  it('the guard itself sees a destructured read, and the build finds a dotted one', async () => {
    expect(destructures('const { naver } = ports;', 'naver')).toBe(true);
    expect(destructures('export const f = ({ clock, naver }: Ports) => naver;', 'naver')).toBe(true);
    expect(readAsFound('const { naver } = ports;', 'naver')).toBe(false);
    expect(await contextsRead(root, { path: 'handlers/naver/keywords.ts', metered: true }, names)).toContain('naver');
    expect(await contextsRead(root, { path: 'handlers/platform/members.ts', metered: false }, names)).not.toContain('naver');
  });
});
