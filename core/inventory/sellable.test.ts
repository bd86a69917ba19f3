import { describe, expect, it } from 'vitest';
import { availableOf, bundleUnits, channelShareOf, sellableQuantity } from './sellable.ts';

// Every expected number below is worked by hand from the rules in sellable.ts.
describe('availability', () => {
  it('available is onHand - reserved, never below zero', () => {
    expect(availableOf({ onHand: 10, reserved: 3 })).toBe(7);
    expect(availableOf({ onHand: 5, reserved: 5 })).toBe(0);
    expect(availableOf({ onHand: 2, reserved: 4 })).toBe(0);
  });

  it('channels share what is available less the safety stock', () => {
    expect(channelShareOf({ onHand: 10, reserved: 3, safetyStock: 2 })).toBe(5); // 10 - 3 - 2
    expect(channelShareOf({ onHand: 10, reserved: 3, safetyStock: 7 })).toBe(0); // 7 - 7
    expect(channelShareOf({ onHand: 10, reserved: 3, safetyStock: 9 })).toBe(0); // never negative
  });

  it('a bundle has as many as its scarcest component allows', () => {
    const units: Record<string, number> = { A: 7, B: 10, C: 1 };
    // A x2: floor(7/2) = 3; B x3: floor(10/3) = 3 -> 3
    expect(bundleUnits([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }], (s) => units[s]!)).toBe(3);
    // B x4: floor(10/4) = 2 is scarcer than A x1: 7 -> 2
    expect(bundleUnits([{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 4 }], (s) => units[s]!)).toBe(2);
    // C x2: floor(1/2) = 0
    expect(bundleUnits([{ sku: 'A', quantity: 1 }, { sku: 'C', quantity: 2 }], (s) => units[s]!)).toBe(0);
    expect(bundleUnits([], () => 100)).toBe(0);
  });
});

describe('sellableQuantity', () => {
  it('takes the buffer first, then the allocation, rounding down', () => {
    expect(sellableQuantity({ shared: 10, bufferUnits: 0, allocationPercent: 100 })).toBe(10);
    // (10 - 2) * 50 % = 4
    expect(sellableQuantity({ shared: 10, bufferUnits: 2, allocationPercent: 50 })).toBe(4);
    // (10 - 1) * 33 % = 2.97 -> 2
    expect(sellableQuantity({ shared: 10, bufferUnits: 1, allocationPercent: 33 })).toBe(2);
    // 10 * 33 % = 3.3 -> 3 (integer arithmetic: no 3.0000000000000004 edge)
    expect(sellableQuantity({ shared: 10, bufferUnits: 0, allocationPercent: 33 })).toBe(3);
    // 7 * 10 % = 0.7 -> 0
    expect(sellableQuantity({ shared: 7, bufferUnits: 0, allocationPercent: 10 })).toBe(0);
  });

  it('never goes below zero and shows nothing at 0 %', () => {
    expect(sellableQuantity({ shared: 3, bufferUnits: 5, allocationPercent: 100 })).toBe(0);
    expect(sellableQuantity({ shared: 3, bufferUnits: 3, allocationPercent: 100 })).toBe(0);
    expect(sellableQuantity({ shared: 50, bufferUnits: 0, allocationPercent: 0 })).toBe(0);
  });

  it('a bundle listing: shares of components, then buffer and allocation', () => {
    // Components: A share = 20 - 2 reserved - 3 safety = 15; B share = 9 - 0 - 1 = 8.
    const share = { A: channelShareOf({ onHand: 20, reserved: 2, safetyStock: 3 }), B: channelShareOf({ onHand: 9, reserved: 0, safetyStock: 1 }) };
    expect(share).toEqual({ A: 15, B: 8 });
    // Bundle of A x2 + B x1: min(floor(15/2) = 7, floor(8/1) = 8) = 7; buffer 1 -> 6; 50 % -> 3.
    const shared = bundleUnits([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], (s) => share[s as 'A' | 'B']);
    expect(shared).toBe(7);
    expect(sellableQuantity({ shared, bufferUnits: 1, allocationPercent: 50 })).toBe(3);
  });
});
