import type middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { anonymous, type Principal } from '../../core/platform/principal.ts';
import type { IdempotencyKey } from '../../core/platform/idempotency.ts';
import type { Ports } from '../../core/ports.ts';
import type { EndpointContext, EndpointInput } from './endpoint.ts';
import type { InvocationContext, V2Event, V2Result } from './gateway-event.ts';
import type { HandlerOptions, RequestTrace } from './options.ts';
import type { FieldError } from './problem.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/**
 * The caller's `x-request-id` when it is a sane token (safe to echo and to log), else undefined. It is kept as
 * the client request id only: the request id that keys logs, problems and audit entries is always the server's.
 */
export const clientRequestIdFrom = (header: string | undefined): string | undefined =>
  header !== undefined && REQUEST_ID.test(header) ? header : undefined;

export interface Caller {
  sourceIp: string;
  headers: Readonly<Record<string, string | undefined>>;
  clientRequestId?: string | undefined;
}

export const callerOf = (event: V2Event | undefined): Caller => ({
  sourceIp: event?.requestContext?.http?.sourceIp ?? '',
  headers: event?.headers ?? {},
  clientRequestId: clientRequestIdFrom(event?.headers?.['x-request-id']),
});

/** The body as the `body` step read it: the parsed JSON with the text problems found in it, or why there is none. */
export type ReadBody = { ok: true; value: unknown; errors: FieldError[] } | { ok: false; error: FieldError };

/**
 * One request's state, made before the pipeline runs and handed to every step as middy's context, so
 * concurrent requests never share it. The use case sees it as its EndpointContext.
 */
export class RequestScope implements EndpointContext {
  /** Made by the server for every request; a caller cannot choose it. */
  readonly requestId: string;
  /** The caller's own sane `x-request-id`: echoed back, logged and audited beside the request id. */
  readonly clientRequestId: string | undefined;
  readonly started = performance.now();
  /** Set by the `admission` step. */
  principal: Principal = anonymous;
  readonly trace: RequestTrace | undefined;
  /** Set by the `body` step when the endpoint takes a body. */
  body: ReadBody | undefined = undefined;
  /** Set by the `validation` step. */
  input: EndpointInput<unknown, unknown, unknown> = { params: {}, query: {}, body: undefined };
  /** The Idempotency-Key this request holds, set by the `idempotency` step until the answer is stored. */
  heldKey: { key: IdempotencyKey; token: string } | undefined = undefined;
  ports: Ports;
  signal: AbortSignal;
  sourceIp: string;
  headers: Readonly<Record<string, string | undefined>>;
  /** Read by middy to answer a timeout before Lambda ends the invocation. */
  readonly getRemainingTimeInMillis: (() => number) | undefined;
  #root: Logger;
  #route: string;
  #log: Logger | undefined;

  constructor(
    requestId: string,
    route: string,
    caller: Caller,
    options: Pick<HandlerOptions, 'logger' | 'ports'>,
    signal: AbortSignal,
    trace?: RequestTrace,
    invocation?: InvocationContext,
  ) {
    this.requestId = requestId;
    this.clientRequestId = caller.clientRequestId;
    this.#route = route;
    this.#root = options.logger;
    this.ports = options.ports;
    this.signal = signal;
    this.sourceIp = caller.sourceIp;
    this.headers = caller.headers;
    this.trace = trace;
    this.getRemainingTimeInMillis = invocation?.getRemainingTimeInMillis;
  }

  // A child logger is a few microseconds to build; most requests never log, so build it on first use.
  get log(): Logger {
    if (!this.#log) {
      const keys: Record<string, string> = { requestId: this.requestId, route: this.#route };
      if (this.clientRequestId) keys.clientRequestId = this.clientRequestId;
      if (this.principal.kind === 'tenant') keys.tenantId = this.principal.tenantId;
      if (this.trace) {
        keys.traceId = this.trace.traceId;
        keys.spanId = this.trace.spanId;
      }
      this.#log = this.#root.createChild({ persistentKeys: keys });
    }
    return this.#log;
  }
}

/** One named step of the request pipeline: a middy middleware over the request's scope. */
export type Step = middy.MiddlewareObj<V2Event, V2Result, Error, RequestScope>;
