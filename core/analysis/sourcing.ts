/**
 * Pricing a purchase from a 1688 offer. The offer (reached through the alibaba context's port) gives the price
 * tiers or the SKU's price, the minimum order, and the unit's weight and size; the margin engine then runs as for
 * prices given by hand. The answer names the offer and when 1688 gave it.
 */
import type { OfferCatalog, OfferDetail, Sourced } from '../alibaba/ports.ts';
import { DomainError } from '../shared/errors.ts';
import { compareMargins } from './compare.ts';
import { FEE_TABLES, type Category, type Channel } from './fee-tables.ts';
import { computeMargin, computeMarginSummary } from './margin.ts';
import { assertValid, InvalidScenario } from './margin/checks.ts';
import { landedCost } from './margin/landed-cost.ts';
import type {
  CompareInput,
  CompareResult,
  FreightInput,
  FromOffer,
  Issue,
  LandedAssumptions,
  LandedQuote,
  MarginResult,
  MarginScenario,
  MarginSummary,
  OfferPurchase,
  OfferRef,
  PriceTier,
  ProductInput,
  SellingInput,
  WithOffer,
} from './model.ts';

type Ports = { alibaba: { offers: Pick<OfferCatalog, 'detail'> } };
type Options = { signal?: AbortSignal };

const invalid = (field: string, message: string) => new InvalidScenario([{ field, message }]);

/** The offer's prices from its minimum order: tiers starting below it start at it (the last such tier applies there). */
export const tiersFromMoq = (tiers: readonly PriceTier[], moq: number): PriceTier[] => {
  const sorted = [...tiers].sort((a, b) => a.minQuantity - b.minQuantity);
  const below = sorted.filter((t) => t.minQuantity <= moq).at(-1);
  return [...(below ? [{ minQuantity: moq, unitPriceFen: below.unitPriceFen }] : []), ...sorted.filter((t) => t.minQuantity > moq)];
};

/**
 * What an offer says about the purchase: its tiers (quoteType 0 and 2) or the chosen SKU's price (quoteType 1),
 * its minimum order, and the unit's weight (the SKU's where given) and size. `freight` values given win.
 */
export const purchaseFromOffer = (
  found: Sourced<OfferDetail>,
  ref: OfferRef,
  freight: { unitWeightGrams?: number | undefined; unitDimensionsCm?: FreightInput['unitDimensionsCm'] },
  at = 'purchase.offer',
): OfferPurchase => {
  const d = found.data;
  const sku = ref.skuId === undefined ? undefined : d.skus.find((s) => s.skuId === ref.skuId);
  if (ref.skuId !== undefined && !sku) {
    throw invalid(`${at}.skuId`, `Offer ${d.offerId} has no SKU ${ref.skuId}${d.skus.length ? `; its SKUs are ${d.skus.map((s) => s.skuId).join(', ')}` : ' (it sells without SKUs)'}.`);
  }
  const moq = d.minOrderQuantity;
  let tiers: PriceTier[];
  if (d.quoteType === 'by_sku' || d.priceTiers.length === 0) {
    const prices = [...new Set(d.skus.map((s) => s.priceFen).filter((p): p is number => p !== null))];
    const price = sku ? sku.priceFen : prices.length === 1 ? prices[0]! : null;
    if (price === null || price === undefined) {
      if (!sku && prices.length > 1) {
        throw invalid(`${at}.skuId`, `Offer ${d.offerId} prices each SKU differently: name one of ${d.skus.map((s) => s.skuId).join(', ')}.`);
      }
      throw new DomainError('unprocessable', `1688 gives no price for offer ${d.offerId}${sku ? ` SKU ${sku.skuId}` : ''}`, { details: { offerId: d.offerId } });
    }
    tiers = [{ minQuantity: moq, unitPriceFen: price }];
  } else {
    tiers = tiersFromMoq(d.priceTiers, moq);
  }
  const offerGrams = d.shipping.weightKg === null ? null : Math.round(d.shipping.weightKg * 1000);
  const weight: [number, OfferPurchase['weightFrom']] | null =
    freight.unitWeightGrams !== undefined ? [freight.unitWeightGrams, 'request'] : sku?.weightGrams ? [sku.weightGrams, 'sku'] : offerGrams ? [offerGrams, 'offer'] : null;
  if (!weight) throw invalid('freight.unitWeightGrams', `Offer ${d.offerId} gives no weight: give freight.unitWeightGrams.`);
  const { lengthCm: length, widthCm: width, heightCm: height } = d.shipping;
  const size: [OfferPurchase['unitDimensionsCm'], OfferPurchase['sizeFrom']] = freight.unitDimensionsCm
    ? [freight.unitDimensionsCm, 'request']
    : length !== null && width !== null && height !== null
      ? [{ length, width, height }, 'offer']
      : [null, 'none'];
  return {
    offerId: d.offerId,
    skuId: sku?.skuId ?? null,
    subject: d.subject,
    source: found.source,
    asOf: found.asOf,
    cached: found.cached,
    quoteType: d.quoteType,
    minOrderQuantity: moq,
    priceTiers: tiers,
    unitWeightGrams: weight[0],
    weightFrom: weight[1],
    unitDimensionsCm: size[0],
    sizeFrom: size[1],
  };
};

