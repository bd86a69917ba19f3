/**
 * `Idempotency-Key` on state-changing POSTs. The same key with the same request replays the first response
 * (status, headers, body, plus `idempotency-replayed: true`) without running the use case again; the same key
 * with a different request is 422; a key whose first request is still running is 409. Keys are scoped by
 * tenant and endpoint. A use case that fails with a 5xx (or throws) releases the key so a retry can run; 4xx
 * answers are stored like successes, since repeating the request would get the same answer.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DomainError } from '../../core/shared/errors.ts';
import type { IdempotencyKey, StoredResponse } from '../../core/platform/idempotency.ts';
import type { Principal } from '../../core/platform/principal.ts';
import type { Ports } from '../../core/ports.ts';
import type { AnyEndpoint } from './endpoint.ts';
import type { V2Event, V2Result } from './events.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotency-replayed';

/** Printable ASCII, as long as a UUID or a client's own scheme needs. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** POSTs behind tenant or admin credentials are idempotent unless the endpoint opts out (pure calculations). */
export const isIdempotent = (def: AnyEndpoint): boolean =>
  def.idempotent ?? (def.method === 'POST' && (def.access === 'tenant' || def.access === 'admin'));

export const requestFingerprint = (event: V2Event): string => {
  const body = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
  return createHash('sha256')
    .update(`${event.requestContext?.http?.method ?? ''}\n${event.rawPath ?? ''}\n${event.rawQueryString ?? ''}\n`)
    .update(body)
    .digest('hex');
};

const scopeOf = (principal: Principal): string => (principal.kind === 'tenant' ? principal.tenantId : principal.kind === 'admin' ? 'platform' : 'public');

interface RequestView {
  principal: Principal;
  requestId: string;
  readonly log: Logger;
}

type Run = (event: V2Event, context: unknown) => Promise<V2Result>;

/**
 * Wraps the endpoint's core run (after authentication and validation, so a rejected request never uses up a
 * key). `view` gives the request's principal and logger; `toResult` renders an error as the toolkit would.
 */
export const withIdempotency = (
  def: AnyEndpoint,
  ports: Ports,
  run: Run,
  view: (context: unknown) => RequestView,
  toResult: (error: unknown, context: unknown) => V2Result,
): Run => {
  if (!isIdempotent(def)) return run;
  return async (event, context) => {
    const header = event.headers?.[IDEMPOTENCY_HEADER];
    if (header === undefined) return run(event, context);
    if (!KEY.test(header)) {
      throw new DomainError('invalid', 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.', {
        details: { errors: [{ in: 'header', field: IDEMPOTENCY_HEADER, message: 'expected 1-255 printable ASCII characters', code: 'invalid_format' }] },
      });
    }
    const s = view(context);
    const { store, ttlSeconds, lockSeconds } = ports.idempotency;
    const key: IdempotencyKey = { scope: scopeOf(s.principal), operation: def.id, key: header };
    let begun;
    try {
      begun = await store.begin(key, { fingerprint: requestFingerprint(event), ttlSeconds, lockSeconds });
    } catch (error) {
      s.log.error('idempotency store unavailable', { error: error as Error });
      throw new DomainError('unavailable', 'The request could not be checked against its Idempotency-Key; retry shortly.', { retryAfterSeconds: 1, cause: error });
    }
    switch (begun.state) {
      case 'completed':
        return { statusCode: begun.response.status, headers: { ...begun.response.headers, [REPLAYED_HEADER]: 'true' }, body: begun.response.body };
      case 'mismatch':
        throw new DomainError('unprocessable', 'This Idempotency-Key was already used with a different request; use a new key for a new request.', {
          details: { idempotencyKey: header },
        });
      case 'in_progress':
        throw new DomainError('conflict', 'A request with this Idempotency-Key is still running; retry after it finishes.', {
          details: { idempotencyKey: header },
          retryAfterSeconds: 1,
        });
    }
    const token = begun.token;
    let result: V2Result;
    try {
      result = await run(event, context);
    } catch (error) {
      result = toResult(error, context);
      if (result.statusCode >= 500) {
        await store.release(key, token).catch((e: unknown) => s.log.error('could not release an idempotency key', { error: e as Error }));
        throw error;
      }
    }
    if (result.statusCode >= 500) {
      await store.release(key, token).catch((e: unknown) => s.log.error('could not release an idempotency key', { error: e as Error }));
      return result;
    }
    const stored: StoredResponse = { status: result.statusCode, headers: { ...result.headers }, body: result.body ?? '' };
    // The answer stands even if it cannot be stored; the key then frees itself when its lease ends.
    await store.complete(key, token, stored).catch((e: unknown) => s.log.error('could not store an idempotent response', { error: e as Error }));
    return result;
  };
};
