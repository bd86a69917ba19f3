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
  issues.push(...sellingIssues(s.selling, s, tables, 'selling'));
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
  for (const [key, value] of Object.entries(p.rateOverrides ?? {})) {
    const rate = tables.flatMap((t) => t.rates).find((r) => r.key === key);
    if (!rate) issues.push({ field: `rateOverrides.${key}`, message: 'Unknown rate key; GET /v1/analysis/fee-tables lists them.' });
    else if (rate.unit === 'percent' && value > 100) issues.push({ field: `rateOverrides.${key}`, message: 'A percent rate must be from 0 to 100.' });
  }
  return issues;
};

export const sellingIssues = (sell: SellingInput, p: ProductInput, tables: readonly FeeTable[], at: string): Issue[] => {
  const issues: Issue[] = [];
  if (!tableFor(sell.channel, p.saleDate, tables)) {
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
  return issues;
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

  let exempt = false;
  let reason: string;
  const usd = (n: number) => `US$${n.toFixed(2)}`;
  if (decision.thresholdUsd === null) {
    reason = 'Bulk stock for resale clears on a normal import declaration: no duty-free limit; duty on the CIF value, VAT on CIF plus duty.';
  } else if (foreignValueExact / cUsd <= decision.thresholdUsd + 1e-9) {
    exempt = true;
    reason = `Goods value plus foreign shipping ${usd(valueForThresholdUsd)} is within the US$${decision.thresholdUsd} limit (${decision.thresholdRule}): no duty or VAT.`;
  } else {
    reason = `Goods value plus foreign shipping ${usd(valueForThresholdUsd)} is over the US$${decision.thresholdUsd} limit (${decision.thresholdRule}): duty and VAT on the whole CIF value.`;
  }

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
      reason,
      dutyRatePercent: dutyRate.percent,
      dutyRateSource: dutyRate.source,
      hsCode: customs.hsCode ?? null,
      dutyWaivedBelowMinimum,
      paidBy: customs.dutyPaidBy,
    },
  };
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

interface ResolvedRate {
  rate: Rate;
  value: number;
  overridden: boolean;
}

/** The rates one sale pays, picked from the table in force and the request's overrides. */
interface SaleModel {
  table: FeeTable;
  onPrice: ResolvedRate[];
  onBuyerPaid: ResolvedRate[];
  onShipping: ResolvedRate[];
  perUnit: ResolvedRate[];
}

const resolve = (table: FeeTable, key: string, overrides: Record<string, number> | undefined): ResolvedRate => {
  const rate = table.rates.find((r) => r.key === key);
  if (!rate) throw new Error(`fee table ${table.id} has no rate ${key}`);
  const o = overrides?.[key];
  return o === undefined ? { rate, value: rate.value, overridden: false } : { rate, value: o, overridden: true };
};

const saleModel = (sell: SellingInput, p: ProductInput, tables: readonly FeeTable[]): SaleModel => {
  const table = tableFor(sell.channel, p.saleDate, tables)!;
  const o = p.rateOverrides;
  const ch = sell.channel;
  const m: SaleModel = { table, onPrice: [], onBuyerPaid: [], onShipping: [], perUnit: [] };
  if (ch === 'naver_smart_store' || ch === 'naver_brand_store') {
    m.onBuyerPaid.push(resolve(table, `${ch}.order_management.${sell.naverTier}`, o));
    if (table.rates.some((r) => r.key === `${ch}.sales_commission`)) {
      m.onPrice.push(resolve(table, sell.inflow === 'marketing_link' ? `${ch}.sales_commission.marketing_link` : `${ch}.sales_commission`, o));
    } else if (sell.inflow === 'naver_shopping') {
      m.onPrice.push(resolve(table, `${ch}.sales_linked`, o));
    }
  } else {
    m.onPrice.push(resolve(table, `${ch}.commission.${p.category}`, o));
    if (ch === 'coupang_wing') m.onShipping.push(resolve(table, 'coupang_wing.shipping_fee_commission', o));
    else {
      const d = p.freight.unitDimensionsCm;
      const tier = sell.rocketGrowthTier ?? rocketGrowthTierFor(d!.length + d!.width + d!.height, p.freight.unitWeightGrams)!;
      m.perUnit.push(resolve(table, `coupang_rocket_growth.fulfilment.${tier}`, o));
    }
  }
  return m;
};

const feeLine = (r: ResolvedRate, baseKrw: number): FeeLine => {
  let exVat: number;
  let vat: number;
  if (r.rate.unit === 'won') {
    // A per-unit charge in won; the base is the unit count (1).
    if (r.rate.vatIncluded) {
      vat = won(r.value / 11);
      exVat = r.value - vat;
    } else {
      exVat = r.value;
      vat = won(exVat / 10);
    }
  } else if (r.rate.vatIncluded) {
    const total = won((baseKrw * r.value) / 100);
    vat = won(total / 11);
    exVat = total - vat;
  } else {
    exVat = won((baseKrw * r.value) / 100);
    vat = won(exVat / 10);
  }
  return {
    key: r.rate.key,
    unit: r.rate.unit,
    rate: r.value,
    vatIncluded: r.rate.vatIncluded,
    baseKrw,
    amountExVat: exVat,
    vat,
    amount: exVat + vat,
    estimate: r.rate.estimate,
    overridden: r.overridden,
  };
};

const discountOf = (sell: SellingInput, price: number): number => won((price * sell.discountPercent) / 100) + sell.discountKrw;

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

