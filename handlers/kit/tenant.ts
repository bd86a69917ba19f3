import { DomainError } from '../../core/shared/errors.ts';
import type { Principal } from '../../core/platform/principal.ts';
import type { EndpointContext } from './endpoint.ts';

export type TenantPrincipal = Extract<Principal, { kind: 'tenant' }>;

/**
 * The calling tenant. The toolkit has already refused other credentials on `access: 'tenant'` endpoints (and a
 * member on `role: 'owner'` ones); this narrows the type and keeps the use case safe if it is reached otherwise.
 * `owner` names what only an owner may do, for the message ("change its billing").
 */
export const requireTenant = (ctx: Pick<EndpointContext, 'principal'>, opts: { owner?: string } = {}): TenantPrincipal => {
  const p = ctx.principal;
  if (p.kind !== 'tenant') throw new DomainError('forbidden', 'This endpoint needs a tenant credential.');
  if (opts.owner !== undefined && p.role !== 'owner') {
    throw new DomainError('forbidden', `Only an owner of the tenant may ${opts.owner}; this credential has the member role.`, {
      details: { requiredRole: 'owner' },
    });
  }
  return p;
};
