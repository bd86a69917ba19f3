import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createDispatcher } from '../../adapters/routing/dispatch.ts';
import { invokeDirect, type RequestSpec } from '../../adapters/routing/direct.ts';
import { createTracing, remoteContext, type Tracing } from '../../adapters/observability/tracing.ts';
import { tracedDatabase } from '../../adapters/observability/traced-database.ts';
import { tracedFetch } from '../../adapters/observability/traced-fetch.ts';
import type { Database, QueryResult } from '../../adapters/postgres/database.ts';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import type { AnyEndpoint } from '../../handlers/toolkit.ts';
import { parseResult, testRuntime, type TestRuntime } from '../helpers/invoke.ts';

/** A Database that answers every query with one row and records what it was asked. */
const fakeDatabase = (): Database & { statements: string[] } => {
  const statements: string[] = [];
  const db: Database & { statements: string[] } = {
    engine: 'pglite',
    statements,
    query: async <R>(text: string) => {
      statements.push(text);
      if (text.includes('fail')) throw new Error('relation "fail" does not exist');
      return { rows: [{ n: 1 }] as R[], rowCount: 1 } satisfies QueryResult<R>;
    },
    transaction: async (work) => work(db),
    close: async () => {},
  };
  return db;
};

let provider: Server;
let providerUrl: string;
beforeAll(async () => {
  provider = createServer((req, res) => {
    res.writeHead(req.url?.startsWith('/down') ? 503 : 200, { 'content-type': 'application/json', 'x-seen-traceparent': String(req.headers.traceparent ?? '') });
    res.end('{}');
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => provider.close(() => resolve())));

describe('request tracing', () => {
  const exporter = new InMemorySpanExporter();
  const tracing: Tracing = createTracing({ serviceName: 'sellpo-test', serviceVersion: '0.0.0', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const db = tracedDatabase(fakeDatabase(), tracing);
  const call = tracedFetch(tracing, { provider: 'sandbox' });

  const traced = defineEndpoint({
    id: 'test.traced',
    method: 'GET',
    path: '/v1/test/traced/{id}',
    summary: 'queries the database and a provider',
    tags: ['test'],
    access: 'tenant',
    params: z.object({ id: z.string() }),
    responses: { 200: z.object({ rows: z.number() }) },
    run: async ({ params }, ctx) => {
      ctx.log.info('working', { id: params.id });
      const result = await db.transaction(async (tx) => tx.query('SELECT n FROM t WHERE id = $1', [params.id]));
      await call(`${providerUrl}/search?query=secret-keyword`);
      return { status: 200, body: { rows: result.rowCount } };
    },
  });

  let runtime: TestRuntime;
  let invoke: (spec?: RequestSpec) => Promise<ReturnType<typeof parseResult>>;
  beforeAll(async () => {
    runtime = await testRuntime({
      endpoints: [traced as AnyEndpoint],
      overrides: {
        auth: {
          authenticate: async () => ({ kind: 'tenant', tenantId: 't_42', actorId: 'u_7', role: 'owner', via: 'api_key' }),
        },
      },
    });
    const dispatcher = createDispatcher([traced as AnyEndpoint], { ...runtime.options, tracing: tracing.requests });
    invoke = async (spec = {}) =>
      parseResult(await invokeDirect(traced, dispatcher.handlers.get('test.traced')!, { path: { id: 'a1' }, ...spec, headers: { authorization: 'Bearer k', ...spec.headers } }));
  });
  afterAll(async () => {
    await runtime.close();
    await tracing.shutdown();
  });

  const spansOf = (traceId: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);

  it('makes a server span per request with DB and provider spans under it, and puts its ids in every log line', async () => {
    const res = await invoke({ headers: { 'x-request-id': 'req-trace-1' } });
    expect(res.status).toBe(200);
    const access = runtime.captured.access.find((l) => l.clientRequestId === 'req-trace-1')!;
    expect(access.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(access.spanId).toMatch(/^[0-9a-f]{16}$/);
    const logged = runtime.captured.logs.find((l) => l.message === 'working' && l.clientRequestId === 'req-trace-1')!;
    expect(logged.traceId).toBe(access.traceId);
    expect(logged.spanId).toBe(access.spanId);

    const spans = spansOf(access.traceId as string);
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.name).toBe('GET /v1/test/traced/{id}');
    expect(server.spanContext().spanId).toBe(access.spanId);
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/v1/test/traced/a1',
      'http.route': '/v1/test/traced/{id}',
      'http.response.status_code': 200,
      'sellpo.request_id': access.requestId,
      'sellpo.tenant_id': 't_42',
    });

    const transaction = spans.find((s) => s.name === 'transaction')!;
    const select = spans.find((s) => s.name === 'SELECT')!;
    expect(transaction.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(select.parentSpanContext?.spanId).toBe(transaction.spanContext().spanId);
    expect(select.kind).toBe(SpanKind.CLIENT);
    expect(select.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'db.query.text': 'SELECT n FROM t WHERE id = $1', 'db.response.returned_rows': 1 });
    expect(JSON.stringify(select.attributes)).not.toContain('a1');

    const outbound = spans.find((s) => s.name === 'GET' && s.kind === SpanKind.CLIENT)!;
    expect(outbound.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(outbound.attributes).toMatchObject({ 'http.response.status_code': 200, 'sellpo.provider': 'sandbox', 'url.full': `${providerUrl}/search` });
    expect(JSON.stringify(outbound.attributes)).not.toContain('secret-keyword');
  });

  it('continues the caller trace from a traceparent header, and ignores a malformed one', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    await invoke({ headers: { 'x-request-id': 'req-trace-2', traceparent: `00-${traceId}-${parentId}-01` } });
    const access = runtime.captured.access.find((l) => l.clientRequestId === 'req-trace-2')!;
    expect(access.traceId).toBe(traceId);
    const server = spansOf(traceId).find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.parentSpanContext?.spanId).toBe(parentId);

    await invoke({ headers: { 'x-request-id': 'req-trace-3', traceparent: `00-${'0'.repeat(32)}-${parentId}-01` } });
    const fresh = runtime.captured.access.find((l) => l.clientRequestId === 'req-trace-3')!;
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.traceId).not.toBe('0'.repeat(32));
  });

  it('marks failed queries, 5xx provider answers and 5xx requests as errors', async () => {
    const span = tracing.startSpan('job');
    await tracing.withSpan(span, async () => {
      await expect(db.query('SELECT * FROM fail')).rejects.toThrow(/does not exist/);
      expect((await call(`${providerUrl}/down`)).status).toBe(503);
    });
    span.end();
    const spans = spansOf(span.spanContext().traceId);
    const failed = spans.find((s) => s.name === 'SELECT')!;
    expect(failed.status.code).toBe(2);
    expect(failed.attributes['error.type']).toBe('Error');
    const down = spans.find((s) => s.name === 'GET')!;
    expect(down.status.code).toBe(2);
    expect(down.attributes['http.response.status_code']).toBe(503);
  });

  it('sends traceparent to a provider only when asked', async () => {
    const propagating = tracedFetch(tracing, { propagate: true });
    const span = tracing.startSpan('job');
    const [plain, forwarded] = await tracing.withSpan(span, () => Promise.all([call(`${providerUrl}/x`), propagating(`${providerUrl}/x`)]));
    span.end();
    expect(plain.headers.get('x-seen-traceparent')).toBe('');
    expect(forwarded.headers.get('x-seen-traceparent')).toMatch(new RegExp(`^00-${span.spanContext().traceId}-[0-9a-f]{16}-01$`));
  });

  it('parses traceparent by the W3C rules', () => {
    const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(remoteContext(valid, undefined)).not.toBe(remoteContext(undefined, undefined));
    for (const bad of ['', 'garbage', `ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`, `${valid}-extra`, '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`]) {
      expect(remoteContext(bad, undefined), bad).toBe(remoteContext(undefined, undefined));
    }
  });
});

describe('tracing from configuration', () => {
  it('is off by default: no trace ids in access lines', async () => {
    const runtime = await testRuntime();
    try {
      expect(runtime.tracing).toBeUndefined();
      expect(runtime.options.tracing).toBeUndefined();
      await runtime.call('platform.meta');
      expect(runtime.captured.access[0]).not.toHaveProperty('traceId');
    } finally {
      await runtime.close();
    }
  });

  it('closes cleanly when the collector is unreachable, with a warning instead of a crash', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const runtime = await testRuntime({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    expect((await runtime.call('platform.meta')).status).toBe(200);
    await expect(runtime.close()).resolves.toBeUndefined();
    const warning = runtime.captured.logs.find((l) => l.message === 'tracing: spans not exported');
    expect(warning?.problem).toMatch(/ECONNREFUSED|gave up exporting/);
  });

  it('exports spans as OTLP/HTTP JSON to OTEL_EXPORTER_OTLP_ENDPOINT, flushed on close', async () => {
    const received: any[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    try {
      const runtime = await testRuntime({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'sellpo-otlp-test' } });
      await runtime.call('platform.meta', { headers: { 'x-request-id': 'otlp-1' } });
      const traceId = runtime.captured.access[0]!.traceId;
      await runtime.close();
      expect(received.length).toBeGreaterThan(0);
      expect(received[0].path).toBe('/v1/traces');
      expect(received[0].type).toBe('application/json');
      const resourceSpans = received.flatMap((r) => r.body.resourceSpans);
      const service = resourceSpans[0].resource.attributes.find((a: any) => a.key === 'service.name');
      expect(service.value.stringValue).toBe('sellpo-otlp-test');
      const spans = resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
      const span = spans.find((s: any) => s.name === 'GET /v1/meta');
      expect(span.traceId).toBe(traceId);
      const attr = (key: string) => span.attributes.find((a: any) => a.key === key)?.value;
      expect(attr('http.response.status_code')).toEqual({ intValue: 200 });
      expect(attr('sellpo.request_id')?.stringValue).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
  });
});
