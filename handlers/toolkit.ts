/**
 * What drivers need from the handler toolkit, without the endpoint list: a Lambda bundled for a single
 * endpoint imports this and its own definition, not every endpoint.
 */
export { createHandler } from './kit/handler.ts';
export { errorResult, unroutedAnswer, ProblemError } from './kit/errors.ts';
export {
  MAX_BODY_BYTES,
  type HandlerOptions,
  type HttpHandler,
  type EndpointIdentity,
  type RequestMetrics,
  type RequestTrace,
  type RequestTracing,
} from './kit/options.ts';
export { openBatch, type BatchCaller, type BatchOpening, type BatchSession } from './kit/batch.ts';
export { MAX_JSON_DEPTH, parseJson } from './kit/json.ts';
export { problem, problemKinds, problemSchema, problemType, type Problem } from './kit/problem.ts';
export { formatAccessLine, type LineSink } from './kit/access-log.ts';
export type { AnyEndpoint, Deprecation, EndpointDefinition } from './kit/endpoint.ts';
export { checkDeprecation, deprecationLink } from './kit/deprecation.ts';
export { isMetered } from './kit/metering.ts';
export { isIdempotent } from './kit/idempotency.ts';
export type { V2Event, V2Result, InvocationContext } from './kit/gateway-event.ts';

/** OpenAPI `info.version`: semver of the HTTP contract, bumped with every change to it (docs/versioning.md). */
export const API_VERSION = '0.1.0';

/**
 * The oldest `info.version` whose calls this build still answers as documented: raised to the new major's
 * x.0.0 when a breaking change reaches its cutover (its sunset) and the old shape stops being served.
 */
export const OLDEST_API_VERSION = '0.1.0';
