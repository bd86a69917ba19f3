/**
 * OpenTelemetry tracing: a server span per request, child spans for database queries and outbound provider
 * calls. Loaded only when tracing is on (the composition root imports this module dynamically); when it is
 * off, handlers get no tracing hook and the request path does no tracing work.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  createTraceState,
  diag,
  DiagLogLevel,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { EndpointIdentity, RequestTrace, RequestTracing, V2Event } from '../../handlers/toolkit.ts';

export interface Tracing {
  readonly tracer: Tracer;
  /** The trace context of the current request (or other traced work), else the root context. */
  active(): Context;
  /** Starts a span under the active context; end it yourself. */
  startSpan(name: string, options?: SpanOptions): Span;
  /** Runs `fn` with `span` as the active parent of spans started inside it (across awaits). */
  withSpan<T>(span: Span, fn: () => T): T;
  /** The hook handlers use (HandlerOptions.tracing). */
  readonly requests: RequestTracing;
  /** Exports what is buffered and stops the exporter (runtime close); never rejects, reports failures instead. */
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

export interface TracingOptions {
  serviceName: string;
  serviceVersion: string;
  /** Where spans go; default a batching OTLP/HTTP (JSON) exporter to `endpoint`. */
  spanProcessors?: SpanProcessor[];
  /** OTLP/HTTP collector base URL; spans are posted to `<endpoint>/v1/traces`. */
  endpoint?: string;
  /** Export failures and SDK warnings (at most one line a minute, so an absent collector does not flood the log). */
  onProblem?: (message: string) => void;
  /** How long close waits for the last spans to leave (default 2 s): an absent collector must not hold a stop. */
  shutdownTimeoutMs?: number;
}

// version-traceid-parentid-flags, lowercase hex (W3C Trace Context, level 1).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The caller's trace context from `traceparent`/`tracestate`, or the root context when absent or invalid. */
export const remoteContext = (traceparent: string | undefined, tracestate: string | undefined): Context => {
  if (!traceparent) return ROOT_CONTEXT;
  const m = TRACEPARENT.exec(traceparent.trim());
  // Version ff is forbidden; version 00 has exactly four fields.
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return ROOT_CONTEXT;
  const spanContext = {
    traceId: m[2]!,
    spanId: m[3]!,
    traceFlags: parseInt(m[4]!, 16) & 1,
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  };
  return isSpanContextValid(spanContext) ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
};

export const createTracing = (options: TracingOptions): Tracing => {
  const processors = options.spanProcessors ?? [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: `${(options.endpoint ?? '').replace(/\/+$/, '')}/v1/traces` })),
  ];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.serviceVersion }),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer('sellpo', options.serviceVersion);
  const report = options.onProblem;
  let lastReport = 0;
  const problem = (message: string): void => {
    const now = Date.now();
    if (!report || now - lastReport < 60_000) return;
    lastReport = now;
    report(message);
  };
  if (report) {
    // The SDK reports failed exports through the global diag logger only.
    const toProblem = (message: string, ...args: unknown[]) => problem([message, ...args.map((a) => (a instanceof Error ? a.message : String(a)))].join(' '));
    diag.setLogger({ error: toProblem, warn: toProblem, info: () => {}, debug: () => {}, verbose: () => {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  }
  // Our own context storage rather than a global context manager: two runtimes in one process (tests) stay apart.
  const storage = new AsyncLocalStorage<Context>();
  const active = (): Context => storage.getStore() ?? ROOT_CONTEXT;

  const requests: RequestTracing = {
    startRequest: (event: V2Event, endpoint: EndpointIdentity): RequestTrace => {
      const headers = event.headers ?? {};
      const parent = remoteContext(headers.traceparent, headers.tracestate);
      const span = tracer.startSpan(
        `${endpoint.method} ${endpoint.path}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': endpoint.method,
            'http.route': endpoint.path,
            'url.path': event.rawPath,
            'sellpo.endpoint': endpoint.id,
            'client.address': event.requestContext?.http?.sourceIp ?? '',
          },
        },
        parent,
      );
      const context = trace.setSpan(parent, span);
      const { traceId, spanId } = span.spanContext();
      let ended = false;
      return {
        traceId,
        spanId,
        run: (fn) => storage.run(context, fn),
        end: ({ status, requestId, tenantId }) => {
          if (ended) return;
          ended = true;
          span.setAttribute('http.response.status_code', status);
          span.setAttribute('sellpo.request_id', requestId);
          if (tenantId !== undefined) span.setAttribute('sellpo.tenant_id', tenantId);
          // Server spans are errors for 5xx only; a 4xx is the caller's mistake, not ours.
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
  };

  return {
    tracer,
    active,
    startSpan: (name, spanOptions) => tracer.startSpan(name, spanOptions, active()),
    withSpan: (span, fn) => storage.run(trace.setSpan(active(), span), fn),
    requests,
    shutdown: async () => {
      const limit = options.shutdownTimeoutMs ?? 2_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limit)));
      try {
        const outcome = await Promise.race([provider.shutdown(), timedOut]);
        if (outcome === 'timeout') problem(`gave up exporting the last spans after ${limit} ms`);
      } catch (error) {
        problem(`could not export the last spans: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    },
    forceFlush: () => provider.forceFlush().catch((error: unknown) => problem(`could not export spans: ${(error as Error).message}`)),
  };
};

