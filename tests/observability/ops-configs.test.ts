/**
 * The observability bundle in ops/ checked for what can be checked without docker: every file parses, every
 * collector pipeline names components that are defined, and every dashboard query names a metric (and labels)
 * that the app's /metrics really exports.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createHttpMetrics } from '../../adapters/observability/metrics.ts';
import { doraMetrics } from '../../adapters/observability/dora-metrics.ts';
import { metricsEndpoint } from '../../handlers/platform/metrics.ts';

const yaml = (file: string) => parse(readFileSync(join('ops', file), 'utf8')) as any;
const json = (file: string) => JSON.parse(readFileSync(join('ops', file), 'utf8')) as any;

/** What the app exports: the exposition of a server that answered one request, with the deploy log read. */
const exported = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'ops-'));
  const log = join(dir, 'deploys.jsonl');
  const now = new Date().toISOString();
  writeFileSync(log, `${JSON.stringify({ kind: 'deploy', result: 'live', startedAt: now, finishedAt: now, durationMs: 1, commitTime: now })}\n${JSON.stringify({ kind: 'rollback', result: 'live', startedAt: now, finishedAt: now, durationMs: 1 })}\n`);
  const metrics = createHttpMetrics({ processMetrics: true, extra: doraMetrics(log) });
  metrics.forEndpoint({ id: 'platform.meta', method: 'GET', path: '/v1/meta' })(200, 3);
  const text = metrics.render();
  metrics.close();
  const names = new Set<string>();
  const labels = new Set<string>(['le', 'instance', 'job']);
  for (const m of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(m[1]! + s);
  }
  for (const m of text.matchAll(/^\w+\{([^}]*)\}/gm)) for (const l of m[1]!.matchAll(/(\w+)="/g)) labels.add(l[1]!);
  return { names, labels };
})();

const PROMQL_WORDS = new Set(['sum', 'max', 'min', 'avg', 'count', 'by', 'without', 'rate', 'irate', 'increase', 'histogram_quantile', 'label_values', 'on', 'ignoring', 'and', 'or', 'unless']);

/** Metric names and label names a PromQL expression uses. */
const namesIn = (query: string) => {
  // Grafana's label_values(metric, label) names a label as its second argument.
  const valuesOf = [...query.matchAll(/label_values\(([^,]+),\s*(\w+)\)/g)];
  const expr = valuesOf.length ? valuesOf.map((m) => m[1]!).join(' ') : query;
  const labels = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/(\w+)\s*(=~|!=|!~|=)/g)].map((l) => l[1]!));
  const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  const bare = expr.replace(/\{[^}]*\}/g, '').replace(/\b(?:by|without)\s*\([^)]*\)/g, '').replace(/\[[^\]]*\]/g, '').replace(/"[^"]*"/g, '');
  const metrics = [...bare.matchAll(/[A-Za-z_:][\w:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w));
  return { metrics: metrics.filter((w) => !labels.includes(w) && !grouped.includes(w)), labels: [...labels, ...grouped, ...valuesOf.map((m) => m[2]!)] };
};

