import type { Logger } from '@aws-lambda-powertools/logger';
import type { Ports } from '../../core/ports.ts';
import type { LineSink } from './access-log.ts';
import type { InvocationContext, V2Event, V2Result } from './gateway-event.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface HandlerOptions {
  ports: Ports;
  /** Root powertools logger; each request gets a child of it. */
  logger: Logger;
  /** Where access lines go; `null` turns them off (the batch CLI). */
  accessLog: LineSink | null;
  service: string;
  /** Check every response body against its declared schema (tests and development). */
  validateResponses?: boolean;
  maxBodyBytes?: number;
  /** Tracing hooks (absent when tracing is off: the request path then does no tracing work at all). */
  tracing?: RequestTracing;
  /** Request metrics; the recorder runs once per request with the status and duration. */
  metrics?: RequestMetrics;
}

/** What the toolkit tells tracing and metrics about an endpoint. */
export interface EndpointIdentity {
  id: string;
  method: string;
  /** Path template, e.g. `/v1/naver/keywords/{keyword}`. */
  path: string;
}

/** One request's trace, provided by the composition root; the toolkit knows no tracing SDK. */
export interface RequestTrace {
  readonly traceId: string;
  readonly spanId: string;
  /** Runs the handler with this request as the active trace context, so child spans find their parent. */
  run<T>(fn: () => T): T;
  end(outcome: { status: number; requestId: string; tenantId?: string | undefined }): void;
}

export interface RequestTracing {
  startRequest(event: V2Event, endpoint: EndpointIdentity): RequestTrace;
}

export interface RequestMetrics {
  /** Called once per endpoint when its handler is built; the recorder it returns runs once per request. */
  forEndpoint(endpoint: EndpointIdentity): (status: number, durationMs: number) => void;
}

export type HttpHandler = (event: V2Event, context?: InvocationContext) => Promise<V2Result>;