const moqIssue = (offer: OfferPurchase, quantity: number, field: string): Issue | null =>
  quantity < offer.minOrderQuantity ? { field, message: `Below the minimum order quantity of ${offer.minOrderQuantity} of offer ${offer.offerId}.` } : null;

const freightWith = (freight: WithOffer<MarginScenario>['freight'], offer: OfferPurchase): FreightInput => ({
  ...freight,
  unitWeightGrams: offer.unitWeightGrams,
  ...(offer.unitDimensionsCm ? { unitDimensionsCm: offer.unitDimensionsCm } : {}),
});

const pricesGiven = (p: { unitPriceFen?: number | undefined; priceTiers?: PriceTier[] | undefined }) => p.unitPriceFen !== undefined || p.priceTiers !== undefined;

const fetchOffer = async (ports: Ports, ref: OfferRef, options: Options): Promise<Sourced<OfferDetail>> => {
  try {
    return await ports.alibaba.offers.detail(ref.offerId, options);
  } catch (error) {
    // An offer 1688 does not know is the caller's mistake in the body, not a missing resource of ours.
    if (error instanceof DomainError && error.code === 'not_found') throw invalid('purchase.offer.offerId', `1688 has no offer ${ref.offerId}.`);
    throw error;
  }
};

/** Narrows a request without an offer to the engine's scenario, checking the weight the offer would have given. */
export const withoutOffer = <R extends { freight: { unitWeightGrams?: number | undefined } }>(request: R): R & { freight: { unitWeightGrams: number } } => {
  if (!hasWeight(request)) throw invalid('freight.unitWeightGrams', 'Give freight.unitWeightGrams, or name a 1688 offer in purchase.offer.');
  return request;
};
const hasWeight = <R extends { freight: { unitWeightGrams?: number | undefined } }>(r: R): r is R & { freight: { unitWeightGrams: number } } => r.freight.unitWeightGrams !== undefined;

/** POST /v1/analysis/margin with `purchase.offer`: the offer's prices, MOQ and weight, then the engine. */
export const marginFromOffer = async (
  ports: Ports,
  request: WithOffer<MarginScenario>,
  view: 'full' | 'summary',
  options: Options = {},
): Promise<FromOffer<MarginResult> | FromOffer<MarginSummary>> => {
  const { offer: ref, ...purchase } = request.purchase;
  if (!ref) throw invalid('purchase.offer', 'Name a 1688 offer.');
  if (pricesGiven(purchase)) throw invalid('purchase.offer', 'Give purchase.offer or prices (unitPriceFen, priceTiers), not both.');
  const offer = purchaseFromOffer(await fetchOffer(ports, ref, options), ref, request.freight);
  assertValid([moqIssue(offer, purchase.quantity, 'purchase.quantity')].filter((i): i is Issue => i !== null));
  const scenario: MarginScenario = { ...request, purchase: { ...purchase, priceTiers: offer.priceTiers }, freight: freightWith(request.freight, offer) };
  return view === 'full' ? { ...computeMargin(scenario), offer } : { ...computeMarginSummary(scenario), offer };
};

