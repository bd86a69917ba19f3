/**
 * The price searches evaluate a sale without building its breakdown. Both evaluations share one piece of
 * arithmetic; this property holds them equal at random prices for random scenarios, so they cannot drift apart.
 */
import { describe, expect, it } from 'vitest';
import { FEE_TABLES } from '../../core/analysis/fee-tables.ts';
import { scenarioIssues } from '../../core/analysis/margin/checks.ts';
import { landedCost } from '../../core/analysis/margin/landed-cost.ts';
import { MAX_SALE_PRICE_KRW } from '../../core/analysis/margin/price-search.ts';
import { saleEvaluations } from '../../core/analysis/margin/sale.ts';
import { FLIPPED_TABLES as flipped, generator, randomScenario } from './random-scenarios.ts';

describe('lean sale evaluation', () => {
  it('gives the breakdown’s profit and buyer-paid amount at any price', () => {
    const random = generator(20250602);
    let checked = 0;
    for (let run = 0; run < 3000; run++) {
      const s = randomScenario(random);
      const tables = random() < 0.5 ? FEE_TABLES : flipped;
      if (scenarioIssues(s, tables).length > 0) continue;
      const sale = saleEvaluations(s, s.selling, landedCost(s), tables);
      // The sale price, prices near it, anywhere in the range, and the range's ends.
      const prices = [s.selling.salePriceKrw, 1, MAX_SALE_PRICE_KRW];
      for (let i = 0; i < 4; i++) prices.push(Math.max(1, s.selling.salePriceKrw + Math.floor((random() - 0.5) * 200_000)));
      for (let i = 0; i < 2; i++) prices.push(1 + Math.floor(random() * MAX_SALE_PRICE_KRW));
      for (const price of prices) {
        const full = sale.breakdown(price);
        expect(sale.lean(price), JSON.stringify({ scenario: s, flipped: tables === flipped, price })).toEqual({ profit: full.profit, buyerPaid: full.buyerPaid });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});
