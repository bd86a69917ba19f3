/**
 * The same product across channels and order quantities: which combination earns most. Every cell is a full
 * margin computation (landed cost per quantity, fees per channel), summarised.
 */
import { FEE_TABLES, type FeeTable } from './fee-tables.ts';
import { marginForSale } from './margin.ts';
import { assertValid, productIssues, sellingIssues } from './margin/checks.ts';
import { landedCost } from './margin/landed-cost.ts';
import type { CompareCell, CompareInput, CompareResult, Issue, ProductInput } from './model.ts';

export const compareIssues = (c: CompareInput, tables: readonly FeeTable[] = FEE_TABLES): Issue[] => {
  // The checks read no order quantity (their parameter type has none), so one pass covers every quantity.
  const issues: Issue[] = productIssues(c, tables);
  const moq = c.purchase.priceTiers?.length ? Math.min(...c.purchase.priceTiers.map((t) => t.minQuantity)) : 1;
  c.quantities.forEach((q, i) => {
    if (q < moq) issues.push({ field: `quantities.${i}`, message: `Below the minimum order quantity of ${moq}.` });
  });
  c.channels.forEach((s, i) => {
    for (const issue of sellingIssues(s, c, tables, `channels.${i}`)) {
      if (!issues.some((x) => x.field === issue.field && x.message === issue.message)) issues.push(issue);
    }
  });
  return issues;
};

/** The same product across channels and quantities; ties keep the earlier cell. Throws DomainError('invalid') naming each bad field. */
export const compareMargins = (c: CompareInput, tables: readonly FeeTable[] = FEE_TABLES): CompareResult => {
  assertValid(compareIssues(c, tables));
  const cells: CompareCell[] = [];
  const estimates = new Set<string>();
  for (const quantity of c.quantities) {
    const product: ProductInput = { ...c, purchase: { ...c.purchase, quantity } };
    const landed = landedCost(product);
    for (const sell of c.channels) {
      const r = marginForSale(product, sell, landed, tables);
      for (const e of r.estimates) estimates.add(e);
      cells.push({
        channel: sell.channel,
        quantity,
        salePrice: sell.salePriceKrw,
        landedCostPerUnit: landed.perUnit.total,
        feesPerUnit: r.sale.fees.total,
        sellingCostsPerUnit: r.sale.sellingCosts.total,
        profitPerUnit: r.profit,
        profitTotal: r.profit * quantity,
        marginPercent: r.marginPercent,
        roiPercent: r.roiPercent,
        breakEvenSalePrice: r.breakEvenSalePrice,
        targetSalePrice: r.target?.salePrice ?? null,
        customsRoute: landed.customs.route,
        customsExempt: landed.customs.exempt,
        feeTableId: r.feeTable.id,
      });
    }
  }
  // Ties keep the first cell in request order: fewer units, then the channel listed first.
  const pick = (score: (x: CompareCell) => number | null): CompareCell | null => {
    let best: CompareCell | null = null;
    for (const cell of cells) {
      const s = score(cell);
      if (s === null) continue;
      if (best === null || s > score(best)!) best = cell;
    }
    return best;
  };
  const total = pick((x) => x.profitTotal)!;
  const unit = pick((x) => x.profitPerUnit)!;
  const roi = pick((x) => x.roiPercent);
  return {
    saleDate: c.saleDate,
    cells,
    best: {
      byProfitTotal: { channel: total.channel, quantity: total.quantity, profitTotal: total.profitTotal },
      byProfitPerUnit: { channel: unit.channel, quantity: unit.quantity, profitPerUnit: unit.profitPerUnit },
      byRoi: roi ? { channel: roi.channel, quantity: roi.quantity, roiPercent: roi.roiPercent! } : null,
    },
    estimates: [...estimates].sort(),
  };
};
