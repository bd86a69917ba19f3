/**
 * Fault and inspection controls shared by the Naver sandbox providers, under /__sandbox/ on each provider's port:
 *   POST /__sandbox/faults  {"outage":true, "delayMs":500, "ratePerSecond":10, "quotaExhausted":true,
 *                            "failNext":{"count":2,"kind":"rate"}, "hold":true}   (fields merge; omitted ones stay)
 *   GET  /__sandbox/stats   request counts by status and path, 429s, requests held, the last request's auth headers
 *   GET  /__sandbox/held?count=N   answers once N requests are held (a barrier for tests; 408 after 30 s)
 *   POST /__sandbox/release  lets every held request go on and stops holding new ones
 *   POST /__sandbox/reset   faults off, counters zero, held requests released
 */
import type { SandboxRequest, SandboxResponse } from '../types.ts';

export type FailKind = 'rate' | 'connections' | 'server' | 'maintenance';

export interface Faults {
  /** Every request answers the provider's outage error. */
  outage: boolean;
  /** Every request waits this long before being answered. */
  delayMs: number;
  /** A token bucket of this capacity refilled at this rate per second; 0 = no rate limit. */
  ratePerSecond: number;
  /** The daily quota is spent: every request answers the provider's quota error. */
  quotaExhausted: boolean;
  /** The next `count` requests fail with `kind` (then the provider answers normally again). */
  failNext: { count: number; kind: FailKind };
  /** Every request is held, unanswered, until POST /__sandbox/release: a provider that is slow for as long as a test wants. */
  hold: boolean;
}

const noFaults = (): Faults => ({ outage: false, delayMs: 0, ratePerSecond: 0, quotaExhausted: false, failNext: { count: 0, kind: 'server' }, hold: false });

export interface Stats {
  requests: number;
  byStatus: Record<string, number>;
  byPath: Record<string, number>;
  /** Requests answered 429 by the rate limit or quota. */
  rejected429: number;
  /** Requests held now (faults.hold). */
  held: number;
  /** Non-secret headers of the last request (signature checks in tests). */
  lastRequest: { method: string; path: string; query: string; headers: Record<string, string> } | null;
}

const emptyStats = (): Stats => ({ requests: 0, byStatus: {}, byPath: {}, rejected429: 0, held: 0, lastRequest: null });

export type Refusal = (kind: FailKind | 'outage' | 'quota') => SandboxResponse;

export class Controls {
  faults: Faults = noFaults();
  stats: Stats = emptyStats();
  private tokens = 0;
  private refilledAt = 0;
  private readonly timers = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();
  private readonly recordHeaders: readonly string[];
  private readonly holding = new Set<() => void>();
  private readonly heldWatchers = new Set<() => void>();

  constructor(recordHeaders: readonly string[]) {
    this.recordHeaders = recordHeaders;
  }

