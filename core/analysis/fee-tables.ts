/**
 * Marketplace fee tables as data. Every rate carries the dates it is in force, whether it includes VAT, what it
 * is charged on, where it comes from, and `estimate: true` when it could not be confirmed against the
 * marketplace's own published notice. docs/analysis.md prints the same tables for people.
 *
 * Dates are calendar days in Korea (KST); `effectiveTo` is the last day a table is in force (inclusive), `null`
 * while it still is. Percent values are percents (2.73 means 2.73 %); won values are whole won.
 */

export const CHANNELS = ['naver_smart_store', 'naver_brand_store', 'coupang_wing', 'coupang_rocket_growth'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Product categories used for Coupang commissions and the default customs duty rate. */
export const CATEGORIES = [
  'fashion_clothing',
  'shoes',
  'fashion_accessories',
  'beauty',
  'food',
  'kitchen',
  'household',
  'home_interior',
  'furniture',
  'digital',
  'computers',
  'game_consoles',
  'appliances',
  'sports',
  'toys',
  'baby',
  'pets',
  'automotive',
  'stationery',
  'books',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Naver Pay seller tiers (영세, 중소1, 중소2, 중소3, 일반), set by the seller's annual card sales. */
export const NAVER_TIERS = ['small', 'medium1', 'medium2', 'medium3', 'general'] as const;
export type NaverTier = (typeof NAVER_TIERS)[number];

/** Rocket Growth size tiers; `ROCKET_GROWTH_SIZES` gives the limits that pick one from the unit's size. */
export const ROCKET_GROWTH_TIERS = ['extra_small', 'small', 'medium', 'large', 'extra_large'] as const;
export type RocketGrowthTier = (typeof ROCKET_GROWTH_TIERS)[number];

export interface Rate {
  /** Stable key: what a request's `rateOverrides` names. */
  key: string;
  label: string;
  unit: 'percent' | 'won';
  value: number;
  /** True when `value` already contains the 10 % VAT; false when VAT is charged on top. */
  vatIncluded: boolean;
  /** What the rate is charged on. */
  base: 'price_after_discounts' | 'price_after_discounts_plus_shipping' | 'shipping_fee' | 'per_unit';
  estimate: boolean;
  source: string;
}

export interface FeeTable {
  id: string;
  channel: Channel;
  effectiveFrom: string;
  effectiveTo: string | null;
  rates: readonly Rate[];
  notes: readonly string[];
}

const NAVER_PAY_SOURCE = 'Naver Pay order-management fee by seller tier (VAT-inclusive 1.98/2.585/2.75/3.025/3.63 %), not re-confirmed';
const naverOrderManagement = (channel: Channel): Rate[] => {
  const values: Record<NaverTier, number> = { small: 1.8, medium1: 2.35, medium2: 2.5, medium3: 2.75, general: 3.3 };
  return NAVER_TIERS.map((tier) => ({
    key: `${channel}.order_management.${tier}`,
    label: `Naver Pay order-management fee, ${tier} seller`,
    unit: 'percent' as const,
    value: values[tier],
    vatIncluded: false,
    base: 'price_after_discounts_plus_shipping' as const,
    estimate: true,
    source: NAVER_PAY_SOURCE,
  }));
};

const naverBefore = (channel: Channel, id: string): FeeTable => ({
  id,
  channel,
  effectiveFrom: '2024-01-01',
  effectiveTo: '2025-06-01',
  rates: [
    ...naverOrderManagement(channel),
    {
      key: `${channel}.sales_linked`,
      label: 'Naver Shopping sales-linked fee (orders arriving through Naver Shopping only)',
      unit: 'percent',
      value: 2,
      vatIncluded: false,
      base: 'price_after_discounts',
      estimate: true,
      source: 'Naver Shopping 매출연동수수료 2 %, replaced on 2025-06-02; VAT treatment and base not re-confirmed',
    },
  ],
  notes: [
    'Modelled from 2024-01-01; earlier dates have no table.',
    'The 2 % sales-linked fee applies only when the order arrived through Naver Shopping (inflow "naver_shopping").',
  ],
});

const naverFrom20250602 = (channel: Channel, id: string, full: number, link: number): FeeTable => ({
  id,
  channel,
  effectiveFrom: '2025-06-02',
  effectiveTo: null,
  rates: [
    ...naverOrderManagement(channel),
    {
      key: `${channel}.sales_commission`,
      label: 'Naver sales commission (판매수수료)',
      unit: 'percent',
      value: full,
      vatIncluded: false,
      base: 'price_after_discounts',
      estimate: false,
      source: 'Naver Commerce sales-commission change effective 2025-06-02 (rates as specified by the product brief)',
    },
    {
      key: `${channel}.sales_commission.marketing_link`,
      label: "Naver sales commission for orders from the seller's own marketing links",
      unit: 'percent',
      value: link,
      vatIncluded: false,
      base: 'price_after_discounts',
      estimate: false,
      source: 'Naver Commerce sales-commission change effective 2025-06-02 (rates as specified by the product brief)',
    },
  ],
  notes: [
    'The sales commission replaces the 2 % Naver Shopping sales-linked fee and applies to every order; orders from the ' +
      "seller's own marketing links pay the reduced rate.",
    'Base (price after discounts, shipping excluded) is an estimate.',
  ],
});

const COUPANG_SOURCE = 'Coupang Wing category commission table (about 4 % to 10.9 % excluding VAT), per-category values not re-confirmed';
const COUPANG_COMMISSIONS: Record<Category, number> = {
  fashion_clothing: 10.5,
  shoes: 10.5,
  fashion_accessories: 10.5,
  beauty: 9.6,
  food: 10.6,
  kitchen: 10.8,
  household: 7.8,
  home_interior: 10.8,
  furniture: 10.8,
  digital: 7.8,
  computers: 5.0,
  game_consoles: 4.0,
  appliances: 7.8,
  sports: 10.8,
  toys: 10.8,
  baby: 10.0,
  pets: 10.8,
  automotive: 10.0,
  stationery: 10.8,
  books: 10.8,
  other: 10.9,
};

const coupangCommissions = (channel: Channel): Rate[] =>
  CATEGORIES.map((category) => ({
    key: `${channel}.commission.${category}`,
    label: `Coupang sales commission, ${category}`,
    unit: 'percent' as const,
    value: COUPANG_COMMISSIONS[category],
    vatIncluded: false,
    base: 'price_after_discounts' as const,
    estimate: true,
    source: COUPANG_SOURCE,
  }));

/** Unit size limits (sum of the three sides in cm, weight in grams) that pick a Rocket Growth size tier. */
export const ROCKET_GROWTH_SIZES: readonly { tier: RocketGrowthTier; maxSumCm: number; maxWeightGrams: number }[] = [
  { tier: 'extra_small', maxSumCm: 80, maxWeightGrams: 2_000 },
  { tier: 'small', maxSumCm: 100, maxWeightGrams: 5_000 },
  { tier: 'medium', maxSumCm: 120, maxWeightGrams: 10_000 },
  { tier: 'large', maxSumCm: 160, maxWeightGrams: 20_000 },
  { tier: 'extra_large', maxSumCm: 200, maxWeightGrams: 30_000 },
];

const ROCKET_GROWTH_FULFILMENT: Record<RocketGrowthTier, number> = {
  extra_small: 3_100,
  small: 3_600,
  medium: 4_300,
  large: 5_700,
  extra_large: 8_400,
};

export const FEE_TABLES: readonly FeeTable[] = [
  naverBefore('naver_smart_store', 'naver_smart_store.2024-01-01'),
  naverFrom20250602('naver_smart_store', 'naver_smart_store.2025-06-02', 2.73, 0.91),
  naverBefore('naver_brand_store', 'naver_brand_store.2024-01-01'),
  naverFrom20250602('naver_brand_store', 'naver_brand_store.2025-06-02', 3.64, 1.82),
  {
    id: 'coupang_wing.2024-01-01',
    channel: 'coupang_wing',
    effectiveFrom: '2024-01-01',
    effectiveTo: null,
    rates: [
      ...coupangCommissions('coupang_wing'),
      {
        key: 'coupang_wing.shipping_fee_commission',
        label: 'Coupang commission on the shipping fee charged to the buyer',
        unit: 'percent',
        value: 3,
        vatIncluded: false,
        base: 'shipping_fee',
        estimate: true,
        source: 'Coupang Wing shipping-fee commission (3 % + VAT), not re-confirmed',
      },
    ],
    notes: [
      'Commission is charged on the sale price after discounts.',
      "Coupang's monthly server fee (charged above a monthly sales threshold) is not per unit and is not modelled.",
    ],
  },
  {
    id: 'coupang_rocket_growth.2024-01-01',
    channel: 'coupang_rocket_growth',
    effectiveFrom: '2024-01-01',
    effectiveTo: null,
    rates: [
      ...coupangCommissions('coupang_rocket_growth'),
      ...ROCKET_GROWTH_TIERS.map((tier) => ({
        key: `coupang_rocket_growth.fulfilment.${tier}`,
        label: `Rocket Growth fulfilment (inbound handling, picking, packing, delivery), ${tier} unit`,
        unit: 'won' as const,
        value: ROCKET_GROWTH_FULFILMENT[tier],
        vatIncluded: false,
        base: 'per_unit' as const,
        estimate: true,
        source: 'Rocket Growth fee guide by size tier; figures are estimates for units priced 10,000 won and above',
      })),
    ],
    notes: [
      'Buyers pay no shipping on Rocket Growth; storage fees (per day after the free period) are not modelled.',
      'The size tier comes from the unit size (ROCKET_GROWTH_SIZES) unless the request names one.',
    ],
  },
];

/** The table of a channel in force on a date (YYYY-MM-DD), or undefined when none is. */
export const tableFor = (channel: Channel, date: string, tables: readonly FeeTable[] = FEE_TABLES): FeeTable | undefined =>
  tables.find((t) => t.channel === channel && t.effectiveFrom <= date && (t.effectiveTo === null || date <= t.effectiveTo));

/** Every table in force on a date. */
export const tablesInForce = (date: string, tables: readonly FeeTable[] = FEE_TABLES): FeeTable[] =>
  CHANNELS.map((c) => tableFor(c, date, tables)).filter((t): t is FeeTable => t !== undefined);

/** The key of a channel's rate: `<channel>.<name>`, or `<channel>.<name>.<variant>` unless the variant is null. */
export const channelRateKey = (channel: Channel, name: string, variant: string | null): string =>
  variant === null ? `${channel}.${name}` : `${channel}.${name}.${variant}`;

/**
 * Rates are looked up several times for every scenario priced, so answers are kept per table (or list of tables)
 * instead of a `find` per lookup, and by the key's parts for a channel's rates: joining a key string and hashing
 * the new string for every lookup took a fifth of the engine's time. The first rate with a key wins, as `find` would
 * pick it. Tables are read-only data (`readonly` in their type), so kept answers never go stale; a caller's own
 * tables get their own, dropped with them (WeakMap). Names and variants are fixed names, tiers and categories, so
 * there are few answers per table.
 */
const byParts = new WeakMap<FeeTable, Map<string, Map<string | null, Rate | null>>>();
const byKey = new WeakMap<readonly FeeTable[], ReadonlyMap<string, Rate>>();

/** The rate `channelRateKey(table.channel, name, variant)` of a table, or undefined. */
export const channelRate = (table: FeeTable, name: string, variant: string | null): Rate | undefined => {
  const rates = table.rates; // read first, so a missing table fails as `table.rates.find` did
  let names = byParts.get(table);
  if (!names) byParts.set(table, (names = new Map()));
  let variants = names.get(name);
  if (!variants) names.set(name, (variants = new Map()));
  let rate = variants.get(variant);
  if (rate === undefined) {
    const key = channelRateKey(table.channel, name, variant);
    rate = rates.find((r) => r.key === key) ?? null;
    variants.set(variant, rate);
  }
  return rate ?? undefined;
};

/** The first rate with this key in any of the tables, or undefined. */
export const rateInAny = (tables: readonly FeeTable[], key: string): Rate | undefined => {
  let index = byKey.get(tables);
  if (!index) {
    const rates = new Map<string, Rate>();
    for (const t of tables) for (const r of t.rates) if (!rates.has(r.key)) rates.set(r.key, r);
    byKey.set(tables, (index = rates));
  }
  return index.get(key);
};

/** Every rate key any table defines: the keys a request may override. */
export const RATE_KEYS: readonly string[] = [...new Set(FEE_TABLES.flatMap((t) => t.rates.map((r) => r.key)))].sort();

export const rocketGrowthTierFor = (sumCm: number, weightGrams: number): RocketGrowthTier | undefined =>
  ROCKET_GROWTH_SIZES.find((s) => sumCm <= s.maxSumCm && weightGrams <= s.maxWeightGrams)?.tier;

/** The calendar day in Korea (UTC+9, no daylight saving) of an instant: fee tables change on KST days. */
export const kstDate = (now: Date): string => new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
