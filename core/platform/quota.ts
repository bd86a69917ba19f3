/**
 * The daily API-call budget a tenant's plan grants. The handler toolkit calls it once per metered request,
 * after authentication; it throws DomainError('rate_limited') with retryAfterSeconds when the budget is spent.
 */
export interface ApiQuota {
  consume(tenantId: string, signal?: AbortSignal): Promise<void>;
}
