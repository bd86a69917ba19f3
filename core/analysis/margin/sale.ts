/**
 * The sale side: what a sale at one price brings in and costs (discounts, marketplace fees with their VAT, the
 * seller's own costs, VAT for registered sellers) and the profit per unit.
 */
import { FEE_TABLES, channelRate, channelRateKey, rocketGrowthTierFor, tableFor, type FeeTable, type Rate } from '../fee-tables.ts';
import type { FeeLine, LandedCost, ProductInput, SaleBreakdown, SellingInput } from '../model.ts';
import { won } from './rounding.ts';

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
export interface SaleModel {
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

export const saleModel = (
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
export const discountOf = (sell: SellingInput, price: number): number =>
  (sell.discountPercent === 0 && Number.isFinite(price) ? 0 : won((price * sell.discountPercent) / 100)) + sell.discountKrw;

/** The discounts a sale at this price gives, at most the price itself. */
export const discountAt = (sell: SellingInput, price: number): number => Math.min(discountOf(sell, price), price);

/** The figures of a sale at one price. One object is reused across a price search, so the search allocates nothing. */
export interface SaleTotals {
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

export const emptyTotals = (): SaleTotals => ({
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
export const evaluateSale = (m: SaleModel, salePrice: number, out: SaleTotals, lines: FeeLine[] | null): SaleTotals => {
  const sell = m.sell;
  const discount = discountAt(sell, salePrice);
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

/** The sale side at one sale price, in full. */
const saleAt = (m: SaleModel, salePrice: number): SaleBreakdown => {
  const lines: FeeLine[] = [];
  return breakdown(m, salePrice, evaluateSale(m, salePrice, emptyTotals(), lines), lines);
};

/** The breakdown of a sale from its totals and the fee lines that evaluation wrote. */
export const breakdown = (m: SaleModel, salePrice: number, t: SaleTotals, lines: FeeLine[]): SaleBreakdown => ({
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
