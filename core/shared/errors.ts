/**
 * Domain errors are values: core says what went wrong, only handlers decide the HTTP status.
 * `code` is stable and becomes the problem `type`; `details` carries machine-readable context
 * (never a secret) that is safe to show to the caller.
 */
export type DomainErrorCode =
  | 'invalid'              // the request is well-formed but a value breaks a rule
  | 'unprocessable'        // understood, but cannot be carried out in the current state
  | 'not_found'
  | 'conflict'
  | 'unauthorized'         // no or bad credentials
  | 'forbidden'            // valid credentials without the right
  | 'limit_exceeded'       // a plan or count limit (403 naming the limit)
  | 'rate_limited'         // try again later (429 with Retry-After)
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'upstream_failed'      // a provider failed or rejected our credentials
  | 'unavailable';         // a dependency of ours is down

export interface DomainErrorOptions {
  details?: Record<string, unknown>;
  /** Seconds after which a retry may succeed (rate limits, budgets, outages). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: DomainErrorCode, message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

export const notFound = (what: string, details?: Record<string, unknown>) =>
  new DomainError('not_found', `${what} was not found`, { details });
