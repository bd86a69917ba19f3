/**
 * The same product across channels and order quantities: which combination earns most. Every cell is a full
 * margin computation (landed cost per quantity, fees per channel), summarised.
 */
import { DomainError } from '../shared/errors.ts';
import { FEE_TABLES, type Channel, type FeeTable } from './fee-tables.ts';
import { landedCost, marginForSale, productIssues, sellingIssues, type Issue, type ProductInput, type SellingInput } from './margin.ts';
import type { CustomsRoute } from './customs.ts';

export interface CompareInput extends Omit<ProductInput, 'purchase'> {
  purchase: Omit<ProductInput['purchase'], 'quantity'>;
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

export const compareIssues = (c: CompareInput, tables: readonly FeeTable[] = FEE_TABLES): Issue[] => {
  const issues: Issue[] = [];
  const withQuantity = (q: number): ProductInput => ({ ...c, purchase: { ...c.purchase, quantity: q } });
  issues.push(...productIssues(withQuantity(c.quantities[0] ?? 1), tables));
  const moq = c.purchase.priceTiers?.length ? Math.min(...c.purchase.priceTiers.map((t) => t.minQuantity)) : 1;
  c.quantities.forEach((q, i) => {
    if (q < moq) issues.push({ field: `quantities.${i}`, message: `Below the minimum order quantity of ${moq}.` });
  });
  c.channels.forEach((s, i) => {
    for (const issue of sellingIssues(s, withQuantity(c.quantities[0] ?? 1), tables, `channels.${i}`)) {
      if (!issues.some((x) => x.field === issue.field && x.message === issue.message)) issues.push(issue);
    }
  });
  return issues;
};

/** The use case behind POST /v1/analysis/margin/compare. */
export const compareMargins = (c: CompareInput, tables: readonly FeeTable[] = FEE_TABLES): CompareResult => {
  const issues = compareIssues(c, tables);
  if (issues.length > 0) {
    throw new DomainError('invalid', issues.map((i) => `${i.field}: ${i.message}`).join(' '), {
      details: { errors: issues.map((i) => ({ in: 'body', field: i.field, message: i.message, code: 'invalid' })) },
    });
  }
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
