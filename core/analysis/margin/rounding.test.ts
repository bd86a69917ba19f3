/** The rounding rule's three functions at the edges the rule names: half-up, float noise, truncation to 10 won. */
import { describe, expect, it } from 'vitest';
import { pct2, truncate10, won } from './rounding.ts';

describe('won: half-up to the won', () => {
  it('rounds .5 up and anything below it down, negative amounts towards +infinity at .5', () => {
    expect(won(0.5)).toBe(1);
    expect(won(0.49)).toBe(0);
    expect(won(2)).toBe(2);
    expect(won(-2.5)).toBe(-2);
    expect(won(-2.51)).toBe(-3);
  });
  it('absorbs float noise under 1/10,000 won, and no more', () => {
    expect(won(1.005 * 100)).toBe(101); // 100.49999999999999
    expect(won(0.49995)).toBe(1); // 4,999.5 ten-thousandths round to 5,000: .5
    expect(won(0.4999)).toBe(0);
    expect(won(12.49994)).toBe(12);
  });
});

describe('truncate10: tax amounts drop fractions under 10 won', () => {
  it('truncates to the ten', () => {
    expect(truncate10(17_219.99)).toBe(17_210);
    expect(truncate10(17_220)).toBe(17_220);
    expect(truncate10(9.99)).toBe(0);
    expect(truncate10(10)).toBe(10);
  });
  it('absorbs float noise first: 0.1 x 3 x 100 is 30', () => {
    expect(truncate10(0.1 * 3 * 100)).toBe(30); // 30.000000000000004
    expect(truncate10(29.99999999)).toBe(30); // within 1/10,000
    expect(truncate10(29.999)).toBe(20);
  });
});

describe('pct2: percentages half-up to 2 decimals', () => {
  it('rounds the third decimal half-up', () => {
    expect(pct2(51)).toBe(51);
    expect(pct2(134.2105)).toBe(134.21);
    expect(pct2(134.215)).toBe(134.22);
    expect(pct2(-1.005)).toBe(-1);
    expect(pct2(-1.006)).toBe(-1.01);
  });
  it('absorbs float noise: 1.005 % is 1.01 %', () => {
    expect(pct2(1.005)).toBe(1.01); // 1.00499999999999989 in float64
    expect(pct2(0.1 + 0.2)).toBe(0.3);
  });
});
