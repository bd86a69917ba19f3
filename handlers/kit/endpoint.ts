import type * as z from 'zod';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Access, Principal, Role } from '../../core/platform/principal.ts';
import type { Ports } from '../../core/ports.ts';

/** Headers for answers that must not be cached anywhere (secrets shown once, live status). */
export const NO_STORE: Readonly<Record<string, string>> = { 'cache-control': 'no-store' };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type AnyObject = z.ZodType<Record<string, unknown>>;
type Responses = { readonly [status: number]: z.ZodType };

/** What a use-case call returns to the toolkit: a status declared in `responses` and its typed body. */
export type Reply<R extends Responses> = {
  [S in keyof R & number]: { status: S; body: z.output<R[S]>; headers?: Record<string, string> };
}[keyof R & number];

export interface EndpointContext {
  /** The server's id of this request (never chosen by the caller). */
  requestId: string;
  /** The caller's own `x-request-id`, when it sent a safe token. */
  clientRequestId?: string | undefined;
  /** Child logger carrying this request's keys; created on first use. */
  readonly log: Logger;
  principal: Principal;
  ports: Ports;
  /** Aborted when the caller goes away or the invocation times out; pass it to pg and fetch. */
  signal: AbortSignal;
  sourceIp: string;
  /** Lowercase request headers. */
  headers: Readonly<Record<string, string | undefined>>;
}

export interface EndpointInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/** An endpoint, or some of its fields, scheduled to go (docs/versioning.md). */
export interface Deprecation {
  /** Day (YYYY-MM-DD, UTC) from which it is deprecated: the `Deprecation` header. */
  since: string;
  /** Day (YYYY-MM-DD, UTC) after which it may stop answering: the `Sunset` header, and a major version. */
  sunset: string;
  /** Anchor of the CHANGELOG.md entry announcing it (its heading's id on the site), for the `Link` header. */
  changelog: string;
  /**
   * Only these fields are deprecated (each marked `.meta({ deprecated: true })` in its schema); the endpoint
   * stays. Without it the whole endpoint is deprecated.
   */
  fields?: readonly string[];
}

export interface EndpointDefinition<
  P extends AnyObject = AnyObject,
  Q extends AnyObject = AnyObject,
  B extends z.ZodType = z.ZodType,
  R extends Responses = Responses,
> {
  /** Stable id, `<context>.<operation>`: the CLI name, the Lambda bundle name and the OpenAPI operationId. */
  id: string;
  method: HttpMethod;
  /** Path with `{name}` parameters, e.g. `/v1/naver/keywords/{keyword}/overview`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  access: Access;
  /**
   * The tenant role the caller needs (`owner` covers `member`). Checked with the credentials, before validation
   * and before any `Idempotency-Key` replay, so a replay never hands an answer to a caller who could not make the
   * request. Only for tenant access.
   */
  role?: Role;
  /** Feature flag gating the endpoint: while it is off the endpoint answers 404. */
  flag?: string;
  /**
   * Honour `Idempotency-Key` (replay the first response of a repeated request). Default: true for POST with
   * tenant or admin access, false otherwise; pure calculations may opt out.
   */
  idempotent?: boolean;
  /**
   * Count the call against the tenant's daily API budget (429 with Retry-After when spent). Default: true for
   * tenant access. Billing and account endpoints opt out, so a tenant out of calls can still upgrade.
   */
  metered?: boolean;
  /**
   * Top-level response fields that carry a secret shown once (a new API key). The copy stored for
   * `Idempotency-Key` replays leaves them out and carries `note` instead, so the secret is never stored.
   */
  secrets?: { fields: readonly string[]; note: string };
  /**
   * The audit action the use case records (e.g. `api_key.create`). A replayed answer is recorded under the same
   * action, marked `replay: true`, with the target `auditTarget` reads from the replayed body.
   */
  audit?: { action: string; target?: (body: never) => string | null };
  /**
   * A calculation with no I/O of its own. While the meter store is down it still answers, a bounded number of
   * calls per tenant, counted when the store is back (docs/billing.md); other endpoints answer 503 then.
   */
  pure?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  responses: R;
  /** Scheduled to go: answers carry Deprecation, Sunset and Link headers; the document marks it deprecated. */
  deprecated?: Deprecation;
  /** Example request body for the OpenAPI document. */
  example?: z.input<B>;
  /**
   * The use case. A pure calculation may answer synchronously: the batch CLI then prices a whole file without a
   * promise per row.
   */
  run(
    input: EndpointInput<z.output<NoInfer<P>>, z.output<NoInfer<Q>>, z.output<NoInfer<B>>>,
    ctx: EndpointContext,
  ): Reply<NoInfer<R>> | Promise<Reply<NoInfer<R>>>;
}

/** Identity function that keeps the schema types flowing into `run`. */
export const defineEndpoint = <
  P extends AnyObject = z.ZodObject<{}>,
  Q extends AnyObject = z.ZodObject<{}>,
  B extends z.ZodType = z.ZodUndefined,
  R extends Responses = Responses,
>(definition: EndpointDefinition<P, Q, B, R>): EndpointDefinition<P, Q, B, R> => definition;

// Erased form used by registries and drivers, which treat every endpoint alike.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEndpoint = EndpointDefinition<any, any, any, any>;

