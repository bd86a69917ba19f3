/**
 * The shapes of the analysis context: what the margin engine is given and what it answers. Money is integer won
 * (yuan prices in fen); rates are decimals. The handlers' schemas are tied to these types.
 */
import type { CustomsRoute, CustomsRule, GoodsClass, ImportType, ShippedFrom } from './customs.ts';
import type { Category, Channel, FeeTable, NaverTier, RocketGrowthTier } from './fee-tables.ts';

// ---------------------------------------------------------------------------------------------------- inputs

export interface PriceTier {
  minQuantity: number;
  unitPriceFen: number;
}

export interface ExchangeRates {
  /** Won per yuan. */
  cnyKrw: number;
  /** Won per US dollar. */
  usdKrw: number;
  source: string;
  asOf: string;
  /** The customs (taxation) rates of the declaration week, when known; the market rates are used otherwise. */
  customs?: { cnyKrw: number; usdKrw: number; asOf?: string | undefined } | undefined;
}

export interface PurchaseInput {
  /** Either one unit price or the 1688 price tiers by quantity. */
  unitPriceFen?: number | undefined;
  priceTiers?: PriceTier[] | undefined;
  quantity: number;
  /** Purchasing agent's fee on the goods value. */
  agentFeePercent: number;
  /** China domestic shipping to the forwarder's warehouse, per shipment. */
  chinaShippingFen: number;
}

export interface FreightInput {
  ratePerKgKrw: number;
  minimumChargeKrw: number;
  unitWeightGrams: number;
  unitDimensionsCm?: { length: number; width: number; height: number } | undefined;
  /** cm^3 per kg: volumetric kg = L x W x H / divisor. */
  volumetricDivisor: number;
  /** Chargeable weight is rounded up to this step. */
  weightStepGrams: number;
}

export interface CustomsInput {
  importType: ImportType;
  goodsClass: GoodsClass;
  shippedFrom: ShippedFrom;
  /** The HS-code duty rate, when known; otherwise the category default applies. */
  dutyRatePercent?: number | undefined;
  hsCode?: string | undefined;
  /** Who pays duty and import VAT: the seller (part of landed cost) or the buyer (on delivery). */
  dutyPaidBy: 'seller' | 'buyer';
}

export type Inflow = 'naver_shopping' | 'marketing_link' | 'other';

export interface SellingInput {
  channel: Channel;
  salePriceKrw: number;
  /** Shipping fee charged to the buyer per order (one unit per order). */
  shippingFeeKrw: number;
  /** Seller-funded discounts per unit: a fixed amount and a percentage of the sale price. */
  discountKrw: number;
  discountPercent: number;
  naverTier: NaverTier;
  inflow: Inflow;
  rocketGrowthTier?: RocketGrowthTier | undefined;
  /** What the seller pays the courier per order (zero for Rocket Growth, where Coupang delivers). */
  sellerShippingCostKrw: number;
  packagingKrw: number;
  ads?: { costPerSaleKrw?: number | undefined; spendSharePercent?: number | undefined } | undefined;
  returns: { ratePercent: number; costPerReturnKrw: number };
}

export interface ProductInput {
  saleDate: string;
  category: Category;
  purchase: PurchaseInput;
  exchange: ExchangeRates;
  freight: FreightInput;
  customs: CustomsInput;
  /** VAT-registered (general taxpayer) sellers pay output VAT on sales and recover input VAT. */
  vatRegistered: boolean;
  targetMarginPercent?: number | undefined;
  /** Per-request rate overrides by rate key, in the rate's own unit and VAT basis. */
  rateOverrides?: Record<string, number> | undefined;
}

/** The product at no particular order quantity: what the checks between fields read (none reads the quantity). */
export interface ProductAtAnyQuantity extends Omit<ProductInput, 'purchase'> {
  purchase: Omit<PurchaseInput, 'quantity'>;
}

export interface MarginScenario extends ProductInput {
  selling: SellingInput;
}

/** A rule between fields that the scenario breaks; `field` is the dotted path of the value in the scenario. */
export interface Issue {
  field: string;
  message: string;
}

// --------------------------------------------------------------------------------------------------- results

export interface LandedCost {
  quantity: number;
  unitPriceFen: number;
  priceTier: PriceTier | null;
  exchange: ExchangeRates;
  perUnit: {
    goods: number;
    agentFee: number;
    chinaShipping: number;
    internationalFreight: number;
    duty: number;
    importVat: number;
    total: number;
  };
  shipment: {
    goodsKrw: number;
    agentFeeKrw: number;
    chinaShippingKrw: number;
    actualWeightGrams: number;
    volumetricWeightGrams: number;
    chargeableWeightGrams: number;
    freightKrw: number;
    minimumChargeApplied: boolean;
    customsValueKrw: number;
    dutyKrw: number;
    importVatKrw: number;
  };
  customs: {
    route: CustomsRoute;
    thresholdUsd: number | null;
    thresholdRule: string | null;
    valueForThresholdUsd: number;
    exempt: boolean;
    reason: string;
    dutyRatePercent: number;
    dutyRateSource: 'hs_code' | 'category_default' | 'default';
    hsCode: string | null;
    dutyWaivedBelowMinimum: boolean;
    paidBy: 'seller' | 'buyer';
  };
}

export interface FeeLine {
  key: string;
  unit: 'percent' | 'won';
  /** The rate applied (percent or won), after any override. */
  rate: number;
  vatIncluded: boolean;
  baseKrw: number;
  amountExVat: number;
  vat: number;
  amount: number;
  estimate: boolean;
  overridden: boolean;
}

