import type { AnyEndpoint } from '../kit/endpoint.ts';
import { keywords, overview, searchShopping, shoppingInsight, trends } from './endpoints.ts';

/** Endpoints of the naver bounded context. */
export const naverEndpoints: AnyEndpoint[] = [searchShopping, keywords, overview, trends, shoppingInsight];
