/**
 * Landed cost and margin of one unit bought on 1688 and sold on a Korean marketplace.
 *
 * ROUNDING RULE (the one rule; docs/analysis.md repeats it):
 *   Inputs are integers (won, fen, grams, cm) and decimal rates. Each displayed component is computed in
 *   float64 from the inputs and rounded once, half-up, to the whole won (`won()`); floating-point noise below
 *   1/10,000 won is absorbed first so 0.5 always rounds up. Totals, profit and VAT are sums and differences of
 *   the rounded components, so every breakdown adds up exactly. Shipment amounts (goods, freight, duty, VAT)
 *   are rounded at shipment level, then divided by the quantity and rounded per unit. Duty and import VAT
 *   follow the tax rule instead: truncated to 10 won per declaration (`CUSTOMS_RULES.taxTruncationKrw`).
 *   Percentages in the output (margin, ROI) are rounded half-up to 2 decimals.
 */
import { DomainError } from '../shared/errors.ts';
import { CUSTOMS_RULES, decideRoute, defaultDutyRate, type CustomsRoute, type GoodsClass, type ImportType, type ShippedFrom } from './customs.ts';
import {
  FEE_TABLES,
  channelRate,
  channelRateKey,
  rateInAny,
  rocketGrowthTierFor,
  tableFor,
  type Category,
  type Channel,
  type FeeTable,
  type NaverTier,
  type Rate,
  type RocketGrowthTier,
} from './fee-tables.ts';

/** Half-up to the won after absorbing binary floating-point noise (1.005 * 100 and friends). */
export const won = (x: number): number => Math.floor(Math.round(x * 1e4) / 1e4 + 0.5);
/** Tax amounts: fractions under 10 won are dropped. */
export const truncate10 = (x: number): number => Math.floor(Math.round(x * 1e4) / 1e4 / 10) * 10;
const pct2 = (x: number): number => Math.floor(Math.round(x * 1e6) / 1e4 + 0.5) / 100;

/** The rounding rule in one sentence, for API answers and docs. */
export const ROUNDING_RULE =
  'Each component is computed in float64 and rounded once, half-up, to the whole won; totals, profit and VAT are sums ' +
  'of rounded components. Shipment amounts are rounded per shipment, then divided by the quantity and rounded per ' +
  'unit. Duty and import VAT are truncated to 10 won per declaration. Percentages are rounded half-up to 2 decimals.';

/** The calendar day in Korea (UTC+9, no daylight saving) of an instant: fee tables change on KST days. */
export const kstDate = (now: Date): string => new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);

/** Highest sale price the engine searches up to when looking for a break-even or target price. */
export const MAX_SALE_PRICE_KRW = 1_000_000_000;

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

export interface MarginScenario extends ProductInput {
  selling: SellingInput;
}

