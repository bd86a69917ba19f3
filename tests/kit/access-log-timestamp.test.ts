import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatAccessLine } from '../../handlers/kit/access-log.ts';

const entry = { requestId: 'r-1', method: 'GET', path: '/health', route: 'platform.health', status: 200, durationMs: 0.5, sourceIp: '127.0.0.1' };
const stampOf = (line: string): string => (JSON.parse(line) as { timestamp: string }).timestamp;

describe('access line timestamp', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is the current time to the millisecond, each line formatted after the clock moves gets the new time', () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T14:33:28.123Z') });
    expect(stampOf(formatAccessLine('sellpo', entry))).toBe('2026-12-06T14:33:28.123Z');
    expect(stampOf(formatAccessLine('sellpo', entry))).toBe('2026-12-06T14:33:28.123Z');
    vi.advanceTimersByTime(1);
    expect(stampOf(formatAccessLine('sellpo', entry))).toBe('2026-12-06T14:33:28.124Z');
    vi.setSystemTime(new Date('2026-12-06T14:33:27.999Z'));
    expect(stampOf(formatAccessLine('sellpo', entry))).toBe('2026-12-06T14:33:27.999Z');
  });
});
