import type { AnyEndpoint } from './endpoint.ts';
import type { HandlerOptions } from './options.ts';
import type { RequestScope, Step } from './request.ts';

/** Whether calls to the endpoint count against the tenant's daily budget (where a quota port is configured). */
export const isMetered = (def: AnyEndpoint): boolean => def.metered ?? def.access === 'tenant';

const PURE_CALL = Object.freeze({ pure: true });

/**
 * Counts one call against the tenant's daily budget. Runs after validation, right before the use case: a request
 * refused for its credentials, its flag or its input costs nothing.
 */
export const meter = async (def: AnyEndpoint, options: HandlerOptions, s: RequestScope): Promise<void> => {
  if (s.principal.kind !== 'tenant') return;
  await options.ports.quota?.consume(s.principal.tenantId, s.signal, def.pure ? PURE_CALL : undefined);
};

/** The `metering` step, for metered endpoints only. */
export const metering = (def: AnyEndpoint, options: HandlerOptions): Step => ({
  name: 'metering',
  before: ({ context: s }) => meter(def, options, s),
});
