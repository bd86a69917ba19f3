/** Who is calling. Resolved once per request by the Authenticator port. */
export type Role = 'owner' | 'member';

/** The API key a principal presented (absent for a JWT): recorded in audit entries next to the actor. */
export interface KeyRef {
  keyId: string;
  keyPrefix: string;
}

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'tenant'; tenantId: string; actorId: string; role: Role; via: 'api_key' | 'jwt'; key?: KeyRef }
  | { kind: 'admin'; actorId: string; via: 'api_key' | 'jwt'; key?: KeyRef };

export const anonymous: Principal = Object.freeze({ kind: 'anonymous' });

/** Access an endpoint declares; the handler toolkit enforces it before the use case runs. */
export type Access = 'public' | 'tenant' | 'admin' | 'webhook';

export interface Credentials {
  /** The raw `Authorization` header, if any. */
  authorization: string | undefined;
  sourceIp: string;
  requestId: string;
}

/**
 * A request turned away by authentication or authorisation (audited by the platform). `throttled`: refused
 * unread because its source failed too often.
 */
export interface AuthFailure {
  reason: 'missing_credentials' | 'invalid_credentials' | 'forbidden' | 'throttled';
  /** Endpoint id, e.g. `naver.searchShopping`. */
  route: string;
  sourceIp: string;
  requestId: string;
  /** The caller's own `x-request-id`, when it sent one. */
  clientRequestId?: string;
  /** The raw `Authorization` header of an invalid credential: read for its key prefix, never stored. */
  authorization?: string;
  /** Set when valid credentials lacked the right (`forbidden`). */
  principal?: Principal;
}

/** Failed authentication from this source or with this key prefix is being refused: try again after this. */
export interface Throttle {
  retryAfterSeconds: number;
  /**
   * When set, the refusal is held this long before it is sent (a tarpit): a client that ignores Retry-After and
   * sends again at once is slowed to one request per hold per connection. Resolves early when `signal` aborts.
   */
  wait?: (signal?: AbortSignal) => Promise<void>;
}

export interface Authenticator {
  /** Resolves credentials to a principal; `null` means the credentials were presented but are not valid. */
  authenticate(credentials: Credentials, signal?: AbortSignal): Promise<Principal | null>;
  /**
   * Answered from memory, before any credential is read: set while the source has failed too often. A throttled
   * source is refused unread (429), so a flood of bad keys costs no database work once it is throttled.
   */
  throttled?(sourceIp: string): Throttle | null;
  /**
   * Records a rejected request; must not throw for the caller's sake. Returns a throttle when this failure used
   * up the allowance of its source or key prefix (the request is then answered 429 rather than 401).
   */
  recordFailure?(failure: AuthFailure): Promise<Throttle | null | void>;
}
