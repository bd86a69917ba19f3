// npm run api:check: compares openapi.yaml with the last released document (openapi.released.yaml), classifies
// each change as breaking or not, and fails when a breaking change lands without a major bump of `info.version`
// and a "Breaking" entry in CHANGELOG.md's top section naming the cutover date (YYYY-MM-DD).
//
//   node scripts/api-check.ts [--released FILE] [--current FILE] [--changelog FILE]
//
// Exit codes: 0 compatible (or breaking and announced), 1 a breaking change not announced, 2 bad input.
// The diff and its classification are api-smart-diff's (OpenAPI rules for requests, responses, parameters and
// schemas, $refs resolved); this file only applies the version policy to its answer.
import { readFileSync } from 'node:fs';
import { apiCompare } from 'api-smart-diff';
import { parse } from 'yaml';

export interface ApiChange {
  kind: 'breaking' | 'non-breaking' | 'deprecated' | 'annotation' | 'unclassified';
  action: string;
  /** JSON path in the current document (the released one for a removal). */
  path: string;
  description: string;
}

export interface ApiCheck {
  releasedVersion: string;
  currentVersion: string;
  changes: ApiChange[];
  /** Why the check fails; empty when it passes. */
  failures: string[];
}

type Doc = { openapi?: unknown; info?: { version?: unknown }; paths?: unknown };

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?$/;

