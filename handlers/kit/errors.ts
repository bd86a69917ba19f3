import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type * as z from 'zod';
import { isDomainError } from '../../core/shared/errors.ts';
import { formatAccessLine } from './access-log.ts';
import type { V2Result } from './gateway-event.ts';
import type { HandlerOptions } from './options.ts';
import { problem, problemKeyFor, type FieldError, type Problem, type ProblemKey } from './problem.ts';
import { clientRequestIdFrom, type Step } from './request.ts';

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

/** Issues that say the value is not even of the right kind: zod's checks on the same value after them are noise. */
const KIND_ISSUES = new Set(['invalid_type', 'invalid_union']);

/**
 * zod's issues as field errors, each naming a real problem of its field: after a wrong kind of value (a string
 * where a list belongs) zod still runs length and range checks on it, whose messages only confuse, so they are
 * left out; of several bounds one value breaks (an integer's safe range and the schema's maximum) the tightest is
 * kept. Fields in `skip` already have an error of their own (text that does not decode, a repeated parameter).
 */
export const toFieldErrors = (part: FieldError['in'], error: z.ZodError, skip?: ReadonlySet<string>): FieldError[] => {
  const kept = new Map<string, z.core.$ZodIssue[]>();
  for (const issue of error.issues) {
    if (skip !== undefined && issue.path.length > 0 && skip.has(String(issue.path[0]))) continue;
    const field = issue.path.map(String).join('.');
    const earlier = kept.get(field);
    if (!earlier) {
      kept.set(field, [issue]);
      continue;
    }
    if (earlier.some((e) => KIND_ISSUES.has(e.code))) continue;
    const bound = earlier.findIndex((e) => e.code === issue.code && (issue.code === 'too_big' || issue.code === 'too_small'));
    if (bound === -1) earlier.push(issue);
    else if (tighter(issue, earlier[bound]!)) earlier[bound] = issue;
  }
  return [...kept].flatMap(([field, issues]) => issues.map((issue) => ({ in: part, field, message: issue.message, code: issue.code })));
};

/** Whether a bound issue names a tighter bound than another of the same code (a lower maximum, a higher minimum). */
const tighter = (a: z.core.$ZodIssue, b: z.core.$ZodIssue): boolean => {
  const value = (i: z.core.$ZodIssue): number => Number((i as { maximum?: unknown; minimum?: unknown })[i.code === 'too_big' ? 'maximum' : 'minimum']);
  return a.code === 'too_big' ? value(a) < value(b) : value(a) > value(b);
};

export const validationProblem = (errors: FieldError[]): ProblemError =>
  new ProblemError('validation', `${errors.length} invalid field${errors.length === 1 ? '' : 's'}; see errors.`, { errors });

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

/** The `problems` step: whatever a later step or the use case throws is answered with its problem. */
export const problems: Step = {
  name: 'problems',
  onError: ({ error, context: s }) => errorResult(error, s.requestId, () => s.log),
};
