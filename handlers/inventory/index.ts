import type { AnyEndpoint } from '../kit/endpoint.ts';
import { createBundleEndpoint } from './bundles.ts';
import { listChannelOrdersEndpoint, pollChannelOrdersEndpoint } from './channel-orders.ts';
import { listListingsEndpoint, putListingEndpoint } from './listings.ts';
import { confirmReservationEndpoint, getReservationEndpoint, releaseReservationEndpoint, reserveEndpoint } from './reservations.ts';
import { adjustStockEndpoint, createSkuEndpoint, getSkuEndpoint, listLedgerEndpoint, listSkusEndpoint } from './skus.ts';
import { getSyncEndpoint, syncEndpoint } from './sync.ts';

/** Endpoints of the inventory bounded context, in the order a seller uses them (the OpenAPI examples run in it). */
export const inventoryEndpoints: AnyEndpoint[] = [
  createSkuEndpoint,
  createBundleEndpoint,
  listSkusEndpoint,
  getSkuEndpoint,
  adjustStockEndpoint,
  listLedgerEndpoint,
  putListingEndpoint,
  listListingsEndpoint,
  reserveEndpoint,
  getReservationEndpoint,
  releaseReservationEndpoint,
  confirmReservationEndpoint,
  syncEndpoint,
  pollChannelOrdersEndpoint,
  listChannelOrdersEndpoint,
  getSyncEndpoint,
];