export interface SaleBreakdown {
  salePrice: number;
  discount: number;
  priceAfterDiscounts: number;
  shippingFeeCharged: number;
  /** What the buyer pays: price after discounts plus the shipping fee. */
  buyerPaid: number;
  fees: { lines: FeeLine[]; total: number };
  sellingCosts: { packaging: number; sellerShipping: number; ads: number; returns: number; total: number };
  vat: { output: number; input: number; net: number } | null;
  profit: number;
}

export interface MarginResult {
  saleDate: string;
  channel: Channel;
  category: Category;
  feeTable: { id: string; effectiveFrom: string; effectiveTo: string | null };
  landed: LandedCost;
  sale: SaleBreakdown;
  profit: number;
  marginPercent: number | null;
  roiPercent: number | null;
  breakEvenSalePrice: number | null;
  target: { marginPercent: number; salePrice: number | null } | null;
  /** Keys of the estimated rates this result used. */
  estimates: string[];
}

/** The headline figures of a result, for pricing a whole catalogue where the full breakdown is too much. */
export interface MarginSummary {
  saleDate: string;
  channel: Channel;
  feeTableId: string;
  quantity: number;
  landedCost: number;
  fees: number;
  sellingCosts: number;
  netVat: number | null;
  buyerPaid: number;
  profit: number;
  marginPercent: number | null;
  roiPercent: number | null;
  breakEvenSalePrice: number | null;
  targetSalePrice: number | null;
  customsRoute: CustomsRoute;
  customsExempt: boolean;
  estimates: string[];
}

// ---------------------------------------------------------------------------------------------------- compare

export interface CompareInput extends ProductAtAnyQuantity {
  quantities: number[];
  channels: SellingInput[];
}

export interface CompareCell {
  channel: Channel;
  quantity: number;
  salePrice: number;
  landedCostPerUnit: number;
  feesPerUnit: number;
  sellingCostsPerUnit: number;
  profitPerUnit: number;
  /** Profit per unit times the order quantity: what the whole order earns when every unit sells. */
  profitTotal: number;
  marginPercent: number | null;
  roiPercent: number | null;
  breakEvenSalePrice: number | null;
  targetSalePrice: number | null;
  customsRoute: CustomsRoute;
  customsExempt: boolean;
  feeTableId: string;
}

export interface CompareResult {
  saleDate: string;
  cells: CompareCell[];
  best: {
    byProfitTotal: { channel: Channel; quantity: number; profitTotal: number };
    byProfitPerUnit: { channel: Channel; quantity: number; profitPerUnit: number };
    byRoi: { channel: Channel; quantity: number; roiPercent: number } | null;
  };
  estimates: string[];
}

// ------------------------------------------------------------------------------------------------ rules in force

export interface RulesInForce {
  /** The KST calendar day asked about. */
  date: string;
  tables: FeeTable[];
  customs: CustomsRule[];
  /** The rounding rule in one sentence. */
  rounding: string;
}

// ----------------------------------------------------------------------------------------- sourcing from 1688

/** A 1688 offer to price the purchase from, instead of prices given by hand. */
export interface OfferRef {
  offerId: string;
  /** The SKU bought; needed when the offer prices its SKUs differently. */
  skuId?: string | undefined;
}

/**
 * A margin or compare request as callers send it: the purchase may name an offer, which then gives the prices,
 * the minimum order and the unit's weight and size (a weight or size given in `freight` wins over the offer's).
 */
export type WithOffer<T extends { purchase: object; freight: FreightInput }> = Omit<T, 'purchase' | 'freight'> & {
  purchase: T['purchase'] & { offer?: OfferRef | undefined };
  freight: Omit<FreightInput, 'unitWeightGrams'> & { unitWeightGrams?: number | undefined };
};

/** What the engine took from an offer, and from when. */
export interface OfferPurchase {
  offerId: string;
  skuId: string | null;
  subject: string;
  source: string;
  asOf: string;
  cached: boolean;
  quoteType: 'by_quantity' | 'by_sku' | 'sku_by_quantity';
  minOrderQuantity: number;
  /** The tiers the engine priced with: the offer's tiers from its minimum order, or the SKU's price from it. */
  priceTiers: PriceTier[];
  unitWeightGrams: number;
  weightFrom: 'sku' | 'offer' | 'request';
  unitDimensionsCm: { length: number; width: number; height: number } | null;
  sizeFrom: 'offer' | 'request' | 'none';
}

export type FromOffer<T> = T & { offer?: OfferPurchase | undefined };

/** The values a landed-cost quote assumed, and which of them the caller left to their defaults. */
export interface LandedAssumptions {
  cnyKrw: number;
  usdKrw: number;
  ratePerKgKrw: number;
  agentFeePercent: number;
  chinaShippingFen: number;
  category: Category;
  channel: Channel;
  saleDate: string;
  importType: ImportType;
  dutyPaidBy: 'seller' | 'buyer';
  defaulted: string[];
}

export interface LandedTier {
  /** The order quantity the tier was priced at (its start). */
  quantity: number;
  unitPriceFen: number;
  landedCostPerUnit: number;
  goods: number;
  agentFee: number;
  internationalFreight: number;
  duty: number;
  importVat: number;
  customsRoute: CustomsRoute;
  customsExempt: boolean;
}

export interface LandedQuote {
  offer: OfferPurchase;
  assumptions: LandedAssumptions;
  tiers: LandedTier[];
  /** The quantity the margin is for. */
  quantity: number;
  /** The margin on the channel at `quantity`; null without a sale price. */
  margin: MarginSummary | null;
}
