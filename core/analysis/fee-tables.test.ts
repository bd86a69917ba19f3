/** Looking rates and tables up: the table in force, the first rate with a key, the Rocket Growth size tiers. */
import { describe, expect, it } from 'vitest';
import { channelRate, FEE_TABLES, rateInAny, rocketGrowthTierFor, tablesInForce, type FeeTable } from './fee-tables.ts';

describe('tablesInForce', () => {
  it('lists only the channels with a table on the date', () => {
    expect(tablesInForce('2023-12-31')).toEqual([]);
    expect(tablesInForce('2025-06-01').map((t) => t.id)).toEqual(['naver_smart_store.2024-01-01', 'naver_brand_store.2024-01-01', 'coupang_wing.2024-01-01', 'coupang_rocket_growth.2024-01-01']);
    // Only Coupang's tables in a caller's list: the Naver channels have none.
    const coupang = FEE_TABLES.filter((t) => t.channel.startsWith('coupang'));
    expect(tablesInForce('2025-06-02', coupang).map((t) => t.id)).toEqual(['coupang_wing.2024-01-01', 'coupang_rocket_growth.2024-01-01']);
  });
});

describe('rate look-ups', () => {
  const naver = FEE_TABLES.find((t) => t.id === 'naver_smart_store.2025-06-02')!;
  // A caller's table with the commission twice: the first wins, as a `find` over the list would.
  const twice: FeeTable = { ...naver, id: 'twice', rates: [{ ...naver.rates.find((r) => r.key === 'naver_smart_store.sales_commission')!, value: 5 }, ...naver.rates] };

  it('the first rate with a key wins, in one table and across tables', () => {
    expect(channelRate(twice, 'sales_commission', null)?.value).toBe(5);
    expect(channelRate(naver, 'sales_commission', null)?.value).toBe(2.73);
    expect(rateInAny([twice, naver], 'naver_smart_store.sales_commission')?.value).toBe(5);
    expect(rateInAny([naver, twice], 'naver_smart_store.sales_commission')?.value).toBe(2.73);
  });

  it('answers the same when asked again, and undefined for a rate the table lacks', () => {
    expect(channelRate(naver, 'order_management', 'small')?.value).toBe(1.8);
    expect(channelRate(naver, 'order_management', 'small')?.value).toBe(1.8);
    expect(channelRate(naver, 'order_management', 'general')?.value).toBe(3.3);
    expect(channelRate(naver, 'sales_commission', 'marketing_link')?.value).toBe(0.91);
    expect(channelRate(naver, 'sales_linked', null)).toBeUndefined();
    expect(channelRate(naver, 'sales_linked', null)).toBeUndefined();
    expect(rateInAny([naver], 'naver_smart_store.nope')).toBeUndefined();
  });
});

describe('rocketGrowthTierFor', () => {
  it('takes the smallest tier whose limits the unit is within, each limit inclusive', () => {
    expect(rocketGrowthTierFor(80, 2000)).toBe('extra_small');
    expect(rocketGrowthTierFor(81, 2000)).toBe('small');
    expect(rocketGrowthTierFor(80, 2001)).toBe('small');
    expect(rocketGrowthTierFor(200, 30_000)).toBe('extra_large');
    expect(rocketGrowthTierFor(201, 1)).toBeUndefined();
    expect(rocketGrowthTierFor(1, 30_001)).toBeUndefined();
  });
});