/** The sale side at one sale price; `landed` is the per-unit landed cost that the profit subtracts. */
const saleAt = (sell: SellingInput, model: SaleModel, landed: LandedCost, vatRegistered: boolean, salePrice: number): SaleBreakdown => {
  const discount = Math.min(discountOf(sell, salePrice), salePrice);
  const priceAfterDiscounts = salePrice - discount;
  // Rocket Growth buyers pay no shipping.
  const shippingFeeCharged = sell.channel === 'coupang_rocket_growth' ? 0 : sell.shippingFeeKrw;
  const buyerPaid = priceAfterDiscounts + shippingFeeCharged;

  const lines: FeeLine[] = [];
  for (const r of model.onPrice) lines.push(feeLine(r, priceAfterDiscounts));
  for (const r of model.onBuyerPaid) lines.push(feeLine(r, buyerPaid));
  for (const r of model.onShipping) lines.push(feeLine(r, shippingFeeCharged));
  for (const r of model.perUnit) lines.push(feeLine(r, 1));
  let feesTotal = 0;
  let feesVat = 0;
  for (const l of lines) {
    feesTotal += l.amount;
    feesVat += l.vat;
  }

  const ads =
    sell.ads?.costPerSaleKrw !== undefined
      ? sell.ads.costPerSaleKrw
      : sell.ads?.spendSharePercent !== undefined
        ? won((priceAfterDiscounts * sell.ads.spendSharePercent) / 100)
        : 0;
  const returns = won((sell.returns.ratePercent * sell.returns.costPerReturnKrw) / 100);
  const sellerShipping = sell.channel === 'coupang_rocket_growth' ? 0 : sell.sellerShippingCostKrw;
  const sellingCosts = { packaging: sell.packagingKrw, sellerShipping, ads, returns, total: sell.packagingKrw + sellerShipping + ads + returns };

  let vat: SaleBreakdown['vat'] = null;
  let netVat = 0;
  if (vatRegistered) {
    // Sale prices are VAT-inclusive; domestic costs are taken as VAT-inclusive amounts with a tax invoice.
    const output = won(buyerPaid / 11);
    const input = landed.perUnit.importVat + feesVat + won(sellingCosts.total / 11);
    netVat = output - input;
    vat = { output, input, net: netVat };
  }
  const profit = buyerPaid - landed.perUnit.total - feesTotal - sellingCosts.total - netVat;
  return {
    salePrice,
    discount,
    priceAfterDiscounts,
    shippingFeeCharged,
    buyerPaid,
    fees: { lines, total: feesTotal },
    sellingCosts,
    vat,
    profit,
  };
};

/**
 * Smallest sale price in [1, MAX_SALE_PRICE_KRW] where `f` is at least zero, or null when none is. `f` rises by at
 * most one won per won of price (every cost that grows with the price is rounded from a rate below 100 %), so a
 * linear estimate followed by a short walk lands on the first crossing.
 */
const firstPriceWhere = (f: (price: number) => number, start: number): number | null => {
  const p1 = Math.min(Math.max(start, 1), MAX_SALE_PRICE_KRW - 100_000);
  const p2 = p1 + 100_000;
  const f1 = f(p1);
  const f2 = f(p2);
  const slope = (f2 - f1) / (p2 - p1);
  if (!(slope > 1e-9)) return f1 >= 0 && f(1) >= 0 ? 1 : null;
  let p = Math.round(p1 - f1 / slope);
  if (p > MAX_SALE_PRICE_KRW) return f(MAX_SALE_PRICE_KRW) >= 0 ? bisect(f, 1, MAX_SALE_PRICE_KRW) : null;
  if (p < 1) p = 1;
  for (let steps = 0; steps < 256; steps++) {
    if (f(p) < 0) {
      if (p >= MAX_SALE_PRICE_KRW) return null;
      p++;
    } else if (p > 1 && f(p - 1) >= 0) p--;
    else return p;
  }
  return f(MAX_SALE_PRICE_KRW) >= 0 ? bisect(f, 1, MAX_SALE_PRICE_KRW) : null;
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

/** Margin of one selling scenario on top of an already computed landed cost. */
export const marginForSale = (p: ProductInput, sell: SellingInput, landed: LandedCost, tables: readonly FeeTable[] = FEE_TABLES): MarginResult => {
  const model = saleModel(sell, p, tables);
  const at = (price: number) => saleAt(sell, model, landed, p.vatRegistered, price);
  const sale = at(sell.salePriceKrw);
  const breakEven = firstPriceWhere((price) => at(price).profit, sell.salePriceKrw);
  let target: MarginResult['target'] = null;
  if (p.targetMarginPercent !== undefined) {
    const m = p.targetMarginPercent / 100;
    const price = firstPriceWhere((x) => {
      const s = at(x);
      return s.profit - m * s.buyerPaid;
    }, sell.salePriceKrw);
    target = { marginPercent: p.targetMarginPercent, salePrice: price };
  }
  const estimates: string[] = [];
  for (const l of sale.fees.lines) if (l.estimate && !l.overridden) estimates.push(l.key);
  if (landed.customs.dutyWaivedBelowMinimum) estimates.push(CUSTOMS_RULES.minimumDutyKrw.key);
  return {
    saleDate: p.saleDate,
    channel: sell.channel,
    category: p.category,
    feeTable: { id: model.table.id, effectiveFrom: model.table.effectiveFrom, effectiveTo: model.table.effectiveTo },
    landed,
    sale,
    profit: sale.profit,
    marginPercent: sale.buyerPaid > 0 ? pct2((sale.profit / sale.buyerPaid) * 100) : null,
    roiPercent: landed.perUnit.total > 0 ? pct2((sale.profit / landed.perUnit.total) * 100) : null,
    breakEvenSalePrice: breakEven,
    target,
    estimates,
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
  assertValid(scenarioIssues(s, tables));
  return marginForSale(s, s.selling, landedCost(s), tables);
};
