import type { OfferDetail, Sourced } from './model.ts';
import type { AlibabaPorts, CallOptions } from './ports.ts';

/** 1688 offer ids are decimal numbers. */
export const OFFER_ID = /^[1-9][0-9]{5,19}$/;

/** GET /v1/alibaba/offers/{offerId}: SKUs, price tiers and the quote rule, MOQ, weight and size, seller, images. */
export const offerDetail = (ports: { alibaba: Pick<AlibabaPorts, 'offers'> }, offerId: string, options: CallOptions = {}): Promise<Sourced<OfferDetail>> =>
  ports.alibaba.offers.detail(offerId, options);
