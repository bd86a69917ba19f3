/**
 * Landed cost and margin of one unit bought on 1688 and sold on a Korean marketplace. The engine is in
 * `margin/`, one file per step: the checks between fields, the landed cost, the sale side at one price, the price
 * searches and the results read out; `margin/rounding.ts` holds the one rounding rule.
 */
import { FEE_TABLES, type FeeTable } from './fee-tables.ts';
import type { LandedCost, MarginResult, MarginScenario, MarginSummary, ProductInput, SellingInput } from './model.ts';
import { validTable } from './margin/checks.ts';
import { landedCost, landedFigures } from './margin/landed-cost.ts';
import { priceSale, resultOf, summaryOf, type PricedSale } from './margin/results.ts';
import { saleModel } from './margin/sale.ts';

/**
 * The one path through the engine for both views: checks, landed cost, the sale model, the sale at its price and
 * the price searches. Only a full result formats the customs text and keeps the fee lines; the summary, which a
 * catalogue of a million rows is priced with, skips what it does not show.
 */
const priceScenario = (s: MarginScenario, tables: readonly FeeTable[], full: boolean): PricedSale => {
  const table = validTable(s, tables);
  const landed = full ? landedCost(s) : landedFigures(s);
  return priceSale(s, landed, saleModel(s.selling, s, landed, tables, table), full ? [] : null);
};

/** The margin of one scenario, with every breakdown. Throws DomainError('invalid') naming each bad field. */
export const computeMargin = (s: MarginScenario, tables: readonly FeeTable[] = FEE_TABLES): MarginResult =>
  resultOf(s, priceScenario(s, tables, true));

/** `summarize(computeMargin(s, tables))`: the same figures and the same errors, without the breakdowns. */
export const computeMarginSummary = (s: MarginScenario, tables: readonly FeeTable[] = FEE_TABLES): MarginSummary =>
  summaryOf(s, priceScenario(s, tables, false));

/** Margin of one selling scenario on top of an already computed landed cost (the product is already checked). */
export const marginForSale = (p: ProductInput, sell: SellingInput, landed: LandedCost, tables: readonly FeeTable[] = FEE_TABLES): MarginResult =>
  resultOf(p, priceSale(p, landed, saleModel(sell, p, landed, tables), []));
