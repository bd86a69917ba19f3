/**
 * `computeMarginSummary` skips what only the full result shows; this property holds it to
 * `summarize(computeMargin(...))` on random scenarios, valid and invalid, with the shipped tables and callers' own:
 * the same JSON to the byte (key order, -0 and non-finite numbers included) or the same error.
 */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/shared/errors.ts';
import { FEE_TABLES, type FeeTable } from '../../core/analysis/fee-tables.ts';
import { computeMargin, computeMarginSummary } from '../../core/analysis/margin.ts';
import { summarize } from '../../core/analysis/margin/results.ts';
import { FLIPPED_TABLES, generator, variedScenario } from './random-scenarios.ts';

/** JSON that also tells -0, NaN and the infinities apart. */
const exact = (value: unknown): string =>
  JSON.stringify(value, (_key, x: unknown) => (typeof x === 'number' && (Object.is(x, -0) || !Number.isFinite(x)) ? `#${Object.is(x, -0) ? '-0' : x}` : x));

const outcome = (run: () => unknown): string => {
  try {
    return `ok ${exact(run())}`;
  } catch (e) {
    if (e instanceof DomainError) return `DomainError ${e.code} ${e.message} ${exact(e.details)}`;
    return `${(e as Error).name} ${(e as Error).message}`;
  }
};

/** Callers' tables: VAT bases flipped, a table without some rates (the engine throws), only the first tables, none. */
const TABLES: { name: string; tables: readonly FeeTable[] | undefined }[] = [
  { name: 'default', tables: undefined },
  { name: 'shipped', tables: FEE_TABLES },
  { name: 'flipped', tables: FLIPPED_TABLES },
  { name: 'missing rates', tables: FEE_TABLES.map((t) => ({ ...t, rates: t.rates.filter((r) => !r.key.includes('.medium')) })) },
  { name: 'first tables only', tables: FEE_TABLES.filter((t) => t.effectiveFrom === '2024-01-01') },
  { name: 'none', tables: [] },
];

describe('computeMarginSummary', () => {
  it('is summarize(computeMargin(...)) to the byte, errors included', () => {
    const random = generator(20260601);
    const seen: Record<string, number> = {};
    const count = (what: string) => (seen[what] = (seen[what] ?? 0) + 1);
    const mismatches: string[] = [];
    for (let run = 0; run < 6000; run++) {
      const s = variedScenario(random);
      const { name, tables } = random() < 0.6 ? TABLES[0]! : TABLES[Math.floor(random() * TABLES.length)]!;
      const full = outcome(() => summarize(computeMargin(s, tables)));
      const summary = outcome(() => (tables === undefined ? computeMarginSummary(s) : computeMarginSummary(s, tables)));
      if (summary !== full && mismatches.length < 3) mismatches.push(exact({ scenario: s, tables: name, full, summary }));
      count(full.slice(0, full.indexOf(' ')));
      if (full.startsWith('ok')) {
        count(s.selling.channel);
        if (full.includes('"netVat":null')) count('no VAT');
        if (full.includes('"targetSalePrice":null')) count('no target price');
        if (full.includes('"breakEvenSalePrice":null')) count('no break-even');
        if (full.includes('customs.minimum_duty')) count('duty waived');
        if (s.purchase.priceTiers) count('price tiers');
      }
    }
    expect(mismatches).toEqual([]);
    // The generator reaches every outcome and channel, so the equality above covers them.
    expect(seen.ok).toBeGreaterThan(3000);
    expect(seen.DomainError).toBeGreaterThan(500);
    expect(seen.Error).toBeGreaterThan(50);
    for (const what of ['naver_smart_store', 'naver_brand_store', 'coupang_wing', 'coupang_rocket_growth', 'no VAT', 'no target price', 'no break-even', 'duty waived', 'price tiers']) {
      expect(seen[what], what).toBeGreaterThan(20);
    }
  });
});
