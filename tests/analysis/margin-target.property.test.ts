/**
 * The break-even and target prices are the lowest prices that reach their goal: the price reaches it and the
 * price one won lower does not (docs/analysis.md, "Break-even sale price" and "Target price").
 */
import { describe, expect, it } from 'vitest';
import { computeMargin } from '../../core/analysis/margin.ts';
import { scenarioIssues } from '../../core/analysis/margin/checks.ts';
import { generator, randomScenario } from './random-scenarios.ts';

describe('lowest prices', () => {
  it('one won below the target price misses the target margin; the target price reaches it', () => {
    const random = generator(20260601);
    let found = 0;
    for (let run = 0; run < 600; run++) {
      const base = randomScenario(random);
      const target = Math.floor(random() * 61);
      const s = { ...base, targetMarginPercent: target };
      if (scenarioIssues(s).length > 0) continue;
      const price = computeMargin(s).target!.salePrice;
      if (price === null) continue;
      const at = (p: number) => computeMargin({ ...base, selling: { ...base.selling, salePriceKrw: p } });
      const hit = at(price);
      const context = JSON.stringify({ s, price });
      expect(hit.profit, context).toBeGreaterThanOrEqual((target / 100) * hit.sale.buyerPaid - 1e-6);
      if (price > 1 && scenarioIssues({ ...base, selling: { ...base.selling, salePriceKrw: price - 1 } }).length === 0) {
        const miss = at(price - 1);
        expect(miss.profit, context).toBeLessThan((target / 100) * miss.sale.buyerPaid);
        found++;
      }
    }
    expect(found).toBeGreaterThan(100);
  });

  it('one won below the break-even price loses money', () => {
    const random = generator(20260602);
    let found = 0;
    for (let run = 0; run < 600; run++) {
      const s = randomScenario(random);
      if (scenarioIssues(s).length > 0) continue;
      const price = computeMargin(s).breakEvenSalePrice;
      if (price === null || price <= 1) continue;
      const below = { ...s, selling: { ...s.selling, salePriceKrw: price - 1 } };
      if (scenarioIssues(below).length > 0) continue;
      expect(computeMargin({ ...s, selling: { ...s.selling, salePriceKrw: price } }).profit).toBeGreaterThanOrEqual(0);
      expect(computeMargin(below).profit, JSON.stringify({ s, price })).toBeLessThan(0);
      found++;
    }
    expect(found).toBeGreaterThan(100);
  });
});
