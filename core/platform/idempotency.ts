/**
 * Idempotency of state-changing requests (`Idempotency-Key`). The toolkit asks the store to `begin` a key before
 * running the use case, then `complete`s it with the response or `release`s it when the use case failed, so a
 * retry of the same request returns the first answer instead of doing the work twice.
 */

/** The response replayed for a repeated request: what the first request answered, byte for byte. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Identifies a key: keys are scoped per tenant and per operation, so two tenants may use the same key. */
export interface IdempotencyKey {
  /** The tenant id, or `platform` for administrator calls. */
  scope: string;
  /** The endpoint id, e.g. `billing.subscribe`. */
  operation: string;
  /** The caller's `Idempotency-Key` header. */
  key: string;
}

export interface BeginOptions {
  /** Hash of what makes two requests "the same" (method, path, query and body). */
  fingerprint: string;
  /** How long the key is remembered after its first use. */
  ttlSeconds: number;
  /**
   * How long a running request holds the key. A process that dies mid-request leaves the key `in_progress`;
   * after this lease a retry with the same fingerprint may take it over instead of waiting for the TTL.
   */
  lockSeconds: number;
}

export type BeginResult =
  /** The caller owns the key now and must `complete` or `release` it with this token. */
  | { state: 'new'; token: string }
  /** Another request with this key is still running. */
  | { state: 'in_progress' }
  /** A request with this key finished; replay its response. */
  | { state: 'completed'; response: StoredResponse }
  /** The key was used with a different request (another fingerprint). */
  | { state: 'mismatch' };

export interface IdempotencyStore {
  /** Claims the key atomically: of any number of concurrent callers exactly one gets `new`. */
  begin(key: IdempotencyKey, options: BeginOptions): Promise<BeginResult>;
  /** Stores the response of the request that owns the key (by its token); a stale token changes nothing. */
  complete(key: IdempotencyKey, token: string, response: StoredResponse): Promise<void>;
  /** Forgets the key (the use case failed) so a retry can run; a stale token changes nothing. */
  release(key: IdempotencyKey, token: string): Promise<void>;
}

/** The store together with the service's policy, as the handler toolkit receives it. */
export interface Idempotency {
  store: IdempotencyStore;
  ttlSeconds: number;
  lockSeconds: number;
}
