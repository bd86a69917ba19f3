import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { failSpan } from './span-error.ts';
import type { Tracing } from './tracing.ts';

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface TracedFetchOptions {
  /** Names the provider on the span (`sellpo.provider`): naver, coupang, alibaba, toss, ... */
  provider?: string;
  /** Send our `traceparent` to the remote side; off by default, since providers are third parties. */
  propagate?: boolean;
  /** The fetch to wrap (default the global one). */
  fetch?: Fetch;
}

/**
 * A fetch whose calls are client spans under the active request: method, host, port, URL without its query
 * (providers put keys and personal data there), status, and the error for a network failure or a 5xx.
 * The span ends when the response headers arrive. Without tracing it is the plain fetch, at no cost.
 */
export const tracedFetch = (tracing: Tracing | undefined, options: TracedFetchOptions = {}): Fetch => {
  const inner: Fetch = options.fetch ?? ((input, init) => fetch(input, init));
  if (!tracing) return inner;
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : input.toString());
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const span = tracing.startSpan(method, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'server.address': url.hostname,
        'server.port': url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
        'url.full': `${url.origin}${url.pathname}`,
        ...(options.provider ? { 'sellpo.provider': options.provider } : {}),
      },
    });
    let callInit = init;
    if (options.propagate) {
      const { traceId, spanId, traceFlags } = span.spanContext();
      const headers = new Headers(init?.headers ?? request?.headers);
      headers.set('traceparent', `00-${traceId}-${spanId}-0${traceFlags & 1}`);
      callInit = { ...init, headers };
    }
    try {
      const response = await inner(input, callInit);
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) {
        span.setAttribute('error.type', String(response.status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return response;
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  };
};