describe('ops/ observability bundle', () => {
  it('the collector receives OTLP and sends traces to Jaeger and metrics to Prometheus, through components it defines', () => {
    const c = yaml('otel-collector.yaml');
    expect(Object.keys(c.receivers)).toContain('otlp');
    const pipelines = c.service.pipelines as Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
    const defined = (section: string, name: string) => Object.keys(c[section] ?? {}).includes(name);
    for (const [name, p] of Object.entries(pipelines)) {
      for (const r of p.receivers) expect(defined('receivers', r) || defined('connectors', r), `${name}: receiver ${r}`).toBe(true);
      for (const x of p.processors ?? []) expect(defined('processors', x), `${name}: processor ${x}`).toBe(true);
      for (const e of p.exporters) expect(defined('exporters', e) || defined('connectors', e), `${name}: exporter ${e}`).toBe(true);
    }
    for (const e of c.service.extensions ?? []) expect(defined('extensions', e), `extension ${e}`).toBe(true);
    // A connector must be an exporter of one pipeline and a receiver of another.
    for (const conn of Object.keys(c.connectors ?? {})) {
      expect(Object.values(pipelines).some((p) => p.exporters.includes(conn))).toBe(true);
      expect(Object.values(pipelines).some((p) => p.receivers.includes(conn))).toBe(true);
    }
    expect(pipelines.traces!.exporters).toContain('otlp/jaeger');
    expect(pipelines.metrics!.exporters).toContain('prometheus');
    // The app posts OTLP/HTTP to the endpoint docs/observability.md names.
    expect(c.receivers.otlp.protocols.http.endpoint).toMatch(/:4318$/);
  });

  it('Prometheus scrapes the path the app serves its metrics on, on both colours, and the collector', () => {
    const p = yaml('prometheus.yml');
    const app = p.scrape_configs.find((s: any) => s.job_name === 'sellpo');
    expect(app.metrics_path).toBe(metricsEndpoint.path);
    expect(app.static_configs.flatMap((s: any) => s.targets)).toEqual(['127.0.0.1:3001', '127.0.0.1:3002']);
    const collector = yaml('otel-collector.yaml').exporters.prometheus.endpoint.split(':').at(-1);
    expect(p.scrape_configs.find((s: any) => s.job_name === 'otel-collector').static_configs[0].targets).toEqual([`127.0.0.1:${collector}`]);
  });

  it('Grafana provisions the datasources the dashboards use and the folder they are in', () => {
    const uids = yaml('grafana/provisioning/datasources/datasources.yaml').datasources.map((d: any) => d.uid);
    expect(yaml('grafana/provisioning/dashboards/sellpo.yaml').providers[0].options.path).toBe('/var/lib/grafana/dashboards');
    expect(yaml('docker-compose.yml').services.grafana.volumes).toContain('./grafana/dashboards:/var/lib/grafana/dashboards:ro');
    for (const file of ['red.json', 'dora.json']) {
      for (const panel of json(`grafana/dashboards/${file}`).panels) expect(uids, `${file}: ${panel.title}`).toContain(panel.datasource.uid);
    }
  });

  it('every dashboard query names metrics and labels the app exports', () => {
    const queries = ['red.json', 'dora.json'].flatMap((file) => {
      const d = json(`grafana/dashboards/${file}`);
      return [
        ...d.panels.flatMap((p: any) => p.targets.map((t: any) => ({ where: `${file}: ${p.title}`, expr: t.expr as string }))),
        ...(d.templating?.list ?? []).map((v: any) => ({ where: `${file}: $${v.name}`, expr: v.query as string })),
      ];
    });
    expect(queries.length).toBeGreaterThan(10);
    for (const q of queries) {
      const { metrics, labels } = namesIn(q.expr.replaceAll('$route', 'x'));
      expect(metrics.length, q.where).toBeGreaterThan(0);
      for (const m of metrics) expect(exported.names, `${q.where}: ${m}`).toContain(m);
      for (const l of labels) expect(exported.labels, `${q.where}: label ${l}`).toContain(l);
    }
    // The four DORA figures each have a panel.
    const dora = JSON.stringify(json('grafana/dashboards/dora.json'));
    for (const m of ['sellpo_dora_deployments_per_day', 'sellpo_dora_lead_time_seconds', 'sellpo_dora_change_failure_ratio', 'sellpo_dora_time_to_restore_seconds']) expect(dora).toContain(m);
  });

  it('the query reader finds a misnamed metric', () => {
    expect(namesIn('sum by (route) (rate(sellpo_http_requests_total{status=~"5.."}[5m]))')).toEqual({ metrics: ['sellpo_http_requests_total'], labels: ['status', 'route'] });
    expect(exported.names.has('sellpo_http_requests_total')).toBe(false);
  });
});
