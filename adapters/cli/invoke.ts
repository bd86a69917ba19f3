import { isUtf8 } from 'node:buffer';
import { closeSync, createReadStream, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { fillPath } from '../routing/build-event.ts';
import { directEvent, missingPathMessage, requestHeaders, toQueryString, type RequestSpec } from '../routing/direct.ts';
import { MAX_JSON_DEPTH, openBatch, parseJson, type AnyEndpoint, type BatchOpening, type BatchSession, type HandlerOptions, type HttpHandler, type V2Result } from '../../handlers/toolkit.ts';
import { UsageError } from './usage.ts';

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
  if (value === '-' || value.startsWith('@')) {
    source = value === '-' ? 'standard input' : value.slice(1);
    let bytes: Buffer;
    try {
      bytes = readFileSync(value === '-' ? 0 : source);
    } catch (error) {
      throw new UsageError(`--body: cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    // Read as bytes: decoding would turn bytes that are not UTF-8 into U+FFFD and store them so, where HTTP refuses them.
    if (!isUtf8(bytes)) throw new UsageError(`--body: ${source} is not valid UTF-8 text`);
    text = bytes.toString('utf8');
  } else {
    text = value;
    source = 'the --body value';
  }
  return parsedBody(text, `--body: ${source}`);
};

/** The JSON of a body, refused as HTTP refuses it (too deep, forbidden keys) with `where` in the message. */
const parsedBody = (text: string, where: string): unknown => {
  const parsed = parseJson(text);
  if (parsed.ok) return parsed.value;
  throw new UsageError(parsed.reason === 'malformed' ? `${where} is not valid JSON (${parsed.message})` : `${where}: ${parsed.message}`);
};

/** Calls the endpoint's handler directly with the v2 event an HTTP request would have produced. */
export const invokeOnce = async (def: AnyEndpoint, handler: HttpHandler, spec: RequestSpec): Promise<V2Result> => {
  const request = directEvent(def, spec);
  if (request.missing) throw new UsageError(missingPathMessage(def, request.missing));
  return handler(request.event, {});
};

const SPEC_KEYS = new Set(['path', 'query', 'headers', 'body']);
const SPEC_PARTS = ['path', 'query', 'headers'] as const;

const specError = (line: unknown): string | null => {
  if (line === null || typeof line !== 'object' || Array.isArray(line)) return 'each line must be a JSON object like {"path":{},"query":{},"headers":{},"body":...}';
  let unknown: string[] | undefined;
  for (const k in line) if (!SPEC_KEYS.has(k)) (unknown ??= []).push(k);
  if (unknown) return `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (expected path, query, headers, body)`;
  for (const key of SPEC_PARTS) {
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
  /** Rows answered by the batch session rather than one request each. */
  inSession: number;
  seconds: number;
}

/**
 * A batch session for the rows that carry only a body, when the base request allows one (see handlers/kit/
 * batch.ts). Rows that bring their own path, query or headers always take the per-request path.
 */
export const openBatchFor = async (def: AnyEndpoint, options: HandlerOptions, base: RequestSpec): Promise<BatchOpening> => {
  const { path, missing } = fillPath(def.path, base.path ?? {});
  if (missing.length > 0) return { kind: 'per_request', reason: 'the rows bring their own path values' };
  return openBatch(def, options, { headers: requestHeaders(base), rawQueryString: toQueryString(base.query), pathParameters: base.path ?? {}, rawPath: path });
};

const READ_BYTES = 64 * 1024;

/** Lines (LF; the caller drops a CR) from text pieces, carrying a partial last line over to the next piece. */
async function* splitLines(pieces: AsyncIterable<string>): AsyncGenerator<string[]> {
  let rest = '';
  for await (const piece of pieces) {
    const lines = (rest + piece).split('\n');
    rest = lines.pop()!;
    yield lines;
  }
  if (rest !== '') yield [rest];
}

/**
 * A regular file read in 64 KiB pieces with readSync: a read stream's per-piece machinery cost more than
 * reading itself (0.38 s against 0.15 s for 630 MB). Larger pieces are worse: strings above V8's regular object
 * size outlive young-generation collections. The event loop gets a turn every 16 pieces (timers, signals).
 */
async function* filePieces(fd: number): AsyncGenerator<string> {
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  const decoder = new StringDecoder('utf8');
  try {
    for (let n = 1; ; n++) {
      const read = readSync(fd, buffer, 0, READ_BYTES, null);
      if (read === 0) break;
      yield decoder.write(buffer.subarray(0, read));
      if (n % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const tail = decoder.end();
    if (tail) yield tail;
  } finally {
    closeSync(fd);
  }
}

/** The lines of `--each`'s input: a regular file read directly, anything else (stdin, a pipe) as a stream. */
const inputLines = (input: string): AsyncGenerator<string[]> => {
  if (input === '-') {
    process.stdin.setEncoding('utf8');
    return splitLines(process.stdin as AsyncIterable<string>);
  }
  let fd: number;
  try {
    fd = openSync(input, 'r');
  } catch (error) {
    throw new UsageError(`--each: cannot read ${input}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const stat = fstatSync(fd);
  if (stat.isFile()) return splitLines(filePieces(fd));
  if (stat.isDirectory()) {
    closeSync(fd);
    throw new UsageError(`--each: cannot read ${input}: EISDIR (a directory; name a JSONL file, or - for standard input)`);
  }
  // A pipe (`--each <(gunzip -c skus.jsonl.gz)`): read the descriptor already open; opening it again would wait
  // for a writer that has come and gone.
  const stream = createReadStream('', { fd, encoding: 'utf8', highWaterMark: READ_BYTES });
  return splitLines(stream as AsyncIterable<string>);
};

/**
 * Batch mode: one request per input line, one JSON result per output line, in input order. Streams both ways
 * (the file is never loaded whole); a bad line or an error answer is recorded and the run goes on. Rows the
 * session answers are priced synchronously; the others run through the handler, up to `concurrency` at once.
 */
export const invokeEach = async (
  def: AnyEndpoint,
  handler: HttpHandler,
  options: { input: string; out: Writable; progress: Writable; concurrency: number; base: RequestSpec; session?: BatchSession | null },
): Promise<BatchSummary> => {
  const lines = inputLines(options.input);
  const session = options.session ?? null;
  const started = performance.now();
  const summary: BatchSummary = { lines: 0, ok: 0, errorResponses: 0, badLines: 0, inSession: 0, seconds: 0 };
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

  const bad = (n: number, message: string): string => {
    summary.badLines++;
    return `{"line":${n},"error":${JSON.stringify(message)}}\n`;
  };
  const answered = (n: number, result: V2Result): string => {
    if (result.statusCode < 400) summary.ok++;
    else summary.errorResponses++;
    const json = (result.headers?.['content-type'] ?? '').includes('json');
    const body = result.body === undefined || result.body === '' ? 'null' : json ? result.body : JSON.stringify(result.body);
    return `{"line":${n},"status":${result.statusCode},"body":${body}}\n`;
  };
  const perRequest = async (n: number, s: RequestSpec): Promise<string> => {
    const merged: RequestSpec = {
      path: { ...options.base.path, ...s.path },
      query: { ...options.base.query, ...s.query },
      headers: { ...options.base.headers, ...s.headers },
      body: s.body !== undefined ? s.body : options.base.body,
    };
    try {
      return answered(n, await invokeOnce(def, handler, merged));
    } catch (error) {
      // Rebuilding the request of a line nested past any limit overflows the stack before the handler refuses it.
      if (error instanceof RangeError && /call stack/.test(error.message)) return bad(n, `the request nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep`);
      return bad(n, (error as Error).message);
    }
  };

  /** One line's output, or a promise of it when the row runs asynchronously. */
  const row = (n: number, text: string): string | Promise<string> => {
    let spec: unknown;
    try {
      spec = JSON.parse(text);
    } catch (error) {
      return bad(n, `not valid JSON: ${(error as Error).message}`);
    }
    const problem = specError(spec);
    if (problem) return bad(n, problem);
    const s = spec as RequestSpec;
    if (session && s.body !== undefined && s.path === undefined && s.query === undefined && s.headers === undefined) {
      const result = session.answer(s.body, n, text);
      if (result !== null) {
        summary.inSession++;
        return result instanceof Promise ? result.then((r) => answered(n, r), (error: Error) => bad(n, error.message)) : answered(n, result);
      }
    }
    return perRequest(n, s);
  };

  // Outputs in input order: ready strings go straight to the buffer while nothing is pending before them.
  const window: Array<string | Promise<string>> = [];
  let n = 0;
  for await (const piece of lines) {
    for (const raw of piece) {
      n++;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.trim() === '') continue;
      summary.lines++;
      const out = row(n, text);
      if (window.length === 0 && typeof out === 'string') {
        buffer += out;
        continue;
      }
      window.push(out);
      while (window.length >= options.concurrency || (window.length > 0 && typeof window[0] === 'string')) buffer += await window.shift()!;
    }
    await flush(false);
    report(false);
  }
  for (const pending of window) buffer += await pending;
  await flush(true);
  summary.seconds = (performance.now() - started) / 1000;
  report(true);
  return summary;
};
