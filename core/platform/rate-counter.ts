/**
 * Counters shared by every process of the service (per-second provider limits, daily budgets): fixed windows,
 * incremented atomically in the store, never past their limit.
 */
export interface RateWindow {
  /** Window length, e.g. 1_000 for a per-second limit or 86_400_000 for a daily budget. */
  sizeMs: number;
  /**
   * Shifts window boundaries from UTC: 9 * 3_600_000 makes daily windows start at midnight in Korea (UTC+9).
   * Default 0 (windows aligned to the Unix epoch).
   */
  utcOffsetMs?: number;
}

export interface ConsumeRequest {
  /** The counter's name, including whatever scopes it (`naver:datalab:tenant-1`). */
  name: string;
  /** The most the window may hold. */
  limit: number;
  window: RateWindow;
  /** How much to add; default 1. */
  amount?: number;
}

export interface ConsumeResult {
  /** True when `amount` was added; false when it would have passed the limit (nothing was added). */
  allowed: boolean;
  /** The window's count after this call. */
  count: number;
  limit: number;
  /** When the current window ends and the count starts again from zero. */
  resetAt: Date;
}

export interface RateCounter {
  consume(request: ConsumeRequest): Promise<ConsumeResult>;
  /** The current window's count without changing it. */
  peek(name: string, window: RateWindow): Promise<{ count: number; resetAt: Date }>;
  /**
   * Takes `amount` back off the window that starts at `windowStart` (never below zero): what a process leased
   * and did not spend (budget-leases.ts). Absent: leased remainders are not given back early; they expire with
   * their window.
   */
  release?(request: ReleaseRequest): Promise<void>;
}

export interface ReleaseRequest {
  name: string;
  window: RateWindow;
  /** The start of the window the amount was leased in; a window that has ended is left as it is. */
  windowStart: Date;
  amount: number;
}

/** Start and end (ms since epoch) of the window containing `nowMs`. */
export const windowBounds = (nowMs: number, window: RateWindow): { start: number; end: number } => {
  const offset = window.utcOffsetMs ?? 0;
  const start = Math.floor((nowMs + offset) / window.sizeMs) * window.sizeMs - offset;
  return { start, end: start + window.sizeMs };
};

/** Checks a request once, so every adapter rejects the same bad input the same way. */
export const checkConsumeRequest = (request: ConsumeRequest): number => {
  const amount = request.amount ?? 1;
  if (!request.name) throw new RangeError('rate counter: name must not be empty');
  if (!Number.isSafeInteger(request.limit) || request.limit < 0) throw new RangeError(`rate counter ${request.name}: limit must be a non-negative integer, got ${request.limit}`);
  if (!Number.isSafeInteger(amount) || amount < 1) throw new RangeError(`rate counter ${request.name}: amount must be a positive integer, got ${amount}`);
  if (!Number.isSafeInteger(request.window.sizeMs) || request.window.sizeMs < 1) throw new RangeError(`rate counter ${request.name}: window.sizeMs must be a positive integer, got ${request.window.sizeMs}`);
  return amount;
};
