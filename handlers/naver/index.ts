import type { AnyEndpoint } from '../kit/endpoint.ts';

/** Endpoints of the naver bounded context. */
export const naverEndpoints: AnyEndpoint[] = [];
