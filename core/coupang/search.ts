import type { ProductSearchQuery, ProductSearchResult, Sourced } from './model.ts';
import type { CallOptions, CoupangPorts } from './ports.ts';

/** GET /v1/coupang/products/search: Coupang's top products for a keyword (Partners), normalised by the adapter. */
export const searchProducts = (ports: { coupang: Pick<CoupangPorts, 'products'> }, query: ProductSearchQuery, options: CallOptions = {}): Promise<Sourced<ProductSearchResult>> =>
  ports.coupang.products.search(query, options);
