/**
 * What one unit costs delivered to the seller in Korea: goods at the market rate, the agent's fee, China shipping,
 * international freight by chargeable weight, and duty and import VAT by the customs route.
 */
import { CUSTOMS_RULES, decideRoute, defaultDutyRate } from '../customs.ts';
import type { LandedCost, PriceTier, ProductInput } from '../model.ts';
import { assertValid } from './checks.ts';
import { truncate10, won } from './rounding.ts';

const tierFor = (tiers: PriceTier[], quantity: number): PriceTier | undefined => {
  let best: PriceTier | undefined;
  for (const t of tiers) if (t.minQuantity <= quantity && (!best || t.minQuantity > best.minQuantity)) best = t;
  return best;
};

export const landedCost = (p: ProductInput): LandedCost => {
  const landed = landedFigures(p);
  landed.customs.reason = customsReason(landed.customs);
  return landed;
};

/**
 * The landed cost with an empty customs `reason`, which `landedCost` fills in: the text is for a person reading one
 * result, and formatting it (a number format and a concatenation) took about 8 % of the engine's time.
 */
export const landedFigures = (p: ProductInput): LandedCost => {
  const { purchase, exchange, freight, customs } = p;
  const q = purchase.quantity;
  let unitPriceFen: number;
  let priceTier: PriceTier | null = null;
  if (purchase.priceTiers && purchase.priceTiers.length > 0) {
    const tier = tierFor(purchase.priceTiers, q);
    if (!tier) {
      const moq = Math.min(...purchase.priceTiers.map((t) => t.minQuantity));
      assertValid([{ field: 'purchase.quantity', message: `Below the minimum order quantity of ${moq}.` }]);
    }
    priceTier = tier!;
    unitPriceFen = tier!.unitPriceFen;
  } else {
    unitPriceFen = purchase.unitPriceFen!;
  }

  // Purchase at the market rate (what the seller actually pays for yuan).
  const goodsExact = (unitPriceFen * q * exchange.cnyKrw) / 100;
  const goodsKrw = won(goodsExact);
  const agentFeeKrw = won((goodsExact * purchase.agentFeePercent) / 100);
  const chinaShippingKrw = won((purchase.chinaShippingFen * exchange.cnyKrw) / 100);

  // Freight: the greater of actual and volumetric weight, rounded up to the forwarder's step, then the minimum.
  const actualWeightGrams = freight.unitWeightGrams * q;
  const d = freight.unitDimensionsCm;
  const volumetricWeightGrams = d ? Math.ceil(((d.length * d.width * d.height) / freight.volumetricDivisor) * 1000 * q) : 0;
  const step = freight.weightStepGrams;
  const chargeableWeightGrams = Math.ceil(Math.max(actualWeightGrams, volumetricWeightGrams) / step) * step;
  const byWeight = won((chargeableWeightGrams / 1000) * freight.ratePerKgKrw);
  const minimumChargeApplied = byWeight < freight.minimumChargeKrw;
  const freightKrw = minimumChargeApplied ? freight.minimumChargeKrw : byWeight;

  // Customs: value at the customs rate when given. The buying agent's fee is a buying commission, which is not
  // part of the customs value; international freight is (CIF).
  const cCny = exchange.customs?.cnyKrw ?? exchange.cnyKrw;
  const cUsd = exchange.customs?.usdKrw ?? exchange.usdKrw;
  const foreignValueExact = ((unitPriceFen * q + purchase.chinaShippingFen) * cCny) / 100;
  const valueForThresholdUsd = Math.floor((foreignValueExact / cUsd) * 100 + 1e-6) / 100;
  const customsValueKrw = won(foreignValueExact) + freightKrw;
  const decision = decideRoute(customs.importType, customs.goodsClass, customs.shippedFrom);
  const dutyRate =
    customs.dutyRatePercent !== undefined
      ? { percent: customs.dutyRatePercent, source: 'hs_code' as const }
      : defaultDutyRate(p.category);

  const exempt = decision.thresholdUsd !== null && foreignValueExact / cUsd <= decision.thresholdUsd + 1e-9;

  let dutyKrw = 0;
  let importVatKrw = 0;
  let dutyWaivedBelowMinimum = false;
  if (!exempt) {
    const duty = truncate10((customsValueKrw * dutyRate.percent) / 100);
    dutyWaivedBelowMinimum = duty > 0 && duty < CUSTOMS_RULES.minimumDutyKrw.value;
    dutyKrw = dutyWaivedBelowMinimum ? 0 : duty;
    importVatKrw = truncate10(((customsValueKrw + dutyKrw) * CUSTOMS_RULES.importVatPercent.value) / 100);
  }
  const sellerPays = customs.dutyPaidBy === 'seller';

  const perUnit = {
    goods: won((unitPriceFen * exchange.cnyKrw) / 100),
    agentFee: won(agentFeeKrw / q),
    chinaShipping: won(chinaShippingKrw / q),
    internationalFreight: won(freightKrw / q),
    duty: sellerPays ? won(dutyKrw / q) : 0,
    importVat: sellerPays ? won(importVatKrw / q) : 0,
    total: 0,
  };
  perUnit.total = perUnit.goods + perUnit.agentFee + perUnit.chinaShipping + perUnit.internationalFreight + perUnit.duty + perUnit.importVat;

  return {
    quantity: q,
    unitPriceFen,
    priceTier,
    exchange,
    perUnit,
    shipment: {
      goodsKrw,
      agentFeeKrw,
      chinaShippingKrw,
      actualWeightGrams,
      volumetricWeightGrams,
      chargeableWeightGrams,
      freightKrw,
      minimumChargeApplied,
      customsValueKrw,
      dutyKrw,
      importVatKrw,
    },
    customs: {
      route: decision.route,
      thresholdUsd: decision.thresholdUsd,
      thresholdRule: decision.thresholdRule,
      valueForThresholdUsd,
      exempt,
      reason: '',
      dutyRatePercent: dutyRate.percent,
      dutyRateSource: dutyRate.source,
      hsCode: customs.hsCode ?? null,
      dutyWaivedBelowMinimum,
      paidBy: customs.dutyPaidBy,
    },
  };
};

const customsReason = (c: LandedCost['customs']): string => {
  if (c.thresholdUsd === null) {
    return 'Bulk stock for resale clears on a normal import declaration: no duty-free limit; duty on the CIF value, VAT on CIF plus duty.';
  }
  const value = `Goods value plus foreign shipping US$${c.valueForThresholdUsd.toFixed(2)}`;
  return c.exempt
    ? `${value} is within the US$${c.thresholdUsd} limit (${c.thresholdRule}): no duty or VAT.`
    : `${value} is over the US$${c.thresholdUsd} limit (${c.thresholdRule}): duty and VAT on the whole CIF value.`;
};