export interface Issue {
  field: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------------- checks

/** Rules between fields that a schema of single fields cannot see; each issue names its field. */
export const scenarioIssues = (s: MarginScenario, tables: readonly FeeTable[] = FEE_TABLES): Issue[] => {
  const issues = productIssues(s, tables);
  checkSale(issues, s.selling, s, tables, 'selling');
  return issues;
};

export const productIssues = (p: ProductInput, tables: readonly FeeTable[] = FEE_TABLES): Issue[] => {
  const issues: Issue[] = [];
  const { purchase } = p;
  if ((purchase.unitPriceFen === undefined) === (purchase.priceTiers === undefined || purchase.priceTiers.length === 0)) {
    issues.push({ field: 'purchase.unitPriceFen', message: 'Give either purchase.unitPriceFen or purchase.priceTiers, not both or neither.' });
  }
  if (purchase.priceTiers && purchase.priceTiers.length > 0) {
    const seen = new Set<number>();
    purchase.priceTiers.forEach((t, i) => {
      if (seen.has(t.minQuantity)) issues.push({ field: `purchase.priceTiers.${i}.minQuantity`, message: `Two tiers start at ${t.minQuantity}.` });
      seen.add(t.minQuantity);
    });
  }
  for (const [key, value] of p.rateOverrides ? Object.entries(p.rateOverrides) : []) {
    const rate = rateInAny(tables, key);
    if (!rate) issues.push({ field: `rateOverrides.${key}`, message: 'Unknown rate key; GET /v1/analysis/fee-tables lists them.' });
    else if (rate.unit === 'percent' && value > 100) issues.push({ field: `rateOverrides.${key}`, message: 'A percent rate must be from 0 to 100.' });
  }
  return issues;
};

export const sellingIssues = (sell: SellingInput, p: ProductInput, tables: readonly FeeTable[], at: string): Issue[] => {
  const issues: Issue[] = [];
  checkSale(issues, sell, p, tables, at);
  return issues;
};

/** Adds the issues of one sale to `issues` and returns the fee table in force, so a valid sale need not look it up again. */
const checkSale = (issues: Issue[], sell: SellingInput, p: ProductInput, tables: readonly FeeTable[], at: string): FeeTable | undefined => {
  const table = tableFor(sell.channel, p.saleDate, tables);
  if (!table) {
    const first = tables.filter((t) => t.channel === sell.channel).map((t) => t.effectiveFrom).sort()[0];
    issues.push({ field: 'saleDate', message: `No ${sell.channel} fee table is in force on ${p.saleDate}${first ? `; tables start ${first}` : ''}.` });
  }
  if (discountOf(sell, sell.salePriceKrw) > sell.salePriceKrw) {
    issues.push({ field: `${at}.discountKrw`, message: 'Discounts exceed the sale price.' });
  }
  if (sell.ads?.costPerSaleKrw !== undefined && sell.ads.spendSharePercent !== undefined) {
    issues.push({ field: `${at}.ads`, message: 'Give ads.costPerSaleKrw or ads.spendSharePercent, not both.' });
  }
  if (sell.channel === 'coupang_rocket_growth' && sell.rocketGrowthTier === undefined) {
    const d = p.freight.unitDimensionsCm;
    if (!d) issues.push({ field: `${at}.rocketGrowthTier`, message: 'Rocket Growth needs a size tier or freight.unitDimensionsCm to pick one.' });
    else if (!rocketGrowthTierFor(d.length + d.width + d.height, p.freight.unitWeightGrams)) {
      issues.push({ field: 'freight.unitDimensionsCm', message: 'The unit is larger than the largest Rocket Growth size tier.' });
    }
  }
  return table;
};

/** Throws DomainError('invalid') naming each bad field of the scenario; returns its fee table otherwise. */
const validTable = (s: MarginScenario, tables: readonly FeeTable[]): FeeTable => {
  const issues = productIssues(s, tables);
  const table = checkSale(issues, s.selling, s, tables, 'selling');
  assertValid(issues);
  return table!;
};

const assertValid = (issues: Issue[]): void => {
  if (issues.length > 0) {
    throw new DomainError('invalid', issues.map((i) => `${i.field}: ${i.message}`).join(' '), {
      details: { errors: issues.map((i) => ({ in: 'body', field: i.field, message: i.message, code: 'invalid' })) },
    });
  }
};

// ----------------------------------------------------------------------------------------------- landed cost

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

const tierFor = (tiers: PriceTier[], quantity: number): PriceTier | undefined => {
  let best: PriceTier | undefined;
  for (const t of tiers) if (t.minQuantity <= quantity && (!best || t.minQuantity > best.minQuantity)) best = t;
  return best;
};

export const landedCost = (p: ProductInput): LandedCost => {
  const landed = landedFigures(p);
  landed.customs.reason = customsReason(landed.customs);
  return landed;
};

/**
 * The landed cost with an empty customs `reason`, which `landedCost` fills in: the text is for a person reading one
 * result, and formatting it (a number format and a concatenation) took about 8 % of the engine's time.
 */
const landedFigures = (p: ProductInput): LandedCost => {
  const { purchase, exchange, freight, customs } = p;
  const q = purchase.quantity;
  let unitPriceFen: number;
  let priceTier: PriceTier | null = null;
  if (purchase.priceTiers && purchase.priceTiers.length > 0) {
    const tier = tierFor(purchase.priceTiers, q);
    if (!tier) {
      const moq = Math.min(...purchase.priceTiers.map((t) => t.minQuantity));
      assertValid([{ field: 'purchase.quantity', message: `Below the minimum order quantity of ${moq}.` }]);
    }
    priceTier = tier!;
    unitPriceFen = tier!.unitPriceFen;
  } else {
    unitPriceFen = purchase.unitPriceFen!;
  }

  // Purchase at the market rate (what the seller actually pays for yuan).
  const goodsExact = (unitPriceFen * q * exchange.cnyKrw) / 100;
  const goodsKrw = won(goodsExact);
  const agentFeeKrw = won((goodsExact * purchase.agentFeePercent) / 100);
  const chinaShippingKrw = won((purchase.chinaShippingFen * exchange.cnyKrw) / 100);

  // Freight: the greater of actual and volumetric weight, rounded up to the forwarder's step, then the minimum.
  const actualWeightGrams = freight.unitWeightGrams * q;
  const d = freight.unitDimensionsCm;
  const volumetricWeightGrams = d ? Math.ceil(((d.length * d.width * d.height) / freight.volumetricDivisor) * 1000 * q) : 0;
  const step = freight.weightStepGrams;
  const chargeableWeightGrams = Math.ceil(Math.max(actualWeightGrams, volumetricWeightGrams) / step) * step;
  const byWeight = won((chargeableWeightGrams / 1000) * freight.ratePerKgKrw);
  const minimumChargeApplied = byWeight < freight.minimumChargeKrw;
  const freightKrw = minimumChargeApplied ? freight.minimumChargeKrw : byWeight;

  // Customs: value at the customs rate when given. The buying agent's fee is a buying commission, which is not
  // part of the customs value; international freight is (CIF).
  const cCny = exchange.customs?.cnyKrw ?? exchange.cnyKrw;
  const cUsd = exchange.customs?.usdKrw ?? exchange.usdKrw;
  const foreignValueExact = ((unitPriceFen * q + purchase.chinaShippingFen) * cCny) / 100;
  const valueForThresholdUsd = Math.floor((foreignValueExact / cUsd) * 100 + 1e-6) / 100;
  const customsValueKrw = won(foreignValueExact) + freightKrw;
  const decision = decideRoute(customs.importType, customs.goodsClass, customs.shippedFrom);
  const dutyRate =
    customs.dutyRatePercent !== undefined
      ? { percent: customs.dutyRatePercent, source: 'hs_code' as const }
      : defaultDutyRate(p.category);

  const exempt = decision.thresholdUsd !== null && foreignValueExact / cUsd <= decision.thresholdUsd + 1e-9;

  let dutyKrw = 0;
  let importVatKrw = 0;
  let dutyWaivedBelowMinimum = false;
  if (!exempt) {
    const duty = truncate10((customsValueKrw * dutyRate.percent) / 100);
    dutyWaivedBelowMinimum = duty > 0 && duty < CUSTOMS_RULES.minimumDutyKrw.value;
    dutyKrw = dutyWaivedBelowMinimum ? 0 : duty;
    importVatKrw = truncate10(((customsValueKrw + dutyKrw) * CUSTOMS_RULES.importVatPercent.value) / 100);
  }
  const sellerPays = customs.dutyPaidBy === 'seller';

  const perUnit = {
    goods: won((unitPriceFen * exchange.cnyKrw) / 100),
    agentFee: won(agentFeeKrw / q),
    chinaShipping: won(chinaShippingKrw / q),
    internationalFreight: won(freightKrw / q),
    duty: sellerPays ? won(dutyKrw / q) : 0,
    importVat: sellerPays ? won(importVatKrw / q) : 0,
    total: 0,
  };
  perUnit.total = perUnit.goods + perUnit.agentFee + perUnit.chinaShipping + perUnit.internationalFreight + perUnit.duty + perUnit.importVat;

  return {
    quantity: q,
    unitPriceFen,
    priceTier,
    exchange,
    perUnit,
    shipment: {
      goodsKrw,
      agentFeeKrw,
      chinaShippingKrw,
      actualWeightGrams,
      volumetricWeightGrams,
      chargeableWeightGrams,
      freightKrw,
      minimumChargeApplied,
      customsValueKrw,
      dutyKrw,
      importVatKrw,
    },
    customs: {
      route: decision.route,
      thresholdUsd: decision.thresholdUsd,
      thresholdRule: decision.thresholdRule,
      valueForThresholdUsd,
      exempt,
      reason: '',
      dutyRatePercent: dutyRate.percent,
      dutyRateSource: dutyRate.source,
      hsCode: customs.hsCode ?? null,
      dutyWaivedBelowMinimum,
      paidBy: customs.dutyPaidBy,
    },
  };
};

const customsReason = (c: LandedCost['customs']): string => {
  if (c.thresholdUsd === null) {
    return 'Bulk stock for resale clears on a normal import declaration: no duty-free limit; duty on the CIF value, VAT on CIF plus duty.';
  }
  const value = `Goods value plus foreign shipping US$${c.valueForThresholdUsd.toFixed(2)}`;
  return c.exempt
    ? `${value} is within the US$${c.thresholdUsd} limit (${c.thresholdRule}): no duty or VAT.`
    : `${value} is over the US$${c.thresholdUsd} limit (${c.thresholdRule}): duty and VAT on the whole CIF value.`;
};

// -------------------------------------------------------------------------------------------------- sale side

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

/** A rate one sale pays, after the request's overrides, and what the sale charges it on. */
interface Charge {
  rate: Rate;
  value: number;
  overridden: boolean;
  /** Decided by the channel's rules here, not read from `rate.base` (a caller's table may say otherwise). */
  base: Rate['base'];
}

/**
 * Everything the sale side needs that does not depend on the sale price, worked out once per scenario: the price
 * searches evaluate the sale several times.
 */
interface SaleModel {
  table: FeeTable;
  sell: SellingInput;
  /** In the order of the breakdown's fee lines: on the price, on what the buyer paid, on shipping, per unit. */
  charges: Charge[];
  /** Rocket Growth buyers pay no shipping and the seller ships nothing (Coupang delivers). */
  shippingFeeCharged: number;
  sellerShipping: number;
  returns: number;
  vatRegistered: boolean;
  landedTotal: number;
  landedImportVat: number;
}

/** The channel's rate `name` (or `name.variant`) in the table, with the request's override if any. */
const charge = (table: FeeTable, name: string, variant: string | null, overrides: Record<string, number> | undefined, base: Rate['base']): Charge => {
  const rate = channelRate(table, name, variant);
  if (!rate) throw new Error(`fee table ${table.id} has no rate ${channelRateKey(table.channel, name, variant)}`);
  const o = overrides?.[rate.key];
  return o === undefined ? { rate, value: rate.value, overridden: false, base } : { rate, value: o, overridden: true, base };
};

const saleModel = (
  sell: SellingInput,
  p: ProductInput,
  landed: LandedCost,
  tables: readonly FeeTable[],
  table: FeeTable = tableFor(sell.channel, p.saleDate, tables)!,
): SaleModel => {
  const o = p.rateOverrides;
  const ch = sell.channel;
  const charges: Charge[] = [];
  if (ch === 'naver_smart_store' || ch === 'naver_brand_store') {
    // Looked up first, as it always was (a table without it fails naming this key); listed after the fee on the price.
    const orderManagement = charge(table, 'order_management', sell.naverTier, o, 'price_after_discounts_plus_shipping');
    if (channelRate(table, 'sales_commission', null)) {
      const variant = sell.inflow === 'marketing_link' ? 'marketing_link' : null;
      charges.push(charge(table, 'sales_commission', variant, o, 'price_after_discounts'));
    } else if (sell.inflow === 'naver_shopping') {
      charges.push(charge(table, 'sales_linked', null, o, 'price_after_discounts'));
    }
    charges.push(orderManagement);
  } else {
    charges.push(charge(table, 'commission', p.category, o, 'price_after_discounts'));
    if (ch === 'coupang_wing') charges.push(charge(table, 'shipping_fee_commission', null, o, 'shipping_fee'));
    else {
      const d = p.freight.unitDimensionsCm;
      const tier = sell.rocketGrowthTier ?? rocketGrowthTierFor(d!.length + d!.width + d!.height, p.freight.unitWeightGrams)!;
      charges.push(charge(table, 'fulfilment', tier, o, 'per_unit'));
    }
  }
  const rocketGrowth = ch === 'coupang_rocket_growth';
  return {
    table,
    sell,
    charges,
    shippingFeeCharged: rocketGrowth ? 0 : sell.shippingFeeKrw,
    sellerShipping: rocketGrowth ? 0 : sell.sellerShippingCostKrw,
    returns: won((sell.returns.ratePercent * sell.returns.costPerReturnKrw) / 100),
    vatRegistered: p.vatRegistered,
    landedTotal: landed.perUnit.total,
    landedImportVat: landed.perUnit.importVat,
  };
};

// Most sales have no percentage discount: the rounding, which gives 0 for any finite price, is skipped then.
const discountOf = (sell: SellingInput, price: number): number =>
  (sell.discountPercent === 0 && Number.isFinite(price) ? 0 : won((price * sell.discountPercent) / 100)) + sell.discountKrw;

/** The figures of a sale at one price. One object is reused across a price search, so the search allocates nothing. */
interface SaleTotals {
  discount: number;
  priceAfterDiscounts: number;
  buyerPaid: number;
  feesTotal: number;
  feesVat: number;
  ads: number;
  sellingCostsTotal: number;
  vatOutput: number;
  vatInput: number;
  netVat: number;
  profit: number;
}

const emptyTotals = (): SaleTotals => ({
  discount: 0,
  priceAfterDiscounts: 0,
  buyerPaid: 0,
  feesTotal: 0,
  feesVat: 0,
  ads: 0,
  sellingCostsTotal: 0,
  vatOutput: 0,
  vatInput: 0,
  netVat: 0,
  profit: 0,
});

/**
 * The arithmetic of a sale at one price, the only place it is written: the breakdown passes `lines` to receive
 * each fee's FeeLine, the summary and the price searches pass null and read only the totals written into `out`.
 */
const evaluateSale = (m: SaleModel, salePrice: number, out: SaleTotals, lines: FeeLine[] | null): SaleTotals => {
  const sell = m.sell;
  const discount = Math.min(discountOf(sell, salePrice), salePrice);
  const priceAfterDiscounts = salePrice - discount;
  const buyerPaid = priceAfterDiscounts + m.shippingFeeCharged;

  let feesTotal = 0;
  let feesVat = 0;
  for (const c of m.charges) {
    const baseKrw =
      c.base === 'price_after_discounts'
        ? priceAfterDiscounts
        : c.base === 'price_after_discounts_plus_shipping'
          ? buyerPaid
          : c.base === 'shipping_fee'
            ? m.shippingFeeCharged
            : 1;
    // A won rate is a per-unit charge (its base is the unit count, 1); a percent rate is rounded on its base.
    const charged = c.rate.unit === 'won' ? c.value : won((baseKrw * c.value) / 100);
    // A VAT-inclusive charge contains 1/11 VAT; otherwise 10 % VAT comes on top.
    const vat = c.rate.vatIncluded ? won(charged / 11) : won(charged / 10);
    const amountExVat = c.rate.vatIncluded ? charged - vat : charged;
    const amount = amountExVat + vat;
    feesTotal += amount;
    feesVat += vat;
    if (lines) {
      lines.push({
        key: c.rate.key,
        unit: c.rate.unit,
        rate: c.value,
        vatIncluded: c.rate.vatIncluded,
        baseKrw,
        amountExVat,
        vat,
        amount,
        estimate: c.rate.estimate,
        overridden: c.overridden,
      });
    }
  }

  const ads =
    sell.ads?.costPerSaleKrw !== undefined
      ? sell.ads.costPerSaleKrw
      : sell.ads?.spendSharePercent !== undefined
        ? won((priceAfterDiscounts * sell.ads.spendSharePercent) / 100)
        : 0;
  const sellingCostsTotal = sell.packagingKrw + m.sellerShipping + ads + m.returns;

  let vatOutput = 0;
  let vatInput = 0;
  let netVat = 0;
  if (m.vatRegistered) {
    // Sale prices are VAT-inclusive; domestic costs are taken as VAT-inclusive amounts with a tax invoice.
    vatOutput = won(buyerPaid / 11);
    vatInput = m.landedImportVat + feesVat + won(sellingCostsTotal / 11);
    netVat = vatOutput - vatInput;
  }
  out.discount = discount;
  out.priceAfterDiscounts = priceAfterDiscounts;
  out.buyerPaid = buyerPaid;
  out.feesTotal = feesTotal;
  out.feesVat = feesVat;
  out.ads = ads;
  out.sellingCostsTotal = sellingCostsTotal;
  out.vatOutput = vatOutput;
  out.vatInput = vatInput;
  out.netVat = netVat;
  out.profit = buyerPaid - m.landedTotal - feesTotal - sellingCostsTotal - netVat;
  return out;
};

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

/** The sale side at one sale price, in full. */
const saleAt = (m: SaleModel, salePrice: number): SaleBreakdown => {
  const lines: FeeLine[] = [];
  return breakdown(m, salePrice, evaluateSale(m, salePrice, emptyTotals(), lines), lines);
};

/** The breakdown of a sale from its totals and the fee lines that evaluation wrote. */
const breakdown = (m: SaleModel, salePrice: number, t: SaleTotals, lines: FeeLine[]): SaleBreakdown => ({
  salePrice,
  discount: t.discount,
  priceAfterDiscounts: t.priceAfterDiscounts,
  shippingFeeCharged: m.shippingFeeCharged,
  buyerPaid: t.buyerPaid,
  fees: { lines, total: t.feesTotal },
  sellingCosts: { packaging: m.sell.packagingKrw, sellerShipping: m.sellerShipping, ads: t.ads, returns: m.returns, total: t.sellingCostsTotal },
  vat: m.vatRegistered ? { output: t.vatOutput, input: t.vatInput, net: t.netVat } : null,
  profit: t.profit,
});

/** Every price search starts from two prices: the sale price (kept inside the range) and this much above it. */
const SEARCH_SPAN = 100_000;
const searchStart = (salePrice: number): number => Math.min(Math.max(salePrice, 1), MAX_SALE_PRICE_KRW - SEARCH_SPAN);

/**
 * Smallest sale price in [1, MAX_SALE_PRICE_KRW] where `f` is at least zero, or null when none is. `f` rises by at
 * most one won per won of price (every cost that grows with the price is rounded from a rate below 100 %), so a
 * linear estimate followed by a short walk lands on the first crossing. The caller passes f at the two starting
 * prices `p1` (from `searchStart`) and `p1 + SEARCH_SPAN`, which the break-even and target searches share.
 */
const firstPriceWhere = (f: (price: number) => number, p1: number, f1: number, f2: number): number | null => {
  // The walk asks again for the price it evaluated one or two calls before (p - 1 after p, p after p + 1): the
  // last two values are kept. f is a pure function of the price, so this changes no answer.
  let lastP = p1 + SEARCH_SPAN;
  let lastF = f2;
  let prevP = p1;
  let prevF = f1;
  const at = (price: number): number => {
    if (price === lastP) return lastF;
    if (price === prevP) return prevF;
    prevP = lastP;
    prevF = lastF;
    lastP = price;
    lastF = f(price);
    return lastF;
  };
  const slope = (f2 - f1) / SEARCH_SPAN;
  if (!(slope > 1e-9)) return f1 >= 0 && at(1) >= 0 ? 1 : null;
  let p = Math.round(p1 - f1 / slope);
  if (p > MAX_SALE_PRICE_KRW) return at(MAX_SALE_PRICE_KRW) >= 0 ? bisect(at, 1, MAX_SALE_PRICE_KRW) : null;
  if (p < 1) p = 1;
  for (let steps = 0; steps < 256; steps++) {
    if (at(p) < 0) {
      if (p >= MAX_SALE_PRICE_KRW) return null;
      p++;
    } else if (p > 1 && at(p - 1) >= 0) p--;
    else return p;
  }
  return at(MAX_SALE_PRICE_KRW) >= 0 ? bisect(at, 1, MAX_SALE_PRICE_KRW) : null;
};

/** First price where f >= 0 in [lo, hi], given f(hi) >= 0. */
const bisect = (f: (price: number) => number, lo: number, hi: number): number => {
  if (f(lo) >= 0) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (f(mid) >= 0) hi = mid;
    else lo = mid;
  }
  return hi;
};

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

