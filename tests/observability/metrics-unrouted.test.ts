/**
 * docs/observability.md: requests that never reach an endpoint (unknown paths, 405, undecodable paths, 413
 * before routing) are counted only in the access log. A scanner probing thousands of paths must not create a
 * series per path (or any series at all) in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildV2Event } from '../../adapters/routing/build-event.ts';
import { startHttpServer, type RunningServer } from '../../adapters/http/server.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

const NAME = 'sellpo_http_server_request_duration_seconds';
let rt: TestRuntime;
let server: RunningServer;
beforeAll(async () => {
  rt = await testRuntime();
  server = await startHttpServer({
    dispatch: rt.dispatcher.dispatch, logger: rt.logger, accessLog: rt.options.accessLog, host: '127.0.0.1', port: 0,
    keepAliveTimeoutMs: 5_000, shutdownTimeoutMs: 2_000, maxBodyBytes: 1_024,
  });
});
afterAll(async () => {
  await server?.shutdown();
  await rt?.close();
});

/** The `_count` series of the request histogram, as `route method path status` -> count. */
const series = async (): Promise<Record<string, number>> => {
  const res = await rt.call('platform.metrics');
  expect(res.status).toBe(200);
  const out: Record<string, number> = {};
  for (const line of String(res.body).split('\n')) {
    const m = new RegExp(`^${NAME}_count\\{route="([^"]*)",method="([^"]*)",path="([^"]*)",status="([^"]*)"\\} (\\d+)$`).exec(line);
    if (m) out[`${m[1]} ${m[2]} ${m[3]} ${m[4]}`] = Number(m[5]);
  }
  return out;
};

describe('metrics leave out unrouted answers', () => {
  it('unknown paths, wrong methods, undecodable paths and oversized bodies add no series', async () => {
    const before = await series();
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await rt.dispatcher.dispatch(buildV2Event({ method: 'GET', rawPath: `/v1/probe-${i}/wp-login.php` }), {})).statusCode);
    statuses.push((await rt.dispatcher.dispatch(buildV2Event({ method: 'DELETE', rawPath: '/v1/meta' }), {})).statusCode);
    statuses.push((await rt.dispatcher.dispatch(buildV2Event({ method: 'GET', rawPath: '/v1/naver/keywords/%E0%A4%A/overview' }), {})).statusCode);
    statuses.push((await fetch(`${server.url}/v1/meta`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(4_096) })).status);
    expect(statuses).toEqual([...Array(25).fill(404), 405, 400, 413]);
    // Each was answered and logged...
    expect(rt.captured.access.filter((a) => [404, 405, 400, 413].includes(a.status as number)).length).toBeGreaterThanOrEqual(28);

    // ...but the histogram only gained the scrape that listed it (the first scrape is recorded once it answered).
    const after = await series();
    const added = Object.keys(after).filter((k) => !(k in before));
    expect(added.filter((k) => !k.startsWith('platform.metrics '))).toEqual([]);
    expect(Object.keys(after).some((k) => /probe|wp-login|%E0/.test(k))).toBe(false);
    expect(Object.keys(after).some((k) => / (404|405|400|413)$/.test(k))).toBe(false);
  });

  it('a routed request is recorded under its path template, whatever the concrete path', async () => {
    await rt.dispatcher.dispatch(buildV2Event({ method: 'GET', rawPath: '/v1/meta' }), {});
    expect((await series())['platform.meta GET /v1/meta 200']).toBeGreaterThanOrEqual(1);
  });
});
