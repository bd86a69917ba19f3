import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { admission, admits } from './admission.ts';
import { formatAccessLine } from './access-log.ts';
import type { AnyEndpoint } from './endpoint.ts';
import { problems } from './errors.ts';
import type { V2Event, V2Result } from './gateway-event.ts';
import { idempotency, isIdempotent } from './idempotency.ts';
import { isMetered, metering } from './metering.ts';
import type { HandlerOptions, HttpHandler } from './options.ts';
import { useCase } from './render.ts';
import { callerOf, RequestScope, type Step } from './request.ts';
import { body, validation } from './validation.ts';

/**
 * Turns one endpoint definition into a handler: API Gateway v2 event in, v2 result out. Every driver (router,
 * Lambda, CLI, tests) calls this same function.
 *
 * The request's scope (request id, caller, trace, logger) is opened before the pipeline and closed after it,
 * whichever step answered: the x-request-id header, metrics, the trace's end and the access line. In between,
 * the named steps run in this order; a step an endpoint does not need is left out, so it costs nothing.
 */
export const createHandler = (def: AnyEndpoint, options: HandlerOptions): HttpHandler => {
  const steps: Array<Step | false> = [
    problems, // any failure below answered with its problem
    admits(def) && admission(def, options), // credentials, role, feature flag
    def.body !== undefined && body(options), // the JSON body: size, media type, parse
    validation(def), // path, query, body and data headers against their schemas
    isMetered(def) && metering(def, options), // one call against the tenant's daily budget
    isIdempotent(def) && idempotency(def, options.ports), // replay, or hold the key until the answer is stored
  ];
  // Then the use case, its reply rendered as the v2 result.
  const pipeline = middy<V2Event, V2Result, Error, RequestScope>(useCase(def, options)).use(steps.filter((step) => step !== false));
  const close = closer(def, options);
  const tracing = options.tracing;

  if (!tracing) {
    return (event, context) => {
      const s = new RequestScope(randomUUID(), def.id, callerOf(event), options, context?.signal ?? new AbortController().signal, undefined, context);
      return pipeline(event, s).then((result) => close(event, s, result));
    };
  }
  return (event, context) => {
    const trace = tracing.startRequest(event, def);
    const s = new RequestScope(randomUUID(), def.id, callerOf(event), options, context?.signal ?? new AbortController().signal, trace, context);
    return trace.run(() => pipeline(event, s).then((result) => close(event, s, result)));
  };
};

/** Closes a request's scope: echoes the request id, records metrics, ends the trace and writes the access line. */
const closer = (def: AnyEndpoint, options: HandlerOptions) => {
  const { accessLog, service } = options;
  const record = options.metrics?.forEndpoint(def);
  return (event: V2Event, s: RequestScope, result: V2Result): V2Result => {
    // The caller's own id is echoed when it sent a safe one, else the server's: the problem's instance and the
    // audit entry carry the server's id, the access line both.
    result.headers = { ...result.headers, 'x-request-id': s.clientRequestId ?? s.requestId };
    const trace = s.trace;
    record?.(result.statusCode, performance.now() - s.started);
    trace?.end({ status: result.statusCode, requestId: s.requestId, tenantId: s.principal.kind === 'tenant' ? s.principal.tenantId : undefined });
    if (accessLog) {
      accessLog(
        formatAccessLine(service, {
          requestId: s.requestId,
          clientRequestId: s.clientRequestId,
          method: def.method,
          path: event?.rawPath ?? def.path,
          route: def.id,
          status: result.statusCode,
          durationMs: Math.round((performance.now() - s.started) * 100) / 100,
          sourceIp: s.sourceIp,
          tenantId: s.principal.kind === 'tenant' ? s.principal.tenantId : undefined,
          traceId: trace?.traceId,
          spanId: trace?.spanId,
        }),
      );
    }
    return result;
  };
};