/** POST /v1/analysis/margin/compare with `purchase.offer`. */
export const compareFromOffer = async (ports: Ports, request: WithOffer<CompareInput>, options: Options = {}): Promise<FromOffer<CompareResult>> => {
  const { offer: ref, ...purchase } = request.purchase;
  if (!ref) throw invalid('purchase.offer', 'Name a 1688 offer.');
  if (pricesGiven(purchase)) throw invalid('purchase.offer', 'Give purchase.offer or prices (unitPriceFen, priceTiers), not both.');
  const offer = purchaseFromOffer(await fetchOffer(ports, ref, options), ref, request.freight);
  assertValid(request.quantities.map((q, i) => moqIssue(offer, q, `quantities.${i}`)).filter((i): i is Issue => i !== null));
  return { ...compareMargins({ ...request, purchase: { ...purchase, priceTiers: offer.priceTiers }, freight: freightWith(request.freight, offer) }), offer };
};

// ------------------------------------------------------------------------------------------- landed-cost quote

/** What a quote assumes when the caller does not say (docs/alibaba.md lists them). */
export const LANDED_DEFAULTS = {
  cnyKrw: 190,
  usdKrw: 1380,
  ratePerKgKrw: 4000,
  agentFeePercent: 0,
  chinaShippingFen: 0,
  category: 'other',
  channel: 'naver_smart_store',
  importType: 'bulk',
  dutyPaidBy: 'seller',
} as const satisfies Partial<Record<keyof LandedAssumptions, unknown>>;

export interface LandedQuery {
  offerId: string;
  skuId?: string | undefined;
  quantity?: number | undefined;
  channel?: Channel | undefined;
  salePriceKrw?: number | undefined;
  cnyKrw?: number | undefined;
  usdKrw?: number | undefined;
  ratePerKgKrw?: number | undefined;
  agentFeePercent?: number | undefined;
  chinaShippingFen?: number | undefined;
  category?: Category | undefined;
  saleDate: string;
}

