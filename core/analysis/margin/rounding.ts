/**
 * ROUNDING RULE (the one rule; docs/analysis.md repeats it):
 *   Inputs are integers (won, fen, grams, cm) and decimal rates. Each displayed component is computed in
 *   float64 from the inputs and rounded once, half-up, to the whole won (`won()`); floating-point noise below
 *   1/10,000 won is absorbed first so 0.5 always rounds up. Totals, profit and VAT are sums and differences of
 *   the rounded components, so every breakdown adds up exactly. Shipment amounts (goods, freight, duty, VAT)
 *   are rounded at shipment level, then divided by the quantity and rounded per unit. Duty and import VAT
 *   follow the tax rule instead: truncated to 10 won per declaration (`CUSTOMS_RULES.taxTruncationKrw`).
 *   Percentages in the output (margin, ROI) are rounded half-up to 2 decimals.
 */

/** Half-up to the won after absorbing binary floating-point noise (1.005 * 100 and friends). */
export const won = (x: number): number => Math.floor(Math.round(x * 1e4) / 1e4 + 0.5);
/** Tax amounts: fractions under 10 won are dropped. */
export const truncate10 = (x: number): number => Math.floor(Math.round(x * 1e4) / 1e4 / 10) * 10;
/** Percentages: half-up to 2 decimals. */
export const pct2 = (x: number): number => Math.floor(Math.round(x * 1e6) / 1e4 + 0.5) / 100;

/** The rounding rule in one sentence, for answers and docs. */
export const ROUNDING_RULE =
  'Each component is computed in float64 and rounded once, half-up, to the whole won; totals, profit and VAT are sums ' +
  'of rounded components. Shipment amounts are rounded per shipment, then divided by the quantity and rounded per ' +
  'unit. Duty and import VAT are truncated to 10 won per declaration. Percentages are rounded half-up to 2 decimals.';
