import { SpanStatusCode, type Span } from '@opentelemetry/api';

/**
 * Marks a span failed. Kept apart from tracing.ts so the wrappers that call it (traced fetch, traced database)
 * do not pull the OpenTelemetry SDK (about 280 kB) into every bundle's start path: setup loads it on demand.
 */
export const failSpan = (span: Span, error: unknown): void => {
  const e = error instanceof Error ? error : new Error(String(error));
  span.recordException(e);
  span.setAttribute('error.type', e.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
};
