import type { AnyEndpoint } from '../kit/endpoint.ts';

/** Endpoints of the analysis bounded context. */
export const analysisEndpoints: AnyEndpoint[] = [];
