import type { ShoppingQuery, ShoppingResult, Sourced } from './model.ts';
import type { CallOptions, NaverPorts } from './ports.ts';

/** GET /v1/naver/shopping/search: one page of Naver shopping search, normalised by the adapter. */
export const searchShopping = (ports: { naver: Pick<NaverPorts, 'shopping'> }, query: ShoppingQuery, options: CallOptions = {}): Promise<Sourced<ShoppingResult>> =>
  ports.naver.shopping.search(query, options);
