/** Rules between fields that a schema of single fields cannot see; each issue names its field in the scenario. */
import { DomainError } from '../../shared/errors.ts';
import { FEE_TABLES, rateInAny, rocketGrowthTierFor, tableFor, type FeeTable } from '../fee-tables.ts';
import type { Issue, MarginScenario, ProductAtAnyQuantity, SellingInput } from '../model.ts';
import { discountOf } from './sale.ts';

export const scenarioIssues = (s: MarginScenario, tables: readonly FeeTable[] = FEE_TABLES): Issue[] => {
  const issues = productIssues(s, tables);
  checkSale(issues, s.selling, s, tables, 'selling');
  return issues;
};

export const productIssues = (p: ProductAtAnyQuantity, tables: readonly FeeTable[] = FEE_TABLES): Issue[] => {
  const issues: Issue[] = [];
  const { purchase } = p;
  if ((purchase.unitPriceFen === undefined) === (purchase.priceTiers === undefined || purchase.priceTiers.length === 0)) {
    issues.push({ field: 'purchase.unitPriceFen', message: 'Give either purchase.unitPriceFen or purchase.priceTiers, not both or neither.' });
  }
  if (purchase.priceTiers && purchase.priceTiers.length > 0) {
    const seen = new Set<number>();
    purchase.priceTiers.forEach((t, i) => {
      if (seen.has(t.minQuantity)) issues.push({ field: `purchase.priceTiers.${i}.minQuantity`, message: `Two tiers start at ${t.minQuantity}.` });
      seen.add(t.minQuantity);
    });
  }
  for (const [key, value] of p.rateOverrides ? Object.entries(p.rateOverrides) : []) {
    const rate = rateInAny(tables, key);
    if (!rate) issues.push({ field: `rateOverrides.${key}`, message: 'Unknown rate key; the fee tables list every key.' });
    else if (rate.unit === 'percent' && value > 100) issues.push({ field: `rateOverrides.${key}`, message: 'A percent rate must be from 0 to 100.' });
  }
  return issues;
};

/** The issues of one sale of the product; `at` is where the sale sits in the caller's input (`channels.2`). */
export const sellingIssues = (sell: SellingInput, p: ProductAtAnyQuantity, tables: readonly FeeTable[], at: string): Issue[] => {
  const issues: Issue[] = [];
  checkSale(issues, sell, p, tables, at);
  return issues;
};

/** Adds the issues of one sale to `issues` and returns the fee table in force, so a valid sale need not look it up again. */
const checkSale = (issues: Issue[], sell: SellingInput, p: ProductAtAnyQuantity, tables: readonly FeeTable[], at: string): FeeTable | undefined => {
  const table = tableFor(sell.channel, p.saleDate, tables);
  if (!table) {
    const first = tables.filter((t) => t.channel === sell.channel).map((t) => t.effectiveFrom).sort()[0];
    issues.push({ field: 'saleDate', message: `No ${sell.channel} fee table is in force on ${p.saleDate}${first ? `; tables start ${first}` : ''}.` });
  }
  if (discountOf(sell, sell.salePriceKrw) > sell.salePriceKrw) {
    issues.push({ field: `${at}.discountKrw`, message: 'Discounts exceed the sale price.' });
  }
  if (sell.ads?.costPerSaleKrw !== undefined && sell.ads.spendSharePercent !== undefined) {
    issues.push({ field: `${at}.ads`, message: 'Give ads.costPerSaleKrw or ads.spendSharePercent, not both.' });
  }
  if (sell.channel === 'coupang_rocket_growth' && sell.rocketGrowthTier === undefined) {
    const d = p.freight.unitDimensionsCm;
    if (!d) issues.push({ field: `${at}.rocketGrowthTier`, message: 'Rocket Growth needs a size tier or freight.unitDimensionsCm to pick one.' });
    else if (!rocketGrowthTierFor(d.length + d.width + d.height, p.freight.unitWeightGrams)) {
      issues.push({ field: 'freight.unitDimensionsCm', message: 'The unit is larger than the largest Rocket Growth size tier.' });
    }
  }
  return table;
};

/** Throws InvalidScenario naming each bad field of the scenario; returns its fee table otherwise. */
export const validTable = (s: MarginScenario, tables: readonly FeeTable[]): FeeTable => {
  const issues = productIssues(s, tables);
  const table = checkSale(issues, s.selling, s, tables, 'selling');
  assertValid(issues);
  return table!;
};

/**
 * A scenario that breaks rules between fields. The message lists the issues; `details.errors` and `issues` name
 * each field by its path in the scenario, and the caller says where the scenario came from.
 */
export class InvalidScenario extends DomainError {
  readonly issues: readonly Issue[];

  constructor(issues: Issue[]) {
    super('invalid', issues.map((i) => `${i.field}: ${i.message}`).join(' '), {
      details: { errors: issues.map((i) => ({ field: i.field, message: i.message, code: 'invalid' })) },
    });
    this.issues = issues;
  }
}

/** Throws InvalidScenario when there are issues. */
export const assertValid = (issues: Issue[]): void => {
  if (issues.length > 0) throw new InvalidScenario(issues);
};
