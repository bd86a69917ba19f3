/**
 * Dependency outages as the domain sees them. The adapters of the database and of DynamoDB turn a failure to
 * reach their store (refused or dropped connection, pool timeout, a closed engine, a server shutting down) into
 * DomainError('unavailable') with Retry-After, so every endpoint answers 503 problem+json instead of 500, and the
 * metering can tell "the meter store is down" from a bug. Errors that are the request's own (a constraint, a
 * syntax error, a cancelled statement) pass through unchanged.
 */
import { DomainError, isDomainError } from '../core/shared/errors.ts';

/** Seconds a caller is told to wait: about one connection timeout, long enough for a pool to reconnect. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/** Socket-level failures of Node (net, dns): the peer cannot be reached or went away. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT', // a unix socket whose server is gone
]);

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** A socket-level failure, also when wrapped (AggregateError of several addresses, `cause`). */
export const isNetworkFailure = (error: unknown, depth = 0): boolean => {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const code = codeOf(error);
  if (code && NETWORK_CODES.has(code)) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isNetworkFailure(e, depth + 1))) return true;
  return isNetworkFailure((error as { cause?: unknown }).cause, depth + 1);
};

/** The domain's outage error; the detail names no dependency (callers see it, operators read the cause in the log). */
export const unavailable = (cause: unknown): DomainError =>
  isDomainError(cause)
    ? cause
    : new DomainError('unavailable', 'A service this request depends on is unavailable; retry in a few seconds.', {
        retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS,
        cause,
      });
