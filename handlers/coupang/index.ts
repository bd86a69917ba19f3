import type { AnyEndpoint } from '../kit/endpoint.ts';
import { crossMarketEndpoint } from './cross-market.ts';
import { listOrdersEndpoint } from './orders.ts';
import { searchProductsEndpoint } from './products.ts';
import { getSellerProductEndpoint, listSellerProductsEndpoint } from './seller-products.ts';

/** Endpoints of the coupang bounded context. */
export const coupangEndpoints: AnyEndpoint[] = [searchProductsEndpoint, crossMarketEndpoint, listSellerProductsEndpoint, getSellerProductEndpoint, listOrdersEndpoint];
