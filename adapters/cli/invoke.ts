import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { buildV2Event, fillPath } from '../events.ts';
import type { AnyEndpoint, HttpHandler, V2Result } from '../../handlers/runtime.ts';
import { UsageError } from './usage.ts';

/** One request as the CLI takes it: from flags, or from one line of a batch file. */
export interface RequestSpec {
  path?: Record<string, string>;
  query?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  headers?: Record<string, string>;
  body?: unknown;
}

/** `k=v` pairs; the first `=` splits, so values may contain `=`. */
export const pairs = (values: string[] | undefined, flag: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const i = item.indexOf('=');
    if (i <= 0) throw new UsageError(`${flag} expects key=value, got ${JSON.stringify(item)}`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
};

/** Repeated `--query k=v` flags keep every value, like a query string does. */
export const queryPairs = (values: string[] | undefined): Record<string, string | string[]> => {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of (values ?? []).map((item) => Object.entries(pairs([item], '--query'))[0]!)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
};

/** `--body @file`, `--body -` (stdin) or `--body '<json>'`. */
export const readBody = (value: string | undefined): unknown => {
  if (value === undefined) return undefined;
  let text: string;
  let source: string;
  if (value === '-') {
    text = readFileSync(0, 'utf8');
    source = 'standard input';
  } else if (value.startsWith('@')) {
    source = value.slice(1);
    try {
      text = readFileSync(source, 'utf8');
    } catch (error) {
      throw new UsageError(`--body: cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  } else {
    text = value;
    source = 'the --body value';
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--body: ${source} is not valid JSON (${(error as Error).message})`);
  }
};

const toQueryString = (query: RequestSpec['query']): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  return params.toString();
};

/** Calls the endpoint's handler directly with the v2 event an HTTP request would have produced. */
export const invokeOnce = async (def: AnyEndpoint, handler: HttpHandler, spec: RequestSpec): Promise<V2Result> => {
  const pathValues = spec.path ?? {};
  const { path, missing } = fillPath(def.path, pathValues);
  if (missing.length) throw new UsageError(`${def.id} needs path value${missing.length > 1 ? 's' : ''} ${missing.map((m) => `--path ${m}=...`).join(', ')}`);
  const headers: Record<string, string> = { 'user-agent': 'sellpo-cli' };
  for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = v;
  const hasBody = spec.body !== undefined;
  if (hasBody) headers['content-type'] ??= 'application/json';
  const event = buildV2Event({
    method: def.method,
    rawPath: path,
    rawQueryString: toQueryString(spec.query),
    headers,
    ...(hasBody ? { body: JSON.stringify(spec.body) } : {}),
    pathParameters: pathValues,
    routeKey: `${def.method} ${def.path}`,
  });
  return handler(event, {});
};

const specError = (line: unknown): string | null => {
  if (line === null || typeof line !== 'object' || Array.isArray(line)) return 'each line must be a JSON object like {"path":{},"query":{},"headers":{},"body":...}';
  const known = new Set(['path', 'query', 'headers', 'body']);
  const unknown = Object.keys(line).filter((k) => !known.has(k));
  if (unknown.length) return `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (expected path, query, headers, body)`;
  for (const key of ['path', 'query', 'headers'] as const) {
    const v = (line as Record<string, unknown>)[key];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) return `"${key}" must be an object`;
  }
  return null;
};

export interface BatchSummary {
  lines: number;
  ok: number;
  errorResponses: number;
  badLines: number;
  seconds: number;
}

/**
 * Batch mode: one request per input line, one JSON result per output line, in input order. Streams both ways
 * (the file is never loaded whole); a bad line or an error answer is recorded and the run goes on.
 */
export const invokeEach = async (
  def: AnyEndpoint,
  handler: HttpHandler,
  options: { input: string; out: Writable; progress: Writable; concurrency: number; base: RequestSpec },
): Promise<BatchSummary> => {
  const input = options.input === '-' ? process.stdin : createReadStream(options.input);
  const opened = new Promise<void>((resolve, reject) => {
    if (options.input === '-') return resolve();
    input.once('open', () => resolve());
    input.once('error', (error: NodeJS.ErrnoException) => reject(new UsageError(`--each: cannot read ${options.input}: ${error.code ?? error.message}`)));
  });
  await opened;
  const lines = createInterface({ input, crlfDelay: Infinity });
  const started = performance.now();
  const summary: BatchSummary = { lines: 0, ok: 0, errorResponses: 0, badLines: 0, seconds: 0 };
  let buffer = '';
  const flush = async (force: boolean) => {
    if (buffer.length < 64 * 1024 && !force) return;
    const chunk = buffer;
    buffer = '';
    if (!options.out.write(chunk)) await once(options.out, 'drain');
  };
  let lastReport = started;
  const report = (final: boolean) => {
    const now = performance.now();
    if (!final && now - lastReport < 1000) return;
    lastReport = now;
    const rate = Math.round(summary.lines / Math.max((now - started) / 1000, 1e-3));
    options.progress.write(
      `${final ? 'done' : 'progress'}: ${summary.lines} lines, ${summary.ok} ok, ${summary.errorResponses} error responses, ${summary.badLines} bad lines (${rate} lines/s)\n`,
    );
  };

  const run = async (n: number, text: string): Promise<string> => {
    let spec: unknown;
    try {
      spec = JSON.parse(text);
    } catch (error) {
      summary.badLines++;
      return `{"line":${n},"error":${JSON.stringify(`not valid JSON: ${(error as Error).message}`)}}\n`;
    }
    const problem = specError(spec);
    if (problem) {
      summary.badLines++;
      return `{"line":${n},"error":${JSON.stringify(problem)}}\n`;
    }
    const s = spec as RequestSpec;
    const merged: RequestSpec = {
      path: { ...options.base.path, ...s.path },
      query: { ...options.base.query, ...s.query },
      headers: { ...options.base.headers, ...s.headers },
      body: s.body ?? options.base.body,
    };
    try {
      const result = await invokeOnce(def, handler, merged);
      if (result.statusCode < 400) summary.ok++;
      else summary.errorResponses++;
      const json = (result.headers?.['content-type'] ?? '').includes('json');
      const body = result.body === undefined || result.body === '' ? 'null' : json ? result.body : JSON.stringify(result.body);
      return `{"line":${n},"status":${result.statusCode},"body":${body}}\n`;
    } catch (error) {
      summary.badLines++;
      return `{"line":${n},"error":${JSON.stringify((error as Error).message)}}\n`;
    }
  };

  // A window of requests in flight; results are written in input order.
  const window: Promise<string>[] = [];
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    summary.lines++;
    window.push(run(n, text));
    if (window.length >= options.concurrency) {
      buffer += await window.shift()!;
      await flush(false);
      report(false);
    }
  }
  for (const pending of window) buffer += await pending;
  await flush(true);
  summary.seconds = (performance.now() - started) / 1000;
  report(true);
  return summary;
};
