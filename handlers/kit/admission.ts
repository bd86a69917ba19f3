import { DomainError } from '../../core/shared/errors.ts';
import type { AuthFailure, Principal, Throttle } from '../../core/platform/principal.ts';
import { hasRole } from '../../core/platform/access.ts';
import type { AnyEndpoint } from './endpoint.ts';
import { ProblemError } from './errors.ts';
import type { HandlerOptions } from './options.ts';
import type { RequestScope, Step } from './request.ts';

/**
 * Who may call: authenticates the credentials the endpoint's access needs (recording a failure), sets the
 * scope's principal, and answers 404 while the endpoint's flag is off for that caller. Metering is the caller's.
 */
export const admit = async (def: AnyEndpoint, options: HandlerOptions, s: RequestScope, authorization: string | undefined, rawPath: string | undefined): Promise<void> => {
  if (def.access === 'tenant' || def.access === 'admin') {
    const auth = options.ports.auth;
    const record = async (reason: AuthFailure['reason'], principal?: Principal): Promise<Throttle | null> => {
      try {
        const throttle = await auth.recordFailure?.({
          reason, route: def.id, sourceIp: s.sourceIp, requestId: s.requestId,
          ...(s.clientRequestId ? { clientRequestId: s.clientRequestId } : {}),
          ...(reason === 'invalid_credentials' && authorization ? { authorization } : {}),
          ...(principal ? { principal } : {}),
        });
        return throttle ?? null;
      } catch (recordError) {
        s.log.error('could not record an authentication failure', { error: recordError as Error });
        return null;
      }
    };
    const tooMany = (throttle: Throttle): ProblemError =>
      new ProblemError('rate_limited', 'Too many failed authentication attempts from this address or with this key; retry later.', { retryAfterSeconds: throttle.retryAfterSeconds }, {
        'retry-after': String(throttle.retryAfterSeconds),
      });
    // RFC 6750: a 401 names the scheme; error="invalid_token" when a credential was sent and refused.
    const unauthorized = (detail: string, sent: boolean): ProblemError =>
      new ProblemError('unauthorized', detail, {}, { 'www-authenticate': sent ? 'Bearer realm="sellpo", error="invalid_token"' : 'Bearer realm="sellpo"' });
    // A source that failed too often is refused before its credentials are read: no lookup, no lock, no write.
    const blocked = auth.throttled?.(s.sourceIp);
    if (blocked) {
      await record('throttled');
      await blocked.wait?.(s.signal);
      throw tooMany(blocked);
    }
    if (!authorization) {
      const throttle = await record('missing_credentials');
      throw throttle ? tooMany(throttle) : unauthorized('Send credentials: Authorization: Bearer <api key or token>.', false);
    }
    const principal = await auth.authenticate({ authorization, sourceIp: s.sourceIp, requestId: s.requestId }, s.signal);
    if (!principal) {
      const throttle = await record('invalid_credentials');
      const scheme = /^\s*bearer\s/i.test(authorization)
        ? 'The credentials were not accepted.'
        : // Nothing of the header is repeated: without a scheme, its first word may be the key itself.
          'Authorization must use the Bearer scheme: Authorization: Bearer <api key or token>.';
      throw throttle ? tooMany(throttle) : unauthorized(scheme, true);
    }
    if (principal.kind !== def.access) {
      await record('forbidden', principal);
      throw new DomainError('forbidden', def.access === 'admin' ? 'This endpoint is for platform administrators.' : 'This endpoint needs a tenant credential.');
    }
    // The endpoint's role is checked here, before validation and before any Idempotency-Key replay.
    if (def.role && (principal.kind !== 'tenant' || !hasRole(principal.role, def.role))) {
      const held = principal.kind === 'tenant' ? `the ${principal.role} role` : 'no tenant role';
      await record('forbidden', principal);
      throw new DomainError('forbidden', `Only ${def.role === 'owner' ? 'an owner' : 'a member'} of the tenant may call this endpoint; this credential has ${held}.`, { details: { requiredRole: def.role } });
    }
    s.principal = principal;
  }
  if (def.flag) {
    const p = s.principal;
    const flagContext = p.kind === 'tenant' ? { tenantId: p.tenantId, userId: p.actorId } : {};
    if (!options.ports.flags.isEnabled(def.flag, flagContext)) {
      throw new ProblemError('route_not_found', `No route for ${def.method} ${rawPath ?? def.path}.`);
    }
  }
};

/** Whether the endpoint has anything to admit: public endpoints without a flag skip the step. */
export const admits = (def: AnyEndpoint): boolean => def.access === 'tenant' || def.access === 'admin' || def.flag !== undefined;

/** The `admission` step: credentials, role and feature flag, before anything is read from the request. */
export const admission = (def: AnyEndpoint, options: HandlerOptions): Step => ({
  name: 'admission',
  before: ({ event, context: s }) => admit(def, options, s, event.headers?.authorization, event.rawPath),
});