  /** Takes a rate-limit token; false when the bucket is empty. */
  private take(): boolean {
    const rate = this.faults.ratePerSecond;
    if (rate <= 0) return true;
    const now = performance.now();
    this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => { this.timers.delete(entry); resolve(); }, ms), resolve };
      this.timers.add(entry);
    });
  }

  /**
   * Wraps a provider: records the request, applies delay, then `authenticate` (null = accepted), then faults in the
   * order a real gateway applies them (outage, injected failures, rate limit, quota), then the handler.
   */
  async serve(
    request: SandboxRequest,
    authenticate: () => SandboxResponse | null,
    refuse: Refusal,
    handle: () => SandboxResponse,
  ): Promise<SandboxResponse> {
    this.stats.requests++;
    this.stats.byPath[request.path] = (this.stats.byPath[request.path] ?? 0) + 1;
    const headers: Record<string, string> = {};
    for (const name of this.recordHeaders) {
      const v = request.headers[name.toLowerCase()];
      if (typeof v === 'string') headers[name] = v;
    }
    this.stats.lastRequest = { method: request.method, path: request.path, query: request.query.toString(), headers };
    if (this.faults.delayMs > 0) await this.wait(this.faults.delayMs);
    if (this.faults.hold) await this.hold();
    const response = this.decide(authenticate, refuse, handle);
    this.stats.byStatus[response.status] = (this.stats.byStatus[response.status] ?? 0) + 1;
    return response;
  }

  private hold(): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        this.holding.delete(release);
        this.stats.held = this.holding.size;
        resolve();
      };
      this.holding.add(release);
      this.stats.held = this.holding.size;
      for (const check of [...this.heldWatchers]) check();
    });
  }

  private releaseHeld(): void {
    this.faults.hold = false;
    for (const release of [...this.holding]) release();
  }

  /** Resolves true once `count` requests are held, false after `timeoutMs`. */
  private heldAtLeast(count: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.heldWatchers.delete(check);
        clearTimeout(timer);
        resolve(ok);
      };
      const check = () => {
        if (this.holding.size >= count) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.heldWatchers.add(check);
      check();
    });
  }

  private decide(authenticate: () => SandboxResponse | null, refuse: Refusal, handle: () => SandboxResponse): SandboxResponse {
    const denied = authenticate();
    if (denied) return denied;
    if (this.faults.outage) return refuse('outage');
    if (this.faults.failNext.count > 0) {
      this.faults.failNext.count--;
      return refuse(this.faults.failNext.kind);
    }
    if (!this.take()) {
      this.stats.rejected429++;
      return refuse('rate');
    }
    if (this.faults.quotaExhausted) {
      this.stats.rejected429++;
      return refuse('quota');
    }
    return handle();
  }

  async control(action: string, request: SandboxRequest): Promise<SandboxResponse> {
    if (action === 'stats' && request.method === 'GET') return { status: 200, body: this.stats };
    if (action === 'held' && request.method === 'GET') {
      const count = Number(request.query.get('count') ?? '1');
      if (!Number.isInteger(count) || count < 1) return { status: 400, body: { message: 'held: count must be a positive integer' } };
      return (await this.heldAtLeast(count, 30_000)) ? { status: 200, body: { held: this.holding.size } } : { status: 408, body: { message: `fewer than ${count} requests held after 30 s`, held: this.holding.size } };
    }
    if (action === 'release' && request.method === 'POST') {
      const released = this.holding.size;
      this.releaseHeld();
      return { status: 200, body: { released } };
    }
    if (action === 'reset' && request.method === 'POST') {
      this.releaseHeld();
      this.faults = noFaults();
      this.stats = emptyStats();
      this.tokens = 0;
      return { status: 200, body: { faults: this.faults } };
    }
    if (action === 'faults' && request.method === 'GET') return { status: 200, body: this.faults };
    if (action === 'faults' && request.method === 'POST') {
      let patch: Partial<Faults>;
      try {
        patch = JSON.parse(request.body.toString('utf8') || '{}') as Partial<Faults>;
      } catch {
        return { status: 400, body: { message: 'faults: the body must be JSON' } };
      }
      const next = { ...this.faults, ...patch, failNext: { ...this.faults.failNext, ...patch.failNext } };
      const bad =
        typeof next.outage !== 'boolean' ? 'outage must be true or false'
        : typeof next.quotaExhausted !== 'boolean' ? 'quotaExhausted must be true or false'
        : !Number.isInteger(next.delayMs) || next.delayMs < 0 || next.delayMs > 120_000 ? 'delayMs must be an integer from 0 to 120000'
        : !Number.isInteger(next.ratePerSecond) || next.ratePerSecond < 0 ? 'ratePerSecond must be a non-negative integer'
        : !Number.isInteger(next.failNext.count) || next.failNext.count < 0 ? 'failNext.count must be a non-negative integer'
        : !['rate', 'connections', 'server', 'maintenance'].includes(next.failNext.kind) ? 'failNext.kind must be rate, connections, server or maintenance'
        : typeof next.hold !== 'boolean' ? 'hold must be true or false'
        : null;
      if (bad) return { status: 400, body: { message: `faults: ${bad}` } };
      if (next.ratePerSecond !== this.faults.ratePerSecond) {
        this.tokens = next.ratePerSecond;
        this.refilledAt = performance.now();
      }
      this.faults = next;
      return { status: 200, body: this.faults };
    }
    return { status: 404, body: { message: `no sandbox control ${request.method} /__sandbox/${action}; try GET stats, GET|POST faults, GET held, POST release, POST reset` } };
  }

  close(): void {
    this.releaseHeld();
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.timers.clear();
  }
}
