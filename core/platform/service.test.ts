/** What the service says about itself: GET /v1/meta, the API document and the metrics scrape. */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import type { MetricsExposition } from './ports.ts';
import { renderApiDocument, scrapeMetrics, serviceMeta } from './service.ts';

const build = { version: '1.4.0', commit: 'abc1234', builtAt: '2026-03-01T00:00:00Z', apiVersion: '2026-02-01', oldestApiVersion: '2025-11-01' };

describe('serviceMeta', () => {
  it('is the build with the service name and the running Node.js version', () => {
    expect(serviceMeta({ build }, '24.21.0')).toEqual({ ...build, service: 'sellpo', node: '24.21.0' });
  });
});

describe('renderApiDocument', () => {
  it('renders the document in the format asked for', async () => {
    const apiDocument = { json: async () => '{"openapi":"3.1.0"}', yaml: async () => 'openapi: 3.1.0\n' };
    expect(await renderApiDocument({ apiDocument }, 'json')).toBe('{"openapi":"3.1.0"}');
    expect(await renderApiDocument({ apiDocument }, 'yaml')).toBe('openapi: 3.1.0\n');
  });
});

describe('scrapeMetrics', () => {
  const metrics: MetricsExposition = {
    contentType: 'text/plain; version=0.0.4',
    authorize: (authorization) => authorization === 'Bearer scrape-token',
    render: () => 'sellpo_requests_total 3\n',
  };

  it('is null where metrics are off in this process', () => {
    expect(scrapeMetrics({}, 'Bearer scrape-token')).toBeNull();
    expect(scrapeMetrics({ metrics: undefined }, undefined)).toBeNull();
  });

  it('renders the exposition with its media type for an accepted token', () => {
    expect(scrapeMetrics({ metrics }, 'Bearer scrape-token')).toEqual({ contentType: 'text/plain; version=0.0.4', text: 'sellpo_requests_total 3\n' });
  });

  it('answers 401 saying how to send the token when the scraper\'s is refused', () => {
    for (const authorization of [undefined, 'Bearer wrong']) {
      let caught: unknown;
      try {
        scrapeMetrics({ metrics }, authorization);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DomainError);
      expect([(caught as DomainError).code, (caught as DomainError).message]).toEqual(['unauthorized', 'Send the metrics token: Authorization: Bearer <token>.']);
    }
  });
});
