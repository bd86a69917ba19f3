/**
 * What the running service says about itself: its build, its own API document and its metrics.
 */
import type { ApiDocument, BuildInfo, MetricsExposition } from '../ports.ts';
import { DomainError } from '../shared/errors.ts';
import type { ServiceMeta } from './model.ts';

/** GET /v1/meta. `node` is the running Node.js version, which the driver reads. */
export const serviceMeta = (deps: { build: BuildInfo }, node: string): ServiceMeta => ({ ...deps.build, service: 'sellpo', node });

/** GET /openapi.json and /openapi.yaml: the document rendered from the endpoint definitions. */
export const renderApiDocument = (deps: { apiDocument: ApiDocument }, format: 'json' | 'yaml'): Promise<string> =>
  format === 'json' ? deps.apiDocument.json() : deps.apiDocument.yaml();

/**
 * GET /metrics: the exposition and its media type, or null where metrics are off in this process. A configured
 * token must be sent.
 */
export const scrapeMetrics = (
  deps: { metrics?: MetricsExposition | undefined },
  authorization: string | undefined,
): { contentType: string; text: string } | null => {
  const exposition = deps.metrics;
  if (!exposition) return null;
  if (!exposition.authorize(authorization)) throw new DomainError('unauthorized', 'Send the metrics token: Authorization: Bearer <token>.');
  return { contentType: exposition.contentType, text: exposition.render() };
};
