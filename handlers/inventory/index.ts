import type { AnyEndpoint } from '../kit/endpoint.ts';

/** Endpoints of the inventory bounded context. */
export const inventoryEndpoints: AnyEndpoint[] = [];
