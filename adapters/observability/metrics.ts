import { timingSafeEqual, createHash } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MetricsExposition } from '../../core/ports.ts';
import type { EndpointIdentity, RequestMetrics } from '../../handlers/toolkit.ts';

/** Upper bounds of the latency buckets, milliseconds (exposed in seconds, as Prometheus expects). */
export const DURATION_BUCKETS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

const DURATION = 'sellpo_http_server_request_duration_seconds';

interface Series {
  /** Per-bucket counts (not cumulative), the last one for +Inf; cumulated when rendered. */
  buckets: Float64Array;
  count: number;
  sumMs: number;
}

interface EndpointSeries {
  labels: string;
  byStatus: Map<number, Series>;
}

export interface HttpMetrics extends RequestMetrics, MetricsExposition {
  close(): void;
}

export interface HttpMetricsOptions {
  /** A scraper must send `Authorization: Bearer <token>`; unset = open (restrict it at nginx). */
  token?: string | undefined;
  /** Process gauges: memory, CPU, uptime, event-loop lag (the last one samples with a timer). */
  processMetrics?: boolean;
  /** More exposition text appended to every scrape (the DORA figures from the deploy log). */
  extra?: () => string;
}

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const seconds = (ms: number): string => String(ms / 1000);
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Request count and latency by endpoint and status, in the Prometheus text format. Recording is a Map lookup
 * by status and a short scan of the bucket bounds: no allocation after the first request of a status.
 */
export const createHttpMetrics = (options: HttpMetricsOptions = {}): HttpMetrics => {
  const endpoints: EndpointSeries[] = [];
  const bounds = DURATION_BUCKETS_MS;
  const startedAt = Date.now() - process.uptime() * 1000;
  let lag: ReturnType<typeof monitorEventLoopDelay> | undefined;
  if (options.processMetrics) {
    lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
  }
  const expected = options.token ? digest(`Bearer ${options.token}`) : undefined;

  const forEndpoint = (endpoint: EndpointIdentity) => {
    const series: EndpointSeries = {
      labels: `route="${escapeLabel(endpoint.id)}",method="${escapeLabel(endpoint.method)}",path="${escapeLabel(endpoint.path)}"`,
      byStatus: new Map(),
    };
    endpoints.push(series);
    return (status: number, durationMs: number): void => {
      let s = series.byStatus.get(status);
      if (!s) series.byStatus.set(status, (s = { buckets: new Float64Array(bounds.length + 1), count: 0, sumMs: 0 }));
      let i = 0;
      while (i < bounds.length && durationMs > bounds[i]!) i++;
      s.buckets[i]!++;
      s.count++;
      s.sumMs += durationMs;
    };
  };

  const gauge = (out: string[], name: string, help: string, value: number, type = 'gauge'): void => {
    out.push(`# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`);
  };

  const render = (): string => {
    const out: string[] = [
      `# HELP ${DURATION} Time from the start of a request's handling to its answer, by endpoint and status; _count is the request count.\n`,
      `# TYPE ${DURATION} histogram\n`,
    ];
    for (const e of endpoints) {
      for (const [status, s] of e.byStatus) {
        const labels = `${e.labels},status="${status}"`;
        let cumulative = 0;
        for (let i = 0; i < bounds.length; i++) {
          cumulative += s.buckets[i]!;
          out.push(`${DURATION}_bucket{${labels},le="${seconds(bounds[i]!)}"} ${cumulative}\n`);
        }
        out.push(`${DURATION}_bucket{${labels},le="+Inf"} ${s.count}\n`);
        out.push(`${DURATION}_sum{${labels}} ${seconds(s.sumMs)}\n`);
        out.push(`${DURATION}_count{${labels}} ${s.count}\n`);
      }
    }
    if (options.processMetrics) {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      gauge(out, 'process_resident_memory_bytes', 'Resident memory size in bytes.', memory.rss);
      gauge(out, 'nodejs_heap_size_used_bytes', 'V8 heap in use, bytes.', memory.heapUsed);
      gauge(out, 'process_cpu_seconds_total', 'User and system CPU time spent, seconds.', (cpu.user + cpu.system) / 1e6, 'counter');
      gauge(out, 'process_start_time_seconds', 'Start time of the process since the Unix epoch, seconds.', Math.round(startedAt / 1000));
      gauge(out, 'process_uptime_seconds', 'Time since the process started, seconds.', Math.round(process.uptime() * 1000) / 1000);
      if (lag) {
        // Nanoseconds in the histogram; each scrape reports the interval since the previous one, then resets.
        const sampled = lag.count > 0;
        gauge(out, 'nodejs_eventloop_lag_mean_seconds', 'Mean event-loop delay since the previous scrape, seconds.', sampled ? lag.mean / 1e9 : 0);
        gauge(out, 'nodejs_eventloop_lag_p99_seconds', '99th percentile event-loop delay since the previous scrape, seconds.', sampled ? lag.percentile(99) / 1e9 : 0);
        gauge(out, 'nodejs_eventloop_lag_max_seconds', 'Largest event-loop delay since the previous scrape, seconds.', sampled ? lag.max / 1e9 : 0);
        lag.reset();
      }
    }
    if (options.extra) out.push(options.extra());
    return out.join('');
  };

  return {
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    // Digests of equal length, so the comparison's time says nothing about the token.
    authorize: (authorization) => !expected || (authorization !== undefined && timingSafeEqual(digest(authorization), expected)),
    forEndpoint,
    render,
    close: () => lag?.disable(),
  };
};
