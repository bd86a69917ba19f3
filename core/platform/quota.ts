import { isDomainError } from '../shared/errors.ts';

/** What the toolkit says about the call it meters. */
export interface MeteredCall {
  /** A calculation with no I/O of its own: it may answer while the meter store is down (see `outageGrace`). */
  pure?: boolean;
}

/**
 * The daily API-call budget a tenant's plan grants. The handler toolkit calls it once per metered request that
 * passed validation (a refused request costs nothing); it throws DomainError('rate_limited') with
 * retryAfterSeconds when the budget is spent, and DomainError('unavailable') when the meter store is down.
 */
export interface ApiQuota {
  consume(tenantId: string, signal?: AbortSignal, call?: MeteredCall): Promise<void>;
  /**
   * Adds calls that were served without being counted (while the meter store was down): capped at the budget,
   * never refused, since the calls were already answered.
   */
  record?(tenantId: string, calls: number, signal?: AbortSignal): Promise<void>;
  /** Gives back what this process holds of tenants' budgets and not spent (the runtime closes it first). */
  close?(): Promise<void>;
}

export interface OutageGraceOptions {
  /** Pure calls per tenant this process answers unmetered while the meter store is down; 0 turns the grace off. */
  calls: number;
  /** A call answered without being counted (`owed`: the tenant's uncounted calls in this process, this one included). */
  onDeferred(tenantId: string, owed: number, error: unknown): void;
  /** Owed calls were added to the tenant's count, or could not be (`error`; they stay owed). */
  onSettled(tenantId: string, calls: number, error?: unknown): void;
}

/**
 * The rule for pure calculations while the meter store is down (docs/billing.md): a pure call whose metering
 * fails as `unavailable` is answered anyway, up to `calls` per tenant per process, each one logged; past that it
 * answers 503 like any other call. The owed calls are added to the tenant's count at its next call that is
 * metered successfully in this process. Everything else (non-pure calls, a spent budget, other errors) is
 * unchanged.
 */
export const outageGrace = (quota: ApiQuota, options: OutageGraceOptions): ApiQuota => {
  const owed = new Map<string, number>();
  const settle = async (tenantId: string, signal: AbortSignal | undefined): Promise<void> => {
    const calls = owed.get(tenantId);
    if (!calls || !quota.record) return;
    owed.delete(tenantId);
    try {
      await quota.record(tenantId, calls, signal);
      options.onSettled(tenantId, calls);
    } catch (error) {
      owed.set(tenantId, (owed.get(tenantId) ?? 0) + calls);
      options.onSettled(tenantId, calls, error);
    }
  };
  return {
    consume: async (tenantId, signal, call) => {
      try {
        await quota.consume(tenantId, signal, call);
      } catch (error) {
        // A spent budget means the store is back and there is nothing left to add the owed calls to.
        if (isDomainError(error) && error.code === 'rate_limited') owed.delete(tenantId);
        const already = owed.get(tenantId) ?? 0;
        if (!call?.pure || !isDomainError(error) || error.code !== 'unavailable' || already >= options.calls) throw error;
        owed.set(tenantId, already + 1);
        options.onDeferred(tenantId, already + 1, error);
        return;
      }
      if (owed.size > 0) await settle(tenantId, signal);
    },
    ...(quota.record ? { record: quota.record } : {}),
  };
};
