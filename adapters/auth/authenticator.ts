/**
 * The Authenticator over the access store: `Authorization: Bearer <api key>` (tenant or admin key) or
 * `Bearer <jwt>` (web front end, when JWTs are configured). A valid credential refused by a route (`forbidden`)
 * is audited entry by entry in its tenant's chain; failed authentication goes through the failure guard
 * (failures.ts): throttled per source and key prefix, audited as one entry per source and window.
 */
import type { AccessStore } from '../../core/platform/access.ts';
import type { ApiKey } from '../../core/platform/model.ts';
import { keyMatches, parseKey } from '../../core/platform/api-keys.ts';
import type { Authenticator, Principal } from '../../core/platform/principal.ts';
import { actorOf } from '../../core/platform/tenants.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { credentialOf } from '../../core/platform/audit.ts';
import type { JwtVerifier } from './jwt.ts';
import type { FailureGuard } from './failures.ts';
import type { VerifiedKeys } from './key-cache.ts';

export interface AccessAuthenticatorOptions {
  store: AccessStore;
  clock: Clock;
  /** Absent: JWTs are not accepted (JWT_ALG unset). */
  jwt?: JwtVerifier;
  /** last_used_at is written at most this often per key and process, so a busy key does not make every request a write. */
  touchIntervalMs?: number;
  /** Errors of background writes (last-used time, failure audit); never a credential. */
  onError?: (message: string, error: unknown) => void;
  /** Throttles and aggregates failed authentication; absent: every failure is one audit entry (tests). */
  failures?: FailureGuard;
  /** Keys verified lately, kept fresh by the database's change feed (key-cache.ts); absent: every request looks up. */
  keys?: VerifiedKeys;
}

const BEARER = /^Bearer +(\S+)$/i;

const principalOf = (key: ApiKey): Principal =>
  key.kind === 'tenant'
    ? { kind: 'tenant', tenantId: key.tenantId, actorId: key.memberId, role: key.role, via: 'api_key', key: { keyId: key.id, keyPrefix: key.prefix } }
    : { kind: 'admin', actorId: key.adminId, via: 'api_key', key: { keyId: key.id, keyPrefix: key.prefix } };

export const accessAuthenticator = (options: AccessAuthenticatorOptions): Authenticator => {
  const { store, clock, jwt, keys } = options;
  const interval = options.touchIntervalMs ?? 60_000;
  const onError = options.onError ?? (() => {});
  const touched = new Map<string, number>();

  const touch = (key: ApiKey, nowMs: number): void => {
    const last = touched.get(key.id) ?? key.lastUsedAt?.getTime() ?? 0;
    if (nowMs - last < interval) return;
    if (touched.size > 50_000) touched.clear();
    touched.set(key.id, nowMs);
    // Not awaited: the request does not wait for bookkeeping. The store skips the write when another
    // process recorded a use within the interval.
    store.touchKey(key.id, new Date(nowMs), new Date(nowMs - interval)).catch((error: unknown) => onError('could not record API key use', error));
  };

  return {
    authenticate: async ({ authorization }) => {
      const m = BEARER.exec(authorization ?? '');
      if (!m) return null;
      const token = m[1]!;
      const parsed = parseKey(token);
      if (parsed) {
        const known = keys?.get(token);
        if (known) {
          touch(known, clock.now().getTime());
          return principalOf(known);
        }
        const generation = keys?.generation ?? 0;
        const key = await store.findKeyByPrefix(parsed.prefix);
        if (!key || key.revokedAt || !keyMatches(token, key.hash)) return null;
        if ((parsed.kind === 'admin') !== (key.kind === 'admin')) return null;
        touch(key, clock.now().getTime());
        keys?.put(token, key, generation);
        return principalOf(key);
      }
      if (jwt && token.includes('.')) {
        const result = jwt.verify(token, clock.now().getTime());
        if (!result.ok) return null;
        return { kind: 'tenant', tenantId: result.claims.tid, actorId: result.claims.sub, role: result.claims.role, via: 'jwt' };
      }
      return null;
    },
    ...(options.failures ? { throttled: options.failures.throttled } : {}),
    recordFailure: async (failure) => {
      if (failure.reason !== 'forbidden' && options.failures) return options.failures.record(failure);
      try {
        const principal = failure.principal;
        await store.audit.append({
          // A tenant credential turned away from an admin route is the tenant's business; anything else has no tenant.
          tenantId: principal?.kind === 'tenant' ? principal.tenantId : null,
          at: clock.now(),
          actor: principal ? actorOf(principal) : 'anonymous',
          credential: principal ? credentialOf(principal) : null,
          action: `auth.${failure.reason}`,
          target: failure.route,
          requestId: failure.requestId,
          clientRequestId: failure.clientRequestId ?? null,
          sourceIp: failure.sourceIp || null,
          outcome: 'denied',
          details: {},
        });
      } catch (error) {
        onError('could not audit an authentication failure', error);
      }
      return null;
    },
  };
};