/** GET /v1/alibaba/offers/{offerId}/landed: landed cost per unit at each tier, and the margin on one channel. */
export const landedQuote = async (ports: Ports, q: LandedQuery, options: Options = {}): Promise<LandedQuote> => {
  const defaulted: string[] = [];
  const pick = <K extends keyof typeof LANDED_DEFAULTS>(key: K, given: (typeof LANDED_DEFAULTS)[K] | undefined | (K extends 'category' ? Category : K extends 'channel' ? Channel : number)) => {
    if (given !== undefined) return given;
    defaulted.push(key);
    return LANDED_DEFAULTS[key];
  };
  const assumptions: LandedAssumptions = {
    cnyKrw: pick('cnyKrw', q.cnyKrw),
    usdKrw: pick('usdKrw', q.usdKrw),
    ratePerKgKrw: pick('ratePerKgKrw', q.ratePerKgKrw),
    agentFeePercent: pick('agentFeePercent', q.agentFeePercent),
    chinaShippingFen: pick('chinaShippingFen', q.chinaShippingFen),
    category: pick('category', q.category) as Category,
    channel: pick('channel', q.channel) as Channel,
    saleDate: q.saleDate,
    importType: LANDED_DEFAULTS.importType,
    dutyPaidBy: LANDED_DEFAULTS.dutyPaidBy,
    defaulted: [],
  };
  const ref: OfferRef = { offerId: q.offerId, ...(q.skuId !== undefined ? { skuId: q.skuId } : {}) };
  let found: Sourced<OfferDetail>;
  try {
    found = await ports.alibaba.offers.detail(q.offerId, options);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') throw new DomainError('not_found', `1688 has no offer ${q.offerId}`, { details: error.details });
    throw error;
  }
  let offer: OfferPurchase;
  try {
    offer = purchaseFromOffer(found, ref, {}, 'query');
  } catch (error) {
    throw onQuery(error);
  }
  const quantity = q.quantity ?? offer.minOrderQuantity;
  if (q.quantity === undefined) defaulted.push('quantity');
  const moq = moqIssue(offer, quantity, 'quantity');
  if (moq) throw queryError(moq.field, moq.message);
  assumptions.defaulted = defaulted;

  const product = (n: number): ProductInput => ({
    saleDate: q.saleDate,
    category: assumptions.category,
    purchase: { priceTiers: offer.priceTiers, quantity: n, agentFeePercent: assumptions.agentFeePercent, chinaShippingFen: assumptions.chinaShippingFen },
    exchange: { cnyKrw: assumptions.cnyKrw, usdKrw: assumptions.usdKrw, source: assumptions.defaulted.includes('cnyKrw') ? 'default rate (docs/alibaba.md)' : 'caller', asOf: q.saleDate },
    freight: {
      ratePerKgKrw: assumptions.ratePerKgKrw,
      minimumChargeKrw: 0,
      unitWeightGrams: offer.unitWeightGrams,
      ...(offer.unitDimensionsCm ? { unitDimensionsCm: offer.unitDimensionsCm } : {}),
      volumetricDivisor: 6000,
      weightStepGrams: 500,
    },
    customs: { importType: assumptions.importType, goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: assumptions.dutyPaidBy },
    vatRegistered: false,
  });
  const tiers = offer.priceTiers.map((t) => {
    const l = landedCost(product(t.minQuantity));
    return {
      quantity: t.minQuantity,
      unitPriceFen: t.unitPriceFen,
      landedCostPerUnit: l.perUnit.total,
      goods: l.perUnit.goods,
      agentFee: l.perUnit.agentFee,
      internationalFreight: l.perUnit.internationalFreight,
      duty: l.perUnit.duty,
      importVat: l.perUnit.importVat,
      customsRoute: l.customs.route,
      customsExempt: l.customs.exempt,
    };
  });
  let margin: MarginSummary | null = null;
  if (q.salePriceKrw !== undefined) {
    const selling: SellingInput = {
      channel: assumptions.channel,
      salePriceKrw: q.salePriceKrw,
      shippingFeeKrw: 0,
      discountKrw: 0,
      discountPercent: 0,
      naverTier: 'general',
      inflow: 'naver_shopping',
      sellerShippingCostKrw: 0,
      packagingKrw: 0,
      returns: { ratePercent: 0, costPerReturnKrw: 0 },
    };
    try {
      margin = computeMarginSummary({ ...product(quantity), selling }, FEE_TABLES);
    } catch (error) {
      throw onQuery(error);
    }
  }
  return { offer, assumptions, tiers, quantity, margin };
};

/** The quote's query names its own parameters: engine fields map to the query's. */
const QUERY_FIELDS: Record<string, string> = { 'query.skuId': 'skuId', 'freight.unitWeightGrams': 'offerId', 'selling.rocketGrowthTier': 'channel', 'freight.unitDimensionsCm': 'channel', saleDate: 'channel' };
const queryError = (field: string, message: string) =>
  new DomainError('invalid', `${field}: ${message}`, { details: { errors: [{ in: 'query', field, message, code: 'invalid' }] } });
const onQuery = (error: unknown): unknown =>
  error instanceof InvalidScenario
    ? new DomainError('invalid', error.message, { details: { errors: error.issues.map((i) => ({ in: 'query', field: QUERY_FIELDS[i.field] ?? i.field, message: i.message, code: 'invalid' })) } })
    : error;
