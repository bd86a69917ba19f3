import type { AnyEndpoint } from '../kit/endpoint.ts';

/** Endpoints of the alibaba bounded context. */
export const alibabaEndpoints: AnyEndpoint[] = [];
