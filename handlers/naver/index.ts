import type { AnyEndpoint } from '../kit/endpoint.ts';
import { shoppingInsightEndpoint, trendsEndpoint } from './datalab.ts';
import { keywordOverviewEndpoint, keywordsEndpoint } from './keywords.ts';
import { searchShoppingEndpoint } from './shopping.ts';

/** Endpoints of the naver bounded context. */
export const naverEndpoints: AnyEndpoint[] = [searchShoppingEndpoint, keywordsEndpoint, keywordOverviewEndpoint, trendsEndpoint, shoppingInsightEndpoint];
