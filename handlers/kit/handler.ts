import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import type * as z from 'zod';
import { DomainError, isDomainError } from '../../core/shared/errors.ts';
import { anonymous, type AuthFailure, type Principal, type Throttle } from '../../core/platform/principal.ts';
import { hasRole } from '../../core/platform/access.ts';
import type { Ports } from '../../core/ports.ts';
import type { AnyEndpoint, EndpointContext } from './endpoint.ts';
import type { InvocationContext, V2Event, V2Result } from './gateway-event.ts';
import { formatAccessLine, type LineSink } from './access-log.ts';
import { parseJson, MAX_JSON_DEPTH, textProblem } from './json.ts';
import { safeParser } from './fast-parse.ts';
import { withIdempotency } from './idempotency.ts';
import { problem, problemKeyFor, type FieldError, type Problem, type ProblemKey } from './problem.ts';

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

/** A request that failed before the use case ran, carrying the problem to answer with. */
export class ProblemError extends Error {
  readonly key: ProblemKey;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string> | undefined;
  constructor(key: ProblemKey, detail: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) {
    super(detail);
    this.name = 'ProblemError';
    this.key = key;
    this.extra = extra;
    this.headers = headers;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/**
 * The caller's `x-request-id` when it is a sane token (safe to echo and to log), else undefined. It is kept as
 * the client request id only: the request id that keys logs, problems and audit entries is always the server's.
 */
export const clientRequestIdFrom = (header: string | undefined): string | undefined =>
  header !== undefined && REQUEST_ID.test(header) ? header : undefined;

const SCOPE = Symbol('sellpo.scope');
const TRACE = Symbol('sellpo.trace');

/** Per-request state, kept on the invocation context so concurrent requests never share it. */
export class RequestScope implements EndpointContext {
  /** Made by the server for every request; a caller cannot choose it. */
  readonly requestId: string;
  /** The caller's own sane `x-request-id`: echoed back, logged and audited beside the request id. */
  readonly clientRequestId: string | undefined;
  readonly started = performance.now();
  principal: Principal = anonymous;
  readonly trace: RequestTrace | undefined;
  input: { params: unknown; query: unknown; body: unknown } = { params: {}, query: {}, body: undefined };
  ports: Ports;
  signal: AbortSignal;
  sourceIp: string;
  headers: Readonly<Record<string, string | undefined>>;
  #root: Logger;
  #route: string;
  #log: Logger | undefined;

  constructor(
    requestId: string,
    route: string,
    caller: { sourceIp: string; headers: Readonly<Record<string, string | undefined>>; clientRequestId?: string | undefined },
    options: HandlerOptions,
    signal: AbortSignal,
    trace?: RequestTrace,
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

const scopeOf = (context: unknown): RequestScope => (context as { [SCOPE]: RequestScope })[SCOPE];
const traceOf = (context: unknown): RequestTrace | undefined => (context as { [TRACE]?: RequestTrace } | undefined)?.[TRACE];

const callerOf = (event: V2Event | undefined) => ({
  sourceIp: event?.requestContext?.http?.sourceIp ?? '',
  headers: event?.headers ?? {},
  clientRequestId: clientRequestIdFrom(event?.headers?.['x-request-id']),
});

export const toFieldErrors = (part: FieldError['in'], error: z.ZodError): FieldError[] =>
  error.issues.map((issue) => ({ in: part, field: issue.path.map(String).join('.'), message: issue.message, code: issue.code }));

const isJsonMediaType = (contentType: string | undefined): boolean => {
  if (!contentType) return false;
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json');
};

/** Whether a byte is an ASCII hex digit. */
const isHex = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

/**
 * One query name or value, decoded as application/x-www-form-urlencoded does (`+` is a space, `%XX` a byte, the
 * bytes UTF-8), or null when the decoded bytes are not UTF-8 (URLSearchParams would hide that behind U+FFFD).
 */
const decodeComponent = (raw: string): string | null => {
  const text = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // An unpaired surrogate is reported as it stands (Buffer.from below would turn it into U+FFFD).
    if (!text.isWellFormed()) return text;
    // A `%` not followed by two hex digits stays as it is; only the decoded bytes must be UTF-8.
    const bytes = Buffer.from(text, 'utf8');
    const out = Buffer.allocUnsafe(bytes.length);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0x25 && i + 2 < bytes.length && isHex(bytes[i + 1]!) && isHex(bytes[i + 2]!)) {
        out[n++] = Number.parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
        i += 2;
      } else out[n++] = b;
    }
    const decoded = out.subarray(0, n);
    return isUtf8(decoded) ? decoded.toString('utf8') : null;
  }
};

const NOT_UTF8_QUERY = { code: 'invalid_encoding', message: 'is not valid UTF-8 once percent-decoded' };

/** A name to quote for a query name that does not decode (its bad bytes shown as U+FFFD). */
const lossyName = (raw: string): string => new URLSearchParams(`${raw}=`).keys().next().value ?? raw;

/**
 * Query strings keep repeated keys (`hint=a&hint=b`) as arrays, which API Gateway's map would join with commas.
 * Names and values that are not text (NUL, unpaired surrogates, bytes that are not UTF-8) are left out and
 * reported in `errors` when given.
 */
export const parseQuery = (raw: string, errors?: FieldError[]): Record<string, string | string[]> => {
  const out: Record<string, string | string[]> = {};
  if (!raw) return out;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodeComponent(eq === -1 ? '' : pair.slice(eq + 1));
    if (key === null || value === null) {
      errors?.push({ in: 'query', field: key ?? lossyName(eq === -1 ? pair : pair.slice(0, eq)), ...NOT_UTF8_QUERY });
      continue;
    }
    const problem = textProblem(key) ?? textProblem(value);
    if (problem) {
      errors?.push({ in: 'query', field: key, ...problem });
      continue;
    }
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
};

/** Headers whose values the toolkit keeps or stores as data, checked as text like any other input. */
const DATA_HEADERS = ['idempotency-key', 'x-request-id'] as const;

/** What is wrong with a header value as text: node:http hands over each byte as one Latin-1 character. */
const headerProblem = (value: string): { code: string; message: string } | undefined => {
  const problem = textProblem(value);
  if (problem) return problem;
  // Only bytes (U+0000-U+00FF) with some above ASCII: they must form UTF-8.
  if (/[\u0080-\u00ff]/.test(value) && !/[^\u0000-\u00ff]/.test(value) && !isUtf8(Buffer.from(value, 'latin1'))) {
    return { code: 'invalid_encoding', message: 'is not valid UTF-8' };
  }
  return undefined;
};

type BodyText = { ok: true; text: string } | { ok: false; error: FieldError };

const BOM = '\uFEFF';

/**
 * A JSON body as text: base64 bodies (the HTTP server sends bytes that are not UTF-8 that way) must decode as UTF-8;
 * one leading byte order mark is dropped (RFC 8259 lets a parser ignore it; some Windows tools write one).
 */
const jsonText = (raw: string | Buffer): BodyText => {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (isUtf8(raw)) text = raw.toString('utf8');
  else return { ok: false, error: { in: 'body', field: '', code: 'invalid_encoding', message: 'is not valid UTF-8' } };
  return { ok: true, text: text.startsWith(BOM) ? text.slice(1) : text };
};

/** The body as sent: text, or bytes when it came base64-encoded; undefined when there is none. */
const rawBody = (event: V2Event): string | Buffer | undefined => {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
};

/** Turns any error into the problem answer; internals of unexpected errors stay in the log. */
export const errorResult = (error: unknown, requestId: string, log: () => Logger): V2Result => {
  let body: Problem;
  let headers: Record<string, string> | undefined;
  if (error instanceof ProblemError) {
    body = problem(error.key, error.message, requestId, error.extra);
    headers = error.headers;
  } else if (isDomainError(error)) {
    const extra: Record<string, unknown> = { ...error.details };
    if (error.retryAfterSeconds !== undefined) {
      extra.retryAfterSeconds = error.retryAfterSeconds;
      headers = { 'retry-after': String(Math.max(0, Math.ceil(error.retryAfterSeconds))) };
    }
    body = problem(problemKeyFor(error.code), error.message, requestId, extra);
    // An outage answers 503 with a generic detail; what failed, and how, goes to the log.
    if (error.code === 'unavailable') log().warn('dependency unavailable', { error: (error.cause ?? error) as Error });
  } else if (error instanceof Error && error.name === 'TimeoutError') {
    log().warn('request timed out', { error });
    body = problem('timeout', 'The request did not finish in time; quote the request id when asking about it.', requestId);
  } else {
    log().error('unhandled error', { error: error as Error });
    body = problem('internal', 'An unexpected error occurred; quote the request id when reporting it.', requestId);
  }
  return { statusCode: body.status, headers: { 'content-type': 'application/problem+json', ...headers }, body: JSON.stringify(body) };
};

/** Where a request stood when it was answered without reaching an endpoint (unknown route, early 413). */
export interface UnroutedRequest {
  requestIdHeader: string | undefined;
  method: string;
  path: string;
  sourceIp: string;
  started: number;
}

/**
 * The answer to a request no endpoint handles: the problem, the request id echoed, and the same access line a
 * handled request writes. Used by the router (404, 405, 400) and the HTTP server (413 before reading the body).
 */
export const unroutedAnswer = (
  error: ProblemError,
  request: UnroutedRequest,
  out: Pick<HandlerOptions, 'logger' | 'accessLog' | 'service'>,
): V2Result => {
  const requestId = randomUUID();
  const clientRequestId = clientRequestIdFrom(request.requestIdHeader);
  const result = errorResult(error, requestId, () => out.logger);
  result.headers = { ...result.headers, 'x-request-id': clientRequestId ?? requestId };
  out.accessLog?.(
    formatAccessLine(out.service, {
      requestId,
      clientRequestId,
      method: request.method,
      path: request.path,
      route: '-',
      status: result.statusCode,
      durationMs: Math.round((performance.now() - request.started) * 100) / 100,
      sourceIp: request.sourceIp,
    }),
  );
  return result;
};

/**
 * Who may call: authenticates the credentials the endpoint's access needs (recording a failure), sets the
 * scope's principal, and answers 404 while the endpoint's flag is off for that caller. Metering is the caller's.
 */
export const admit = async (def: AnyEndpoint, options: HandlerOptions, s: RequestScope, authorization: string | undefined, rawPath: string | undefined): Promise<void> => {
  if (def.access === 'tenant' || def.access === 'admin') {
    const auth = options.ports.auth;
    const record = async (reason: AuthFailure['reason'], principal?: Principal): Promise<Throttle | null> => {
      try {
        const throttle = await auth.recordFailure?.({
          reason, route: def.id, sourceIp: s.sourceIp, requestId: s.requestId,
          ...(s.clientRequestId ? { clientRequestId: s.clientRequestId } : {}),
          ...(reason === 'invalid_credentials' && authorization ? { authorization } : {}),
          ...(principal ? { principal } : {}),
        });
        return throttle ?? null;
      } catch (recordError) {
        s.log.error('could not record an authentication failure', { error: recordError as Error });
        return null;
      }
    };
    const tooMany = (throttle: Throttle): ProblemError =>
      new ProblemError('rate_limited', 'Too many failed authentication attempts from this address or with this key; retry later.', { retryAfterSeconds: throttle.retryAfterSeconds }, {
        'retry-after': String(throttle.retryAfterSeconds),
      });
    // RFC 6750: a 401 names the scheme; error="invalid_token" when a credential was sent and refused.
    const unauthorized = (detail: string, sent: boolean): ProblemError =>
      new ProblemError('unauthorized', detail, {}, { 'www-authenticate': sent ? 'Bearer realm="sellpo", error="invalid_token"' : 'Bearer realm="sellpo"' });
    // A source that failed too often is refused before its credentials are read: no lookup, no lock, no write.
    const blocked = auth.throttled?.(s.sourceIp);
    if (blocked) {
      await record('throttled');
      await blocked.wait?.(s.signal);
      throw tooMany(blocked);
    }
    if (!authorization) {
      const throttle = await record('missing_credentials');
      throw throttle ? tooMany(throttle) : unauthorized('Send credentials: Authorization: Bearer <api key or token>.', false);
    }
    const principal = await auth.authenticate({ authorization, sourceIp: s.sourceIp, requestId: s.requestId }, s.signal);
    if (!principal) {
      const throttle = await record('invalid_credentials');
      throw throttle ? tooMany(throttle) : unauthorized('The credentials were not accepted.', true);
    }
    if (principal.kind !== def.access) {
      await record('forbidden', principal);
      throw new DomainError('forbidden', def.access === 'admin' ? 'This endpoint is for platform administrators.' : 'This endpoint needs a tenant credential.');
    }
    // The endpoint's role is checked here, before validation and before any Idempotency-Key replay.
    if (def.role && (principal.kind !== 'tenant' || !hasRole(principal.role, def.role))) {
      const held = principal.kind === 'tenant' ? `the ${principal.role} role` : 'no tenant role';
      await record('forbidden', principal);
      throw new DomainError('forbidden', `Only ${def.role === 'owner' ? 'an owner' : 'a member'} of the tenant may call this endpoint; this credential has ${held}.`, { details: { requiredRole: def.role } });
    }
    s.principal = principal;
  }
  if (def.flag) {
    const p = s.principal;
    const flagContext = p.kind === 'tenant' ? { tenantId: p.tenantId, userId: p.actorId } : {};
    if (!options.ports.flags.isEnabled(def.flag, flagContext)) {
      throw new ProblemError('route_not_found', `No route for ${def.method} ${rawPath ?? def.path}.`);
    }
  }
};

/** Whether calls to the endpoint count against the tenant's daily budget (where a quota port is configured). */
export const isMetered = (def: AnyEndpoint): boolean => def.metered ?? def.access === 'tenant';

const PURE_CALL = Object.freeze({ pure: true });

/**
 * Counts one call against the tenant's daily budget. Runs after validation, right before the use case: a request
 * refused for its credentials, its flag or its input costs nothing.
 */
export const meter = async (def: AnyEndpoint, options: HandlerOptions, s: RequestScope): Promise<void> => {
  if (s.principal.kind !== 'tenant') return;
  await options.ports.quota?.consume(s.principal.tenantId, s.signal, def.pure ? PURE_CALL : undefined);
};

export const validationProblem = (errors: FieldError[]): ProblemError =>
  new ProblemError('validation', `${errors.length} invalid field${errors.length === 1 ? '' : 's'}; see errors.`, { errors });

/** The use case's reply as a result: JSON unless it brings its own encoded body; checked against its schema on request. */
export const renderReply = (def: AnyEndpoint, options: HandlerOptions, reply: { status: number; body: unknown; headers?: Record<string, string> }): V2Result => {
  const schema = def.responses[reply.status];
  if (options.validateResponses) {
    if (!schema) throw new Error(`${def.id} answered ${reply.status}, which it does not declare`);
    const checked = (schema as z.ZodType).safeParse(reply.body);
    if (!checked.success) throw new Error(`${def.id} answered ${reply.status} with a body that breaks its schema: ${checked.error.message}`);
  }
  const contentType = reply.headers?.['content-type'];
  // A string body with its own content type is already encoded (YAML, a pre-rendered JSON document): send as is.
  if (contentType && typeof reply.body === 'string') {
    return { statusCode: reply.status, headers: { ...reply.headers }, body: reply.body };
  }
  return {
    statusCode: reply.status,
    headers: { 'content-type': 'application/json', ...reply.headers },
    body: reply.body === undefined ? '' : JSON.stringify(reply.body),
  };
};

/**
 * Turns one endpoint definition into a middy handler: API Gateway v2 event in, v2 result out. Every driver
 * (HTTP router, Lambda, CLI, tests) calls this same function.
 */
export const createHandler = (def: AnyEndpoint, options: HandlerOptions): HttpHandler => {
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const { accessLog, service } = options;
  const record = options.metrics?.forEndpoint(def);

  const scope: middy.MiddlewareObj<V2Event, V2Result> = {
    before: (request) => {
      const requestId = randomUUID();
      const ctx = request.context as unknown as InvocationContext;
      const signal = ctx.signal ?? new AbortController().signal;
      (request.context as unknown as { [SCOPE]: RequestScope })[SCOPE] = new RequestScope(requestId, def.id, callerOf(request.event), options, signal, traceOf(ctx));
    },
    after: (request) => finish(request.event, scopeOf(request.context), request.response!),
    onError: (request) => {
      // A failure inside `before` can leave no scope; answer with a fresh request id all the same.
      const s = scopeOf(request.context) ?? new RequestScope(randomUUID(), def.id, callerOf(request.event), options, new AbortController().signal, traceOf(request.context));
      const result = errorResult(request.error, s.requestId, () => s.log);
      finish(request.event, s, result);
      return result;
    },
  };

  const finish = (event: V2Event, s: RequestScope, result: V2Result): void => {
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
  };

  // Public endpoints without a flag have nothing to admit: no extra await on their path.
  const admits = def.access === 'tenant' || def.access === 'admin' || def.flag !== undefined;
  const accessControl: middy.MiddlewareObj<V2Event, V2Result> = {
    before: async (request) => {
      if (admits) await admit(def, options, scopeOf(request.context), request.event.headers?.authorization, request.event.rawPath);
    },
  };
  const metered = isMetered(def);
  const metering: middy.MiddlewareObj<V2Event, V2Result> = {
    before: async (request) => {
      if (metered) await meter(def, options, scopeOf(request.context));
    },
  };

  // The compiled parsers answer as safeParse does (handlers/kit/fast-parse.ts), several times faster.
  const checkBody = def.body ? safeParser(def.body) : null;
  const checkParams = def.params ? safeParser(def.params) : null;
  const checkQuery = def.query ? safeParser(def.query) : null;
  const validate: middy.MiddlewareObj<V2Event, V2Result> = {
    before: (request) => {
      const event = request.event;
      const s = scopeOf(request.context);
      const errors: FieldError[] = [];
      let body: unknown;
      if (checkBody) {
        const raw = rawBody(event);
        if (raw !== undefined && (typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length) > maxBody) {
          throw new ProblemError('payload_too_large', `The body is larger than ${maxBody} bytes.`, { limitBytes: maxBody });
        }
        if (raw === undefined) {
          errors.push({ in: 'body', field: '', message: 'A JSON body is required.', code: 'required' });
        } else if (!isJsonMediaType(event.headers?.['content-type'])) {
          throw new ProblemError('unsupported_media_type', 'Send the body as application/json.', {
            received: event.headers?.['content-type'] ?? null,
          });
        } else {
          const text = jsonText(raw);
          if (!text.ok) errors.push(text.error);
          else {
            const parsed = parseJson(text.text);
            if (!parsed.ok && parsed.reason === 'too_deep') {
              throw new ProblemError('validation', `The body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`, {
                maxDepth: MAX_JSON_DEPTH,
                errors: [{ in: 'body', field: '', message: parsed.message, code: 'too_deep' }],
              });
            }
            if (!parsed.ok) throw new ProblemError('malformed_json', `The body is not valid JSON: ${parsed.message}`);
            errors.push(...parsed.errors);
            const result = checkBody(parsed.value);
            if (result.success) body = result.data;
            else errors.push(...toFieldErrors('body', result.error));
          }
        }
      }
      let params: unknown = {};
      if (checkParams) {
        const values = event.pathParameters ?? {};
        for (const name in values) {
          const problem = textProblem(values[name] ?? '');
          if (problem) errors.push({ in: 'path', field: name, ...problem });
        }
        const result = checkParams(values);
        if (result.success) params = result.data;
        else errors.push(...toFieldErrors('path', result.error));
      }
      let query: unknown = {};
      if (checkQuery) {
        const result = checkQuery(parseQuery(event.rawQueryString ?? '', errors));
        if (result.success) query = result.data;
        else errors.push(...toFieldErrors('query', result.error));
      }
      for (const name of DATA_HEADERS) {
        const value = event.headers?.[name];
        const problem = value === undefined ? undefined : headerProblem(value);
        if (problem) errors.push({ in: 'header', field: name, ...problem });
      }
      if (errors.length > 0) throw validationProblem(errors);
      s.input = { params, query, body };
    },
  };

  const run = async (_event: V2Event, context: unknown): Promise<V2Result> => {
    const s = scopeOf(context);
    return renderReply(def, options, await def.run(s.input as never, s));
  };

  const handler = middy<V2Event, V2Result>(
    // Idempotency wraps the use case only: auth and validation failures never use up a key.
    withIdempotency(def, options.ports, run, scopeOf, (error, context) => errorResult(error, scopeOf(context).requestId, () => scopeOf(context).log)) as never,
  ).use([scope, accessControl, validate, metering]) as unknown as HttpHandler;
  const tracing = options.tracing;
  if (!tracing) return handler;
  return (event, context) => {
    const trace = tracing.startRequest(event, def);
    const ctx = (context ?? {}) as InvocationContext & { [TRACE]?: RequestTrace };
    ctx[TRACE] = trace;
    return trace.run(() => handler(event, ctx));
  };
};
