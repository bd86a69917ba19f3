import * as z from 'zod';
import { scrapeMetrics } from '../../core/platform/service.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { ProblemError } from '../kit/errors.ts';
import { problemSchema } from '../kit/problem.ts';

export const metricsEndpoint = defineEndpoint({
  id: 'platform.metrics',
  method: 'GET',
  path: '/metrics',
  summary: 'Request and process metrics (Prometheus text format)',
  description:
    'Request count and latency histogram by endpoint and status, plus process gauges. Answers 404 where metrics are ' +
    'off (METRICS_ENABLED=false, Lambda); asks for `Authorization: Bearer <METRICS_TOKEN>` when a token is configured.',
  tags: ['platform'],
  access: 'public',
  responses: {
    200: z.string().describe('Prometheus text exposition format 0.0.4'),
    401: problemSchema.describe('A metrics token is configured and was not sent.'),
    404: problemSchema.describe('Metrics are off in this process.'),
  },
  run: async (_input, { ports, headers }) => {
    const scrape = scrapeMetrics(ports, headers.authorization);
    // Same answer as an unknown route: a process without metrics has no such endpoint.
    if (!scrape) throw new ProblemError('route_not_found', 'No route for GET /metrics.');
    return { status: 200, body: scrape.text, headers: { 'content-type': scrape.contentType, 'cache-control': 'no-store' } };
  },
});
