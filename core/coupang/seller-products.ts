import { DomainError } from '../shared/errors.ts';
import type { Page, SellerProduct, SellerProductsQuery, SellerProductSummary } from './model.ts';
import type { CallOptions } from './ports.ts';
import { withWingAccount, type WingDeps } from './wing-account.ts';

/** GET /v1/coupang/seller-products: one page of the seller's registered products on Wing. */
export const listSellerProducts = (deps: WingDeps, tenantId: string, query: SellerProductsQuery, options: CallOptions = {}): Promise<Page<SellerProductSummary>> =>
  withWingAccount(deps, tenantId, (account) => deps.coupang.wing.sellerProducts(account, query, options));

/** GET /v1/coupang/seller-products/{sellerProductId}: one product with its items (options, by vendorItemId). */
export const getSellerProduct = async (deps: WingDeps, tenantId: string, sellerProductId: string, options: CallOptions = {}): Promise<SellerProduct> => {
  if (!/^\d{1,20}$/.test(sellerProductId)) throw new DomainError('invalid', 'sellerProductId is a number of up to 20 digits', { details: { field: 'sellerProductId' } });
  return withWingAccount(deps, tenantId, (account) => deps.coupang.wing.sellerProduct(account, sellerProductId, options));
};
