import { describe, expect, it } from 'vitest';
import { checkConsumeRequest, windowBounds, type ConsumeRequest } from './rate-counter.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('windowBounds', () => {
  it('aligns windows to the epoch by default', () => {
    expect(windowBounds(1_234_567, { sizeMs: 1_000 })).toEqual({ start: 1_234_000, end: 1_235_000 });
    expect(windowBounds(1_234_000, { sizeMs: 1_000 })).toEqual({ start: 1_234_000, end: 1_235_000 });
    const day = windowBounds(Date.parse('2026-01-01T15:30:00Z'), { sizeMs: 86_400_000 });
    expect([iso(day.start), iso(day.end)]).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z']);
  });

  it('with the Korean offset, a daily window runs from midnight KST (15:00 UTC the day before)', () => {
    const kst = { sizeMs: 86_400_000, utcOffsetMs: 9 * 3_600_000 };
    // 15:30 UTC on 1 January is 00:30 KST on 2 January.
    const after = windowBounds(Date.parse('2026-01-01T15:30:00Z'), kst);
    expect([iso(after.start), iso(after.end)]).toEqual(['2026-01-01T15:00:00.000Z', '2026-01-02T15:00:00.000Z']);
    // 14:59:59.999 UTC is still 1 January in Korea.
    const before = windowBounds(Date.parse('2026-01-01T14:59:59.999Z'), kst);
    expect([iso(before.start), iso(before.end)]).toEqual(['2025-12-31T15:00:00.000Z', '2026-01-01T15:00:00.000Z']);
  });
});

describe('checkConsumeRequest', () => {
  const ok: ConsumeRequest = { name: 'naver:datalab:t1', limit: 10, window: { sizeMs: 1_000 } };

  it('returns the amount to add, 1 when none is given', () => {
    expect(checkConsumeRequest(ok)).toBe(1);
    expect(checkConsumeRequest({ ...ok, amount: 3 })).toBe(3);
    expect(checkConsumeRequest({ ...ok, limit: 0, amount: 1, window: { sizeMs: 1 } })).toBe(1);
  });

  it('refuses an empty name', () => {
    expect(() => checkConsumeRequest({ ...ok, name: '' })).toThrow(new RangeError('rate counter: name must not be empty'));
  });

  it('refuses a negative or fractional limit', () => {
    expect(() => checkConsumeRequest({ ...ok, limit: -1 })).toThrow(new RangeError('rate counter naver:datalab:t1: limit must be a non-negative integer, got -1'));
    expect(() => checkConsumeRequest({ ...ok, limit: 1.5 })).toThrow(RangeError);
    expect(() => checkConsumeRequest({ ...ok, limit: Number.NaN })).toThrow(RangeError);
  });

  it('refuses an amount under 1 or fractional', () => {
    expect(() => checkConsumeRequest({ ...ok, amount: 0 })).toThrow(new RangeError('rate counter naver:datalab:t1: amount must be a positive integer, got 0'));
    expect(() => checkConsumeRequest({ ...ok, amount: 1.5 })).toThrow(RangeError);
  });

  it('refuses a window under 1 ms or fractional', () => {
    expect(() => checkConsumeRequest({ ...ok, window: { sizeMs: 0 } })).toThrow(new RangeError('rate counter naver:datalab:t1: window.sizeMs must be a positive integer, got 0'));
    expect(() => checkConsumeRequest({ ...ok, window: { sizeMs: 0.5 } })).toThrow(RangeError);
  });
});
