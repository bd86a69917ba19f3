import type { IncomingHttpHeaders } from 'node:http';

/** A request as a sandboxed provider sees it: the path is the provider's own (no prefix), the body raw. */
export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The query string as sent, without `?` (what signatures over the query cover). */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are. */
  body?: unknown;
}

/**
 * One external provider's contract (Naver Open API, Search Ad, Toss, ...), served on its own port so that
 * URLs, paths and signatures are exactly the real API's; only the base URL differs.
 */
export interface SandboxProvider {
  /** Stable name, also the key of its base URL: `naverOpenApi`, `naverSearchAd`, `toss`, ... */
  name: string;
  handle(request: SandboxRequest): Promise<SandboxResponse>;
  /**
   * Test and demo controls under `/__sandbox/<action>` on the provider's port (outage, slowness, quota, ledger).
   * Never part of the provider's own contract.
   */
  control?(action: string, request: SandboxRequest): Promise<SandboxResponse>;
  /** Released when the sandbox stops (timers, pending webhook deliveries). */
  close?(): Promise<void>;
}
