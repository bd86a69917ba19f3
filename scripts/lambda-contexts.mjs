// Which bounded contexts a per-endpoint Lambda wires: those whose ports its endpoint's code reads. An endpoint
// reaches a context only through `ports.<context>` (handlers never import adapters, contexts meet through ports),
// so the reads are found in the sources its module imports, handlers/ and core/ (`.naver`, `['naver']`). A read
// this misses throws at run time, naming the context (adapters/runtime.ts), rather than misbehaving. A metered
// endpoint that does not read billing wires `billing-meter` (adapters/contexts/billing/meter.ts): billing only as
// far as metering reads it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const sources = new Map();

/** The handlers/ and core/ sources a module imports, itself included (relative paths). */
const importedSources = async (root, modulePath) => {
  let found = sources.get(modulePath);
  if (!found) {
    const result = await build({ entryPoints: [modulePath], bundle: true, write: false, metafile: true, packages: 'external', platform: 'node', format: 'esm', logLevel: 'silent', absWorkingDir: root });
    found = Object.keys(result.metafile.inputs).filter((input) => /^(handlers|core)\//.test(input));
    sources.set(modulePath, found);
  }
  return found;
};

/**
 * @param {string} root the project folder
 * @param {{ path: string, metered: boolean }} endpoint its definition's module and whether it is metered
 * @param {readonly string[]} names the contexts that wire themselves (adapters/contexts/index.ts)
 */
export const contextsRead = async (root, endpoint, names) => {
  const text = (await importedSources(root, endpoint.path)).map((file) => readFileSync(join(root, file), 'utf8')).join('\n');
  const read = names.filter((name) => new RegExp(`(\\.${name}\\b|\\[['"\`]${name}['"\`]\\])`).test(text));
  const meterOnly = endpoint.metered && !read.includes('billing');
  // In the composition root's order, the meter in billing's place.
  return names.filter((name) => read.includes(name) || (meterOnly && name === 'billing')).map((name) => (meterOnly && name === 'billing' ? 'billing-meter' : name));
};

/** Where build.mjs imports a context's wiring from: `<name>` from its wire.ts, the meter from billing/meter.ts. */
export const contextModule = (name) =>
  name === 'billing-meter' ? { file: 'adapters/contexts/billing/meter.ts', exportName: 'billingMeter' } : { file: `adapters/contexts/${name}/wire.ts`, exportName: name };