/**
 * The two evaluations of one sale, for tests that hold them equal at any price: `breakdown` is what results show,
 * `lean` what the price searches read.
 */
export const saleEvaluations = (p: ProductInput, sell: SellingInput, landed: LandedCost, tables: readonly FeeTable[] = FEE_TABLES) => {
  const model = saleModel(sell, p, landed, tables);
  return {
    breakdown: (price: number): SaleBreakdown => saleAt(model, price),
    lean: (price: number): { profit: number; buyerPaid: number } => {
      const t = evaluateSale(model, price, emptyTotals(), null);
      return { profit: t.profit, buyerPaid: t.buyerPaid };
    },
  };
};

/** What a full result and its summary both show beyond the landed cost. */
interface MarginCore {
  model: SaleModel;
  /** The sale at its own price. */
  sale: SaleTotals;
  marginPercent: number | null;
  roiPercent: number | null;
  breakEven: number | null;
  /** Null also when the scenario asks for no target margin. */
  targetPrice: number | null;
  estimates: string[];
}

/**
 * The sale at its price, the two price searches and the estimates used: the one computation behind `marginForSale`
 * and `computeMarginSummary`. `lines` receives the fee lines when the caller shows them.
 */
const marginCore = (p: ProductInput, landed: LandedCost, model: SaleModel, lines: FeeLine[] | null): MarginCore => {
  const salePrice = model.sell.salePriceKrw;
  const sale = evaluateSale(model, salePrice, emptyTotals(), lines);
  // The searches read only profit and what the buyer paid: lean evaluations into one reused object, no fee lines.
  // Both start from the same two prices; the first is usually the sale price just computed.
  const p1 = searchStart(salePrice);
  const at1 = p1 === salePrice ? sale : evaluateSale(model, p1, emptyTotals(), null);
  const at2 = evaluateSale(model, p1 + SEARCH_SPAN, emptyTotals(), null);
  const scratch = emptyTotals();
  const search = (objective: (t: SaleTotals) => number): number | null =>
    firstPriceWhere((price) => objective(evaluateSale(model, price, scratch, null)), p1, objective(at1), objective(at2));
  const breakEven = search((t) => t.profit);
  let targetPrice: number | null = null;
  if (p.targetMarginPercent !== undefined) {
    const m = p.targetMarginPercent / 100;
    targetPrice = search((t) => t.profit - m * t.buyerPaid);
  }
  // A fee line is an estimate unless the request overrode its rate; lines follow the charges' order.
  const estimates: string[] = [];
  for (const c of model.charges) if (c.rate.estimate && !c.overridden) estimates.push(c.rate.key);
  if (landed.customs.dutyWaivedBelowMinimum) estimates.push(CUSTOMS_RULES.minimumDutyKrw.key);
  return {
    model,
    sale,
    marginPercent: sale.buyerPaid > 0 ? pct2((sale.profit / sale.buyerPaid) * 100) : null,
    roiPercent: landed.perUnit.total > 0 ? pct2((sale.profit / landed.perUnit.total) * 100) : null,
    breakEven,
    targetPrice,
    estimates,
  };
};

