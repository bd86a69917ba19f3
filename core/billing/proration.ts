/**
 * Proration, with its rounding rule written once: the unused share of a period's price is
 * floor(price * remaining / period), computed in integers (BigInt over milliseconds) so no floating point ever
 * touches money. Rounding down means a refund never exceeds what was paid and an upgrade charge never exceeds
 * the price difference; the customer loses at most 1 won on a refund, and an upgrade is at most 1 won cheaper.
 */
export const unusedShare = (priceKrw: number, periodStart: Date, periodEnd: Date, now: Date): number => {
  if (!Number.isSafeInteger(priceKrw) || priceKrw < 0) throw new RangeError(`price must be a non-negative integer, got ${priceKrw}`);
  const total = BigInt(periodEnd.getTime() - periodStart.getTime());
  if (total <= 0n) return 0;
  const remaining = BigInt(Math.min(Math.max(periodEnd.getTime() - now.getTime(), 0), periodEnd.getTime() - periodStart.getTime()));
  return Number((BigInt(priceKrw) * remaining) / total);
};

/** What an upgrade costs now: the new plan's unused share minus the old plan's (never negative). */
export const upgradeCharge = (oldPriceKrw: number, newPriceKrw: number, periodStart: Date, periodEnd: Date, now: Date): number =>
  Math.max(0, unusedShare(newPriceKrw, periodStart, periodEnd, now) - unusedShare(oldPriceKrw, periodStart, periodEnd, now));

/** Toss refuses charges below this (BELOW_MINIMUM_AMOUNT); a smaller upgrade difference is waived. */
export const MINIMUM_CHARGE_KRW = 100;
