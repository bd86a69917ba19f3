/** Who is calling. Resolved once per request by the Authenticator port. */
export type Role = 'owner' | 'member';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'tenant'; tenantId: string; actorId: string; role: Role; via: 'api_key' | 'jwt' }
  | { kind: 'admin'; actorId: string; via: 'api_key' | 'jwt' };

export const anonymous: Principal = Object.freeze({ kind: 'anonymous' });

/** Access an endpoint declares; the handler toolkit enforces it before the use case runs. */
export type Access = 'public' | 'tenant' | 'admin' | 'webhook';

export interface Credentials {
  /** The raw `Authorization` header, if any. */
  authorization: string | undefined;
  sourceIp: string;
  requestId: string;
}

/** A request turned away by authentication or authorisation (audited by the platform). */
export interface AuthFailure {
  reason: 'missing_credentials' | 'invalid_credentials' | 'forbidden';
  /** Endpoint id, e.g. `naver.searchShopping`. */
  route: string;
  sourceIp: string;
  requestId: string;
  /** Set when valid credentials lacked the right (`forbidden`). */
  principal?: Principal;
}

export interface Authenticator {
  /** Resolves credentials to a principal; `null` means the credentials were presented but are not valid. */
  authenticate(credentials: Credentials, signal?: AbortSignal): Promise<Principal | null>;
  /** Records a rejected request; must not throw for the caller's sake (the request is answered 401/403 anyway). */
  recordFailure?(failure: AuthFailure): Promise<void>;
}