/** Margin of one selling scenario on top of an already computed landed cost. */
export const marginForSale = (p: ProductInput, sell: SellingInput, landed: LandedCost, tables: readonly FeeTable[] = FEE_TABLES): MarginResult =>
  resultOf(p, landed, saleModel(sell, p, landed, tables));

const resultOf = (p: ProductInput, landed: LandedCost, model: SaleModel): MarginResult => {
  const lines: FeeLine[] = [];
  const c = marginCore(p, landed, model, lines);
  const sale = breakdown(model, model.sell.salePriceKrw, c.sale, lines);
  return {
    saleDate: p.saleDate,
    channel: model.sell.channel,
    category: p.category,
    feeTable: { id: model.table.id, effectiveFrom: model.table.effectiveFrom, effectiveTo: model.table.effectiveTo },
    landed,
    sale,
    profit: sale.profit,
    marginPercent: c.marginPercent,
    roiPercent: c.roiPercent,
    breakEvenSalePrice: c.breakEven,
    target: p.targetMarginPercent === undefined ? null : { marginPercent: p.targetMarginPercent, salePrice: c.targetPrice },
    estimates: c.estimates,
  };
};

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

export const summarize = (r: MarginResult): MarginSummary => ({
  saleDate: r.saleDate,
  channel: r.channel,
  feeTableId: r.feeTable.id,
  quantity: r.landed.quantity,
  landedCost: r.landed.perUnit.total,
  fees: r.sale.fees.total,
  sellingCosts: r.sale.sellingCosts.total,
  netVat: r.sale.vat ? r.sale.vat.net : null,
  buyerPaid: r.sale.buyerPaid,
  profit: r.profit,
  marginPercent: r.marginPercent,
  roiPercent: r.roiPercent,
  breakEvenSalePrice: r.breakEvenSalePrice,
  targetSalePrice: r.target ? r.target.salePrice : null,
  customsRoute: r.landed.customs.route,
  customsExempt: r.landed.customs.exempt,
  estimates: r.estimates,
});

