import { describe, expect, it } from 'vitest';
import { parseRefreshTimeout } from './oauth.ts';

describe('1688 refresh_token_timeout', () => {
  it('reads 1688\'s Beijing-time form and epoch milliseconds; anything else is null', () => {
    // 08:00 on 1 Dec 2026 in Beijing (UTC+8) is midnight UTC.
    expect(parseRefreshTimeout('20261201080000000+0800')?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parseRefreshTimeout('20261201080000123+0800')?.toISOString()).toBe('2026-12-01T00:00:00.123Z');
    expect(parseRefreshTimeout('1764547200000')?.toISOString()).toBe('2025-12-01T00:00:00.000Z');
    for (const bad of [undefined, '', 'tomorrow', '2026-12-01', {}]) expect(parseRefreshTimeout(bad)).toBeNull();
  });
});
