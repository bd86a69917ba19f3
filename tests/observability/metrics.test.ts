import { describe, expect, it } from 'vitest';
import { createHttpMetrics, DURATION_BUCKETS_MS } from '../../adapters/observability/metrics.ts';
import { testRuntime } from '../helpers/invoke.ts';

const NAME = 'sellpo_http_server_request_duration_seconds';

/** Sample lines of the exposition as name{labels} -> value. */
const samples = (text: string): Map<string, number> => {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
};

describe('request metrics', () => {
  it('counts requests into cumulative latency buckets by endpoint and status', () => {
    const metrics = createHttpMetrics();
    const record = metrics.forEndpoint({ id: 'naver.search', method: 'GET', path: '/v1/naver/search' });
    for (const ms of [1, 5, 7, 30, 30, 20_000]) record(200, ms);
    record(404, 3);
    const text = metrics.render();
    expect(text).toContain(`# TYPE ${NAME} histogram\n`);
    const s = samples(text);
    const labels = 'route="naver.search",method="GET",path="/v1/naver/search",status="200"';
    const bucket = (le: string) => s.get(`${NAME}_bucket{${labels},le="${le}"}`);
    expect(bucket('0.005')).toBe(2); // 5 ms falls in its own bucket: le means "less than or equal"
    expect(bucket('0.01')).toBe(3);
    expect(bucket('0.025')).toBe(3);
    expect(bucket('0.05')).toBe(5);
    expect(bucket('10')).toBe(5);
    expect(bucket('+Inf')).toBe(6);
    expect(s.get(`${NAME}_count{${labels}}`)).toBe(6);
    expect(s.get(`${NAME}_sum{${labels}}`)).toBeCloseTo(20.073, 6);
    expect(s.get(`${NAME}_count{route="naver.search",method="GET",path="/v1/naver/search",status="404"}`)).toBe(1);
    // Every series has one line per bound, then +Inf, _sum and _count.
    expect([...s.keys()].filter((k) => k.includes('status="200"')).length).toBe(DURATION_BUCKETS_MS.length + 3);
  });

  it('escapes label values and checks the scrape token', () => {
    const metrics = createHttpMetrics({ token: 'a-long-enough-token' });
    metrics.forEndpoint({ id: 'x"y\\z', method: 'GET', path: '/a\nb' })(200, 1);
    expect(metrics.render()).toContain('route="x\\"y\\\\z",method="GET",path="/a\\nb"');
    expect(metrics.authorize(undefined)).toBe(false);
    expect(metrics.authorize('Bearer wrong')).toBe(false);
    expect(metrics.authorize('Bearer a-long-enough-token')).toBe(true);
    expect(createHttpMetrics().authorize(undefined)).toBe(true);
  });

  it('reports process gauges when asked', () => {
    const metrics = createHttpMetrics({ processMetrics: true });
    try {
      const s = samples(metrics.render());
      expect(s.get('process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
      expect(s.get('process_uptime_seconds')).toBeGreaterThan(0);
      expect(s.get('process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(s.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    } finally {
      metrics.close();
    }
  });

  it('serves GET /metrics from the requests the runtime handled', async () => {
    const runtime = await testRuntime();
    try {
      for (let i = 0; i < 3; i++) expect((await runtime.call('platform.meta')).status).toBe(200);
      const res = await runtime.call('platform.metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      const s = samples(res.body);
      expect(s.get(`${NAME}_count{route="platform.meta",method="GET",path="/v1/meta",status="200"}`)).toBe(3);
      // The scrape itself is recorded once it has answered.
      const again = samples((await runtime.call('platform.metrics')).body);
      expect(again.get(`${NAME}_count{route="platform.metrics",method="GET",path="/metrics",status="200"}`)).toBe(1);
    } finally {
      await runtime.close();
    }
  });

  it('answers 404 when METRICS_ENABLED=false and 401 without the METRICS_TOKEN', async () => {
    const off = await testRuntime({ env: { METRICS_ENABLED: 'false' } });
    const guarded = await testRuntime({ env: { METRICS_TOKEN: 'scrape-token-0123456789' } });
    try {
      expect((await off.call('platform.metrics')).status).toBe(404);
      expect((await guarded.call('platform.metrics')).status).toBe(401);
      const ok = await guarded.call('platform.metrics', { headers: { authorization: 'Bearer scrape-token-0123456789' } });
      expect(ok.status).toBe(200);
    } finally {
      await off.close();
      await guarded.close();
    }
  });
});