/** The use case behind POST /v1/analysis/margin. Throws DomainError('invalid') naming each bad field. */
export const computeMargin = (s: MarginScenario, tables: readonly FeeTable[] = FEE_TABLES): MarginResult => {
  const table = validTable(s, tables);
  const landed = landedCost(s);
  return resultOf(s, landed, saleModel(s.selling, s, landed, tables, table));
};

/**
 * `summarize(computeMargin(s, tables))`, the same figures and the same errors, without building what only the full
 * result shows (fee lines, breakdowns, the customs text): the view a catalogue of a million rows is priced with.
 */
export const computeMarginSummary = (s: MarginScenario, tables: readonly FeeTable[] = FEE_TABLES): MarginSummary => {
  const table = validTable(s, tables);
  const landed = landedFigures(s);
  const c = marginCore(s, landed, saleModel(s.selling, s, landed, tables, table), null);
  const t = c.sale;
  return {
    saleDate: s.saleDate,
    channel: s.selling.channel,
    feeTableId: table.id,
    quantity: landed.quantity,
    landedCost: landed.perUnit.total,
    fees: t.feesTotal,
    sellingCosts: t.sellingCostsTotal,
    netVat: c.model.vatRegistered ? t.netVat : null,
    buyerPaid: t.buyerPaid,
    profit: t.profit,
    marginPercent: c.marginPercent,
    roiPercent: c.roiPercent,
    breakEvenSalePrice: c.breakEven,
    targetSalePrice: c.targetPrice,
    customsRoute: landed.customs.route,
    customsExempt: landed.customs.exempt,
    estimates: c.estimates,
  };
};
