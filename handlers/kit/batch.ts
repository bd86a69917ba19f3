/**
 * Batch answers: one endpoint, one caller, many bodies (`sellpo invoke <id> --each FILE`).
 *
 * The per-request handler rebuilds everything from an HTTP event: request id, credentials, flag, query,
 * body. In a batch every row shares the caller, the query and the path, so a session does that part once and
 * then only validates and runs each body, with the pipeline's own steps (admission, the input checks, metering,
 * the use case and its rendering, the problem answers), so the two cannot drift apart. Answers are the
 * handler's own (same status, headers and body, same problems from the same code), except that a problem's
 * `instance` is `<batch id>:<line>`, so one run's failures can be quoted and found together.
 *
 * A metered row is counted as the handler counts it: after its body passed validation, right before the use
 * case, so a refused row costs nothing and the budget's 429 comes at the same row either way.
 *
 * A session is only offered where it cannot change an answer: requests with an Idempotency-Key or with headers
 * beyond the credentials keep the per-request path, and so does any row
 * the session declines (`null`): no body where one is required, a row the JSON guard must walk (prototype keys,
 * deep nesting, escapes that may be NUL or a lone surrogate), or a row
 * too large to judge cheaply against the body limit. The endpoint's feature flag is read once, when the batch
 * opens. Rows in a batch write no access line of their own; the batch reports its totals.
 */
import { randomUUID } from 'node:crypto';
import { admit } from './admission.ts';
import type { AnyEndpoint } from './endpoint.ts';
import { errorResult, validationProblem } from './errors.ts';
import type { V2Result } from './gateway-event.ts';
import { needsInspection } from './json.ts';
import { isMetered, meter } from './metering.ts';
import { MAX_BODY_BYTES, type HandlerOptions } from './options.ts';
import type { FieldError } from './problem.ts';
import { useCase } from './render.ts';
import { RequestScope } from './request.ts';
import { inputChecks } from './validation.ts';

/** What every row of a batch shares. */
export interface BatchCaller {
  /** Lowercase request headers: `authorization` and `user-agent` at most (anything else: no session). */
  headers: Record<string, string>;
  /** The raw query string and path values every row is sent with. */
  rawQueryString: string;
  pathParameters: Record<string, string>;
  /** The request path with its values filled in (for the flag's 404 text). */
  rawPath: string;
}

export interface BatchSession {
  readonly id: string;
  /**
   * The answer to one row's body, or null when the row must take the per-request handler. `text` is the row as
   * read (for the cheap checks); a Promise only when the use case itself is asynchronous.
   */
  answer(body: unknown, line: number, text: string): V2Result | Promise<V2Result> | null;
}

export type BatchOpening =
  | { kind: 'session'; session: BatchSession }
  /** The caller was turned away (401, 403, the flag's 404): no row would get another answer. */
  | { kind: 'refused'; answer: V2Result }
  /** The batch needs the per-request path for every row. */
  | { kind: 'per_request'; reason: string };

const SESSION_HEADERS = new Set(['authorization', 'user-agent']);

export const openBatch = async (def: AnyEndpoint, options: HandlerOptions, caller: BatchCaller): Promise<BatchOpening> => {
  const extra = Object.keys(caller.headers).filter((h) => !SESSION_HEADERS.has(h));
  if (extra.length > 0) return { kind: 'per_request', reason: `the rows carry header${extra.length > 1 ? 's' : ''} ${extra.join(', ')}` };
  if (def.access !== 'public' && !caller.headers.authorization) return { kind: 'per_request', reason: 'each row brings its own credentials' };

  // Results are fresh objects with headers of their own, so the request id is added in place.
  const withId = (result: V2Result, requestId: string): V2Result => {
    result.headers!['x-request-id'] = requestId;
    return result;
  };
  const id = randomUUID();
  const never = new AbortController().signal;
  const scope = (requestId: string) => new RequestScope(requestId, def.id, { sourceIp: '', headers: caller.headers }, options, never);
  const opening = scope(id);
  try {
    await admit(def, options, opening, caller.headers.authorization, caller.rawPath);
  } catch (error) {
    return { kind: 'refused', answer: withId(errorResult(error, id, () => opening.log), id) };
  }

  // Query and path are the same for every row: checked once, by the per-request pipeline's own checks. When they
  // are wrong, every row's answer lists them next to its own body errors, which the per-request path already does.
  const checks = inputChecks(def);
  const errors: FieldError[] = [];
  const params = checks.path(caller.pathParameters, errors);
  const query = checks.query(caller.rawQueryString, errors);
  if (errors.length > 0) return { kind: 'per_request', reason: 'the query or path values are invalid' };

  // Rows are checked one at a time and synchronously, so one list serves them all; a failing row takes its errors.
  const rowErrors: FieldError[] = [];
  const validateBody = (body: unknown): unknown => {
    const data = checks.body(body, rowErrors);
    if (rowErrors.length > 0) throw validationProblem(rowErrors.splice(0));
    return data;
  };
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const principal = opening.principal;

  const fail = (s: RequestScope, error: unknown): V2Result => withId(errorResult(error, s.requestId, () => s.log), s.requestId);
  const run = useCase(def, options);
  const runRow = (s: RequestScope): V2Result | Promise<V2Result> => {
    const result = run(null, s);
    if (result instanceof Promise) {
      return result.then(
        (r) => withId(r, s.requestId),
        (error: unknown) => fail(s, error),
      );
    }
    return withId(result, s.requestId);
  };
  const metered = isMetered(def) && options.ports.quota !== undefined;

  const session: BatchSession = {
    id,
    answer: (body, line, text) => {
      if (def.body && body === undefined) return null;
      // Cheap bounds on the row's text (3 bytes at most per UTF-16 unit); the handler judges rows near them.
      if (text.length * 3 > maxBody || needsInspection(text)) return null;
      const s = scope(`${id}:${line}`);
      s.principal = principal;
      try {
        s.input = { params, query, body: validateBody(body) };
        if (!metered) return runRow(s);
        return meter(def, options, s)
          .then(() => runRow(s))
          .then(undefined, (error: unknown) => fail(s, error));
      } catch (error) {
        return fail(s, error);
      }
    },
  };
  return { kind: 'session', session };
};
