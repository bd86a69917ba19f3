/** A scenario's figures read out: the full result with every breakdown, or the headline summary of it. */
import { CUSTOMS_RULES } from '../customs.ts';
import type { FeeLine, LandedCost, MarginResult, MarginSummary, ProductInput } from '../model.ts';
import { searchPrices } from './price-search.ts';
import { pct2 } from './rounding.ts';
import { breakdown, emptyTotals, evaluateSale, type SaleModel, type SaleTotals } from './sale.ts';

/** The one computation behind a full result and a summary: the sale at its price, the price searches, the estimates. */
export interface PricedSale {
  landed: LandedCost;
  model: SaleModel;
  /** The sale at its own price. */
  sale: SaleTotals;
  /** The fee lines, when the caller shows them. */
  lines: FeeLine[] | null;
  marginPercent: number | null;
  roiPercent: number | null;
  breakEven: number | null;
  /** Null also when the scenario asks for no target margin. */
  targetPrice: number | null;
  estimates: string[];
}

/** Prices one sale on top of its landed cost; `lines` receives the fee lines when the caller shows them. */
export const priceSale = (p: ProductInput, landed: LandedCost, model: SaleModel, lines: FeeLine[] | null): PricedSale => {
  const sale = evaluateSale(model, model.sell.salePriceKrw, emptyTotals(), lines);
  const { breakEven, target } = searchPrices(model, p.targetMarginPercent, sale);
  // A fee line is an estimate unless the request overrode its rate; lines follow the charges' order.
  const estimates: string[] = [];
  for (const c of model.charges) if (c.rate.estimate && !c.overridden) estimates.push(c.rate.key);
  if (landed.customs.dutyWaivedBelowMinimum) estimates.push(CUSTOMS_RULES.minimumDutyKrw.key);
  return {
    landed,
    model,
    sale,
    lines,
    marginPercent: sale.buyerPaid > 0 ? pct2((sale.profit / sale.buyerPaid) * 100) : null,
    roiPercent: landed.perUnit.total > 0 ? pct2((sale.profit / landed.perUnit.total) * 100) : null,
    breakEven,
    targetPrice: target,
    estimates,
  };
};

/** The full result of a priced sale whose fee lines were kept. */
export const resultOf = (p: ProductInput, c: PricedSale): MarginResult => {
  const { model } = c;
  const sale = breakdown(model, model.sell.salePriceKrw, c.sale, c.lines ?? []);
  return {
    saleDate: p.saleDate,
    channel: model.sell.channel,
    category: p.category,
    feeTable: { id: model.table.id, effectiveFrom: model.table.effectiveFrom, effectiveTo: model.table.effectiveTo },
    landed: c.landed,
    sale,
    profit: sale.profit,
    marginPercent: c.marginPercent,
    roiPercent: c.roiPercent,
    breakEvenSalePrice: c.breakEven,
    target: p.targetMarginPercent === undefined ? null : { marginPercent: p.targetMarginPercent, salePrice: c.targetPrice },
    estimates: c.estimates,
  };
};

/** The summary of a priced sale, read from its figures without building the breakdowns. */
export const summaryOf = (p: ProductInput, c: PricedSale): MarginSummary => {
  const { landed, model, sale: t } = c;
  return {
    saleDate: p.saleDate,
    channel: model.sell.channel,
    feeTableId: model.table.id,
    quantity: landed.quantity,
    landedCost: landed.perUnit.total,
    fees: t.feesTotal,
    sellingCosts: t.sellingCostsTotal,
    netVat: model.vatRegistered ? t.netVat : null,
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

/** The headline figures of a full result: what `summaryOf` gives for the same scenario. */
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
