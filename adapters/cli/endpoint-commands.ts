import { readFileSync, writeFileSync } from 'node:fs';
import { endpoints } from '../../handlers/registry.ts';
import { buildOpenApi, openApiYaml } from '../openapi.ts';
import type { Command } from './commands.ts';
import type { RequestSpec } from '../routing/direct.ts';
import { invokeEach, invokeOnce, openBatchFor, pairs, queryPairs, readBody } from './invoke.ts';
import { UsageError } from './usage.ts';

export const routesCommand: Command = {
  name: 'routes',
  summary: 'list every endpoint: method, path, id, access, feature flag',
  usage: 'usage: sellpo routes [--json]',
  options: { json: { type: 'boolean' } },
  run: async ({ values }, io) => {
    const rows = [...endpoints].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
    if (values.json) {
      io.out.write(`${JSON.stringify(rows.map((e) => ({ id: e.id, method: e.method, path: e.path, access: e.access, flag: e.flag ?? null })), null, 2)}\n`);
      return 0;
    }
    const w = (f: (e: (typeof rows)[number]) => string) => Math.max(...rows.map((e) => f(e).length));
    const wm = w((e) => e.method), wp = w((e) => e.path), wi = w((e) => e.id);
    for (const e of rows) {
      io.out.write(`${e.method.padEnd(wm)}  ${e.path.padEnd(wp)}  ${e.id.padEnd(wi)}  ${e.access}${e.flag ? `  flag:${e.flag}` : ''}\n`);
    }
    return 0;
  },
};

const problemDetail = (body: string | undefined): string => {
  try {
    return (JSON.parse(body ?? '') as { detail?: string }).detail ?? '';
  } catch {
    return body ?? '';
  }
};

export const invokeCommand: Command = {
  name: 'invoke',
  summary: 'call one endpoint directly (or once per line of a JSONL file with --each)',
  usage: [
    'usage: sellpo invoke <endpoint-id> [--path k=v]... [--query k=v]... [--header k=v]... [--body @file|-|<json>] [--full]',
    '       sellpo invoke <endpoint-id> --each <events.jsonl|-> [--concurrency N] [same flags as defaults for every line]',
    '',
    '  --full           print {status, headers, body} instead of the body alone',
    '  --each FILE      one request per line: {"path":{},"query":{},"headers":{},"body":...}; one result per line',
    '  --concurrency N  requests in flight in batch mode (1..256, default 16)',
    '',
    'Exit code: 0 when every response is 2xx/3xx, 1 when any is an error (or a batch line was bad), 2 for bad usage.',
    'Credentials: --header authorization="Bearer <key>" or SELLPO_API_KEY in the environment.',
  ].join('\n'),
  options: {
    path: { type: 'string', multiple: true },
    query: { type: 'string', multiple: true },
    header: { type: 'string', multiple: true },
    body: { type: 'string' },
    full: { type: 'boolean' },
    each: { type: 'string' },
    concurrency: { type: 'string' },
  },
  run: async ({ values, positionals }, io) => {
    const [id, ...extra] = positionals;
    if (!id) throw new UsageError('name the endpoint to invoke (see `sellpo routes`)');
    if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const def = endpoints.find((e) => e.id === id);
    if (!def) throw new UsageError(`no endpoint ${JSON.stringify(id)} (see \`sellpo routes\`)`);
    const headers = pairs(values.header as string[] | undefined, '--header');
    const lowered = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const apiKey = process.env.SELLPO_API_KEY;
    if (apiKey && !lowered.authorization) lowered.authorization = `Bearer ${apiKey}`;
    const base: RequestSpec = {
      path: pairs(values.path as string[] | undefined, '--path'),
      query: queryPairs(values.query as string[] | undefined),
      headers: lowered,
      body: readBody(values.body as string | undefined),
    };
    const runtime = await io.runtime();
    const handler = runtime.dispatcher.handlers.get(def.id)!;

    if (values.each !== undefined) {
      const c = values.concurrency === undefined ? 16 : Number(values.concurrency);
      if (!Number.isInteger(c) || c < 1 || c > 256) throw new UsageError(`--concurrency expects an integer from 1 to 256, got ${JSON.stringify(values.concurrency)}`);
      const opening = await openBatchFor(def, runtime.options, base);
      if (opening.kind === 'refused') {
        // Every row would get this same answer: say it once instead of once per row.
        const answer = opening.answer;
        io.err.write(`sellpo: the batch did not run: ${answer.statusCode} ${problemDetail(answer.body)}\n`);
        return 1;
      }
      const session = opening.kind === 'session' ? opening.session : null;
      const summary = await invokeEach(def, handler, { input: values.each as string, out: io.out, progress: io.err, concurrency: c, base, session });
      return summary.errorResponses + summary.badLines === 0 ? 0 : 1;
    }
    if (values.concurrency !== undefined) throw new UsageError('--concurrency only applies with --each');
    const result = await invokeOnce(def, handler, base);
    const isJson = (result.headers?.['content-type'] ?? '').includes('json');
    const body = result.body === undefined || result.body === '' ? null : isJson ? JSON.parse(result.body) : result.body;
    const printed = values.full ? { status: result.statusCode, headers: result.headers ?? {}, body } : body;
    io.out.write(typeof printed === 'string' ? printed : `${JSON.stringify(printed, null, 2)}\n`);
    return result.statusCode < 400 ? 0 : 1;
  },
};

export const openapiCommand: Command = {
  name: 'openapi',
  summary: 'print the OpenAPI 3.1 document, or write/check openapi.yaml',
  usage: 'usage: sellpo openapi [--json] [--write FILE] [--check FILE]\n\n  --check FILE  exit 1 when FILE differs from a fresh generation',
  options: { json: { type: 'boolean' }, write: { type: 'string' }, check: { type: 'string' } },
  run: async ({ values }, io) => {
    const doc = buildOpenApi(endpoints);
    const text = values.json ? `${JSON.stringify(doc, null, 2)}\n` : await openApiYaml(doc);
    if (typeof values.check === 'string') {
      let current = '';
      try {
        current = readFileSync(values.check, 'utf8');
      } catch {
        // a missing file differs
      }
      if (current === text) return 0;
      io.err.write(`${values.check} is out of date: run \`npm run openapi\` and commit the result.\n`);
      return 1;
    }
    if (typeof values.write === 'string') {
      writeFileSync(values.write, text);
      io.err.write(`wrote ${values.write}\n`);
      return 0;
    }
    io.out.write(text);
    return 0;
  },
};
