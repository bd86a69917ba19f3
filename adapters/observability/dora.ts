/**
 * The four DORA metrics from the deploy log that container/deploy.mjs appends to (one JSON line per deploy and
 * rollback): deployment frequency, lead time for changes, change failure rate and time to restore service.
 */
export interface DeployRecord {
  kind: 'deploy' | 'rollback';
  /** live: traffic went to it; failed: it never took traffic (a deploy whose health or smoke test failed). */
  result: 'live' | 'failed';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  commit?: string | null;
  commitTime?: string | null;
  smoke?: 'passed' | 'failed' | 'skipped';
  colour?: string;
}

export interface DoraStats {
  since: string;
  until: string;
  days: number;
  /** Deploys that went live in the window, and their rate per day. */
  deployments: number;
  deploymentsPerDay: number;
  /** Deploys that never took traffic (health or smoke failed): not production failures, shown beside them. */
  failedDeploys: number;
  /** Median seconds from a live deploy's commit to its going live, over those with a commit time. */
  leadTimeSeconds: number | null;
  /** Live deploys undone by a rollback before the next live deploy, over live deploys. */
  changeFailureRate: number | null;
  rollbacks: number;
  /** Median seconds from a failed change going live to the rollback that restored the previous one. */
  timeToRestoreSeconds: number | null;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const time = (v: unknown): number | undefined => (typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : undefined);

/** Parses the log; a bad line is an error naming its line number and what is wrong. Blank lines are skipped. */
export const parseDeployLog = (text: string, file = 'deploy log'): DeployRecord[] => {
  const out: DeployRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file}:${i + 1}`;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${where}: not a JSON line`);
    }
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${where}: not a JSON object`);
    if (r.kind !== 'deploy' && r.kind !== 'rollback') throw new Error(`${where}: kind must be deploy or rollback, got ${JSON.stringify(r.kind)}`);
    if (r.result !== 'live' && r.result !== 'failed') throw new Error(`${where}: result must be live or failed, got ${JSON.stringify(r.result)}`);
    for (const k of ['startedAt', 'finishedAt'] as const) if (time(r[k]) === undefined) throw new Error(`${where}: ${k} must be an ISO 8601 time, got ${JSON.stringify(r[k])}`);
    if (r.commitTime != null && time(r.commitTime) === undefined) throw new Error(`${where}: commitTime must be an ISO 8601 time or null, got ${JSON.stringify(r.commitTime)}`);
    if (typeof r.durationMs !== 'number' || !(r.durationMs >= 0)) throw new Error(`${where}: durationMs must be a number of milliseconds, got ${JSON.stringify(r.durationMs)}`);
    out.push(r as unknown as DeployRecord);
  });
  return out.sort((a, b) => Date.parse(a.finishedAt) - Date.parse(b.finishedAt));
};

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * The metrics over records finished in [since, until]. `since` defaults to the first record (or `until`).
 * A rollback restores the last live deploy before it, which then counts as a failed change.
 */
export const doraStats = (records: readonly DeployRecord[], options: { until: Date; since?: Date | undefined }): DoraStats => {
  const until = options.until.getTime();
  const since = options.since?.getTime() ?? (records.length ? Date.parse(records[0]!.finishedAt) : until);
  if (since > until) throw new Error(`--since ${new Date(since).toISOString()} is after ${new Date(until).toISOString()}`);
  const inWindow = records.filter((r) => Date.parse(r.finishedAt) >= since && Date.parse(r.finishedAt) <= until);
  const live = inWindow.filter((r) => r.kind === 'deploy' && r.result === 'live');
  const failedChanges = new Set<DeployRecord>();
  const restore: number[] = [];
  let lastLive: DeployRecord | undefined;
  for (const r of records) {
    if (Date.parse(r.finishedAt) > until) break;
    if (r.kind === 'deploy' && r.result === 'live') lastLive = r;
    else if (r.kind === 'rollback' && r.result === 'live' && lastLive && !failedChanges.has(lastLive)) {
      if (Date.parse(r.finishedAt) >= since) {
        failedChanges.add(lastLive);
        restore.push((Date.parse(r.finishedAt) - Date.parse(lastLive.finishedAt)) / 1000);
      }
    }
  }
  const days = (until - since) / 86_400_000;
  const lead = live.filter((r) => r.commitTime).map((r) => (Date.parse(r.finishedAt) - Date.parse(r.commitTime!)) / 1000);
  return {
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    days,
    deployments: live.length,
    deploymentsPerDay: days > 0 ? live.length / days : live.length,
    failedDeploys: inWindow.filter((r) => r.kind === 'deploy' && r.result === 'failed').length,
    leadTimeSeconds: median(lead),
    changeFailureRate: live.length ? [...failedChanges].filter((d) => live.includes(d)).length / live.length : null,
    rollbacks: inWindow.filter((r) => r.kind === 'rollback' && r.result === 'live').length,
    timeToRestoreSeconds: median(restore),
  };
};

const duration = (s: number | null): string => {
  if (s === null) return 'n/a';
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
};

export const formatDora = (s: DoraStats): string =>
  [
    `DORA metrics from ${s.since} to ${s.until} (${s.days.toFixed(1)} days)`,
    `  deployment frequency   ${s.deploymentsPerDay.toFixed(2)} per day (${s.deployments} live deploys; ${s.failedDeploys} stopped before taking traffic)`,
    `  lead time for changes  ${duration(s.leadTimeSeconds)} (median, commit to live)`,
    `  change failure rate    ${s.changeFailureRate === null ? 'n/a' : `${(s.changeFailureRate * 100).toFixed(1)} %`} (live deploys rolled back)`,
    `  time to restore        ${duration(s.timeToRestoreSeconds)} (median, bad deploy live to rollback; ${s.rollbacks} rollbacks)`,
  ].join('\n');

/** The figures as Prometheus gauges for the DORA dashboard (ops/grafana/dashboards/dora.json). */
export const doraExposition = (s: DoraStats, window: string): string => {
  const g = (name: string, help: string, v: number | null) =>
    v === null ? '' : `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}{window="${window}"} ${v}\n`;
  return [
    g('sellpo_dora_deployments', 'Deploys that went live in the window.', s.deployments),
    g('sellpo_dora_deployments_per_day', 'Deployment frequency: live deploys per day over the window.', s.deploymentsPerDay),
    g('sellpo_dora_failed_deploys', 'Deploys stopped before taking traffic (health or smoke failed) in the window.', s.failedDeploys),
    g('sellpo_dora_lead_time_seconds', 'Lead time for changes: median seconds from commit to live.', s.leadTimeSeconds),
    g('sellpo_dora_change_failure_ratio', 'Change failure rate: live deploys rolled back, over live deploys.', s.changeFailureRate),
    g('sellpo_dora_time_to_restore_seconds', 'Time to restore: median seconds from a bad deploy going live to its rollback.', s.timeToRestoreSeconds),
  ].join('');
};
