import type { AnyEndpoint } from '../kit/endpoint.ts';

/** Endpoints of the agents bounded context. */
export const agentsEndpoints: AnyEndpoint[] = [];
