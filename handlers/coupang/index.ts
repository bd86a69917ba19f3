import type { AnyEndpoint } from '../kit/endpoint.ts';
import { crossMarketEndpoint } from './cross-market.ts';
import { searchProductsEndpoint } from './products.ts';

/** Endpoints of the coupang bounded context. */
export const coupangEndpoints: AnyEndpoint[] = [searchProductsEndpoint, crossMarketEndpoint];
