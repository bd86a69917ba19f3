/**
 * Korean import rules for goods bought abroad: which clearance route applies, the duty-free threshold, and the
 * duty and import VAT when the goods are taxed. Rules are data with their source, so docs/analysis.md and
 * the fee-tables answer can show them.
 */
import type { Category } from './fee-tables.ts';

export interface CustomsRule {
  key: string;
  label: string;
  value: number;
  unit: 'usd' | 'percent' | 'won';
  effectiveFrom: string;
  estimate: boolean;
  source: string;
}

export const CUSTOMS_RULES = {
  listClearanceThresholdUsd: {
    key: 'customs.list_clearance_threshold',
    label: 'Duty and VAT free limit for personal-use goods (list clearance), goods value plus foreign domestic shipping',
    value: 150,
    unit: 'usd',
    effectiveFrom: '2024-01-01',
    estimate: false,
    source: 'Korea Customs Service small-amount exemption for personal-use goods (as specified by the product brief)',
  },
  usThresholdUsd: {
    key: 'customs.us_threshold',
    label: 'The same limit for personal-use goods shipped from the United States (Korea-US FTA)',
    value: 200,
    unit: 'usd',
    effectiveFrom: '2024-01-01',
    estimate: false,
    source: 'Korea Customs Service, Korea-US FTA special case (as specified by the product brief)',
  },
  formalDeclarationThresholdUsd: {
    key: 'customs.formal_declaration_threshold',
    label: 'Limit for personal-use goods that need a formal declaration (food, supplements, ...), from any country',
    value: 150,
    unit: 'usd',
    effectiveFrom: '2024-01-01',
    estimate: false,
    source: 'Korea Customs Service general-clearance goods (as specified by the product brief)',
  },
  defaultDutyPercent: {
    key: 'customs.default_duty',
    label: 'Basic duty rate used when no HS-code rate is supplied',
    value: 8,
    unit: 'percent',
    effectiveFrom: '2024-01-01',
    estimate: false,
    source: 'Korean basic tariff rate for most manufactured goods (as specified by the product brief)',
  },
  clothingDutyPercent: {
    key: 'customs.clothing_duty',
    label: 'Basic duty rate for clothing and shoes when no HS-code rate is supplied',
    value: 13,
    unit: 'percent',
    effectiveFrom: '2024-01-01',
    estimate: false,
    source: 'Korean basic tariff rate for apparel and footwear (as specified by the product brief)',
  },
  importVatPercent: {
    key: 'customs.import_vat',
    label: 'Import VAT on customs value plus duty',
    value: 10,
    unit: 'percent',
    effectiveFrom: '2024-01-01',
    estimate: false,
    source: 'Value-Added Tax Act, import VAT base = customs value + duty',
  },
  minimumDutyKrw: {
    key: 'customs.minimum_duty',
    label: 'Duty below this amount per declaration is not collected',
    value: 10_000,
    unit: 'won',
    effectiveFrom: '2024-01-01',
    estimate: true,
    source: 'Customs Act Art. 40 and its Enforcement Decree (10,000 won); applied to duty only, VAT is still charged',
  },
  taxTruncationKrw: {
    key: 'customs.tax_truncation',
    label: 'Duty and import VAT are truncated to this unit (amounts under 10 won are not charged)',
    value: 10,
    unit: 'won',
    effectiveFrom: '2024-01-01',
    estimate: false,
    source: 'National Treasury Management Act Art. 47 (fractions under 10 won are dropped)',
  },
} as const satisfies Record<string, CustomsRule>;

export type ImportType = 'personal' | 'bulk';
export type GoodsClass = 'general' | 'formal_declaration';
export type ShippedFrom = 'CN' | 'US' | 'other';
export const CUSTOMS_ROUTES = ['list_clearance', 'formal_declaration_personal', 'import_declaration'] as const;
export type CustomsRoute = (typeof CUSTOMS_ROUTES)[number];

export interface RouteDecision {
  route: CustomsRoute;
  /** US$ limit for duty-free entry, or null when the route has none (bulk stock for resale). */
  thresholdUsd: number | null;
  thresholdRule: string | null;
}

/** The clearance route and its duty-free limit, decided by what the goods are for and where they ship from. */
export const decideRoute = (importType: ImportType, goodsClass: GoodsClass, shippedFrom: ShippedFrom): RouteDecision => {
  if (importType === 'bulk') return { route: 'import_declaration', thresholdUsd: null, thresholdRule: null };
  if (goodsClass === 'formal_declaration') {
    const rule = CUSTOMS_RULES.formalDeclarationThresholdUsd;
    return { route: 'formal_declaration_personal', thresholdUsd: rule.value, thresholdRule: rule.key };
  }
  const rule = shippedFrom === 'US' ? CUSTOMS_RULES.usThresholdUsd : CUSTOMS_RULES.listClearanceThresholdUsd;
  return { route: 'list_clearance', thresholdUsd: rule.value, thresholdRule: rule.key };
};

export const defaultDutyRate = (category: Category): { percent: number; source: 'category_default' | 'default' } =>
  category === 'fashion_clothing' || category === 'shoes'
    ? { percent: CUSTOMS_RULES.clothingDutyPercent.value, source: 'category_default' }
    : { percent: CUSTOMS_RULES.defaultDutyPercent.value, source: 'default' };
