import type { AnyEndpoint } from '../kit/endpoint.ts';
import { getOfferEndpoint, imageSearchEndpoint, landedCostEndpoint, searchOffersEndpoint } from './offers.ts';

/** Endpoints of the alibaba bounded context. */
export const alibabaEndpoints: AnyEndpoint[] = [searchOffersEndpoint, getOfferEndpoint, imageSearchEndpoint, landedCostEndpoint];
