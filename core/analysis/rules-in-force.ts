/** The fee tables, customs rules and rounding rule in force on a day: what a seller prices against. */
import { CUSTOMS_RULES } from './customs.ts';
import { FEE_TABLES, tablesInForce, type FeeTable } from './fee-tables.ts';
import { ROUNDING_RULE } from './margin/rounding.ts';
import type { RulesInForce } from './model.ts';

/** The rules in force on `date` (a KST calendar day, YYYY-MM-DD). */
export const rulesInForce = (date: string, tables: readonly FeeTable[] = FEE_TABLES): RulesInForce => ({
  date,
  tables: tablesInForce(date, tables),
  customs: Object.values(CUSTOMS_RULES).filter((r) => r.effectiveFrom <= date),
  rounding: ROUNDING_RULE,
});