/** Refuses anything that is not an OpenAPI 3 document with a semver `info.version`, naming which one. */
const versionOf = (doc: unknown, name: string): [major: number, minor: number, patch: number, text: string] => {
  const d = doc as Doc;
  if (!d || typeof d !== 'object' || typeof d.openapi !== 'string' || !d.openapi.startsWith('3.')) {
    throw new Error(`${name} is not an OpenAPI 3 document (no "openapi: 3.x" field)`);
  }
  const version = d.info?.version;
  const m = typeof version === 'string' ? SEMVER.exec(version) : null;
  if (!m) throw new Error(`${name}: info.version must be a semantic version like 1.2.3, got ${JSON.stringify(version)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), version as string];
};

/** The lines of CHANGELOG.md's top section (from the first `## ` heading to the next). */
export const topSection = (changelog: string): string[] => {
  const lines = changelog.split('\n');
  const start = lines.findIndex((l) => l.startsWith('## '));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start, end < 0 ? undefined : end);
};

/** A "Breaking" line (a heading or an entry) in the top section that names a cutover date, or undefined. */
export const breakingEntry = (changelog: string): string | undefined =>
  topSection(changelog).find((l) => /\bBreaking\b/.test(l) && /\b\d{4}-\d{2}-\d{2}\b/.test(l));

const pointer = (path: readonly (string | number)[]): string => `/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

const typeSet = (t: unknown): string[] => (Array.isArray(t) ? t.map(String) : [String(t)]);

/**
 * api-smart-diff 1.0 files a replaced `type` inside a response schema as non-breaking (string -> integer
 * included). The policy here: in a response a new type is safe only when it narrows (callers already accept it),
 * in a request or parameter only when it widens (what callers send stays valid). Anything else is breaking.
 */
const retypeKind = (d: { action: unknown; path: readonly (string | number)[]; before?: unknown; after?: unknown }): ApiChange['kind'] | undefined => {
  if (d.action !== 'replace' || d.path.at(-1) !== 'type') return undefined;
  const before = typeSet(d.before);
  const after = typeSet(d.after);
  const inResponse = d.path.includes('responses');
  const safe = inResponse ? after.every((t) => before.includes(t)) : before.every((t) => after.includes(t));
  return safe ? 'non-breaking' : 'breaking';
};

/** Compares two parsed documents under the version policy. Throws on documents that are not OpenAPI 3. */
export const checkApi = (released: unknown, current: unknown, changelog: string): ApiCheck => {
  const [rMajor, rMinor, rPatch, releasedVersion] = versionOf(released, 'the released document');
  const [cMajor, cMinor, cPatch, currentVersion] = versionOf(current, 'the current document');
  const { diffs } = apiCompare(released, current);
  const changes: ApiChange[] = diffs
    // The version itself changes on every release: not a change of the contract. A change inside a component
    // schema is reported again at every operation using it, with the request or response context that decides
    // whether it breaks callers; the context-free copy under /components/schemas is left out (api-smart-diff
    // files an added response field there as breaking).
    .filter((d) => pointer(d.path) !== '/info/version' && !pointer(d.path).startsWith('/components/schemas/'))
    .map((d) => ({ kind: retypeKind(d) ?? (d.type as ApiChange['kind']), action: String(d.action), path: pointer(d.path), description: d.description ?? `${d.action} ${pointer(d.path)}` }));
  const failures: string[] = [];
  const older = cMajor !== rMajor ? cMajor < rMajor : cMinor !== rMinor ? cMinor < rMinor : cPatch < rPatch;
  if (older) {
    failures.push(`info.version went back from ${releasedVersion} to ${currentVersion}`);
  }
  const breaking = changes.filter((c) => c.kind === 'breaking');
  if (breaking.length) {
    if (cMajor <= rMajor) {
      failures.push(`${breaking.length} breaking change(s) need a major version: info.version is ${currentVersion}, released ${releasedVersion}; make it ${rMajor + 1}.0.0 (API_VERSION in handlers/toolkit.ts, then npm run openapi)`);
    }
    if (!breakingEntry(changelog)) {
      failures.push('breaking change(s) need a "Breaking" entry in the top section of CHANGELOG.md naming the cutover date (YYYY-MM-DD) and what callers must change');
    }
  }
  return { releasedVersion, currentVersion, changes, failures };
};

export const formatCheck = (check: ApiCheck): string => {
  const out = [`openapi.yaml ${check.currentVersion} against released ${check.releasedVersion}:`];
  const kinds: ApiChange['kind'][] = ['breaking', 'deprecated', 'non-breaking', 'unclassified', 'annotation'];
  for (const kind of kinds) {
    const of = check.changes.filter((c) => c.kind === kind);
    if (!of.length) continue;
    out.push(`  ${kind} (${of.length}):`);
    for (const c of of.slice(0, kind === 'annotation' ? 10 : undefined)) out.push(`    ${c.description} (${c.path})`);
    if (kind === 'annotation' && of.length > 10) out.push(`    ... ${of.length - 10} more`);
  }
  if (!check.changes.length) out.push('  no changes');
  out.push(check.failures.length ? `FAILED:\n${check.failures.map((f) => `  - ${f}`).join('\n')}` : 'ok: no unannounced breaking change');
  return out.join('\n');
};

const readYaml = (file: string): unknown => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
};

export const main = (argv: string[]): number => {
  const files = { released: 'openapi.released.yaml', current: 'openapi.yaml', changelog: 'CHANGELOG.md' };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.replace(/^--/, '') as keyof typeof files;
    const value = argv[i + 1];
    if (!(name in files) || !argv[i]!.startsWith('--') || value === undefined) {
      process.stderr.write(`api:check: unexpected argument ${JSON.stringify(argv[i])}\nusage: node scripts/api-check.ts [--released FILE] [--current FILE] [--changelog FILE]\n`);
      return 2;
    }
    files[name] = value;
    i++;
  }
  let check: ApiCheck;
  try {
    let changelog: string;
    try {
      changelog = readFileSync(files.changelog, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${files.changelog}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    check = checkApi(readYaml(files.released), readYaml(files.current), changelog);
  } catch (error) {
    process.stderr.write(`api:check: ${(error as Error).message}\n`);
    return 2;
  }
  process.stdout.write(`${formatCheck(check)}\n`);
  return check.failures.length ? 1 : 0;
};

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
