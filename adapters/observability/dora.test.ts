import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { deploysCommand, parseSince } from '../cli/deploy-commands.ts';
import { doraExposition, doraStats, parseDeployLog, type DeployRecord } from './dora.ts';
import { doraMetrics } from './dora-metrics.ts';

const deploy = (finishedAt: string, commitTime: string | null, result: 'live' | 'failed' = 'live'): DeployRecord => ({
  kind: 'deploy', result, commit: 'x', commitTime, startedAt: finishedAt, finishedAt, durationMs: 60_000, smoke: result === 'live' ? 'passed' : 'failed',
});
const rollback = (finishedAt: string): DeployRecord => ({ kind: 'rollback', result: 'live', startedAt: finishedAt, finishedAt, durationMs: 5_000 });

// A recorded week, 2026-03-01 to 2026-03-08 (UTC).
const history: DeployRecord[] = [
  deploy('2026-03-01T10:00:00Z', '2026-03-01T08:00:00Z'), // A: lead 2 h
  deploy('2026-03-02T09:00:00Z', '2026-03-02T08:00:00Z', 'failed'), // smoke failed: never live
  deploy('2026-03-02T12:00:00Z', '2026-03-02T09:30:00Z'), // B: lead 2.5 h
  rollback('2026-03-02T12:30:00Z'), // B undone after 30 min
  deploy('2026-03-03T10:00:00Z', '2026-03-03T06:00:00Z'), // C: lead 4 h
  deploy('2026-03-05T11:00:00Z', '2026-03-05T10:00:00Z'), // D: lead 1 h
  rollback('2026-03-05T13:00:00Z'), // D undone after 2 h
  deploy('2026-03-06T10:00:00Z', null), // E: commit time unknown
];
const log = history.map((r) => JSON.stringify(r)).join('\n');

describe('DORA metrics from the deploy log', () => {
  it('over the whole week: worked out by hand', () => {
    const s = doraStats(parseDeployLog(log), { since: new Date('2026-03-01T00:00:00Z'), until: new Date('2026-03-08T00:00:00Z') });
    // Live deploys A, B, C, D, E: 5 in 7 days.
    expect(s.deployments).toBe(5);
    expect(s.deploymentsPerDay).toBeCloseTo(5 / 7, 10);
    expect(s.failedDeploys).toBe(1);
    // Lead times 2 h, 2.5 h, 4 h, 1 h (E has none): sorted 3600, 7200, 9000, 14400 s; median (7200 + 9000) / 2.
    expect(s.leadTimeSeconds).toBe(8100);
    // B and D were rolled back: 2 of 5.
    expect(s.changeFailureRate).toBe(0.4);
    expect(s.rollbacks).toBe(2);
    // Restores took 1800 s and 7200 s: median 4500 s.
    expect(s.timeToRestoreSeconds).toBe(4500);
  });

  it('from 2026-03-04: D and E only', () => {
    const s = doraStats(parseDeployLog(log), { since: new Date('2026-03-04T00:00:00Z'), until: new Date('2026-03-08T00:00:00Z') });
    expect([s.deployments, s.deploymentsPerDay, s.failedDeploys, s.leadTimeSeconds, s.changeFailureRate, s.rollbacks, s.timeToRestoreSeconds]).toEqual([2, 0.5, 0, 3600, 0.5, 1, 7200]);
  });

  it('an empty log has no rates; the gauges leave out what cannot be known', () => {
    const s = doraStats([], { until: new Date('2026-03-08T00:00:00Z') });
    expect([s.deployments, s.leadTimeSeconds, s.changeFailureRate, s.timeToRestoreSeconds]).toEqual([0, null, null, null]);
    const text = doraExposition(s, '30d');
    expect(text).toContain('sellpo_dora_deployments{window="30d"} 0\n');
    expect(text).not.toContain('sellpo_dora_lead_time_seconds');
  });

  it('a bad line is refused with its line number and what is wrong', () => {
    expect(() => parseDeployLog(`${log}\nnot json`, 'deploys.jsonl')).toThrow('deploys.jsonl:9: not a JSON line');
    expect(() => parseDeployLog('{"kind":"deploy","result":"live","startedAt":"yesterday"}')).toThrow('deploy log:1: startedAt must be an ISO 8601 time, got "yesterday"');
    expect(() => parseDeployLog('{"kind":"hotfix"}')).toThrow('kind must be deploy or rollback, got "hotfix"');
    expect(() => doraStats(history, { since: new Date('2026-04-01T00:00:00Z'), until: new Date('2026-03-08T00:00:00Z') })).toThrow('is after');
  });
});

describe('sellpo deploys stats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dora-'));
  const file = join(dir, 'deploys.jsonl');
  writeFileSync(file, `${log}\n`);
  const run = async (...argv: string[]) => {
    const out = new PassThrough();
    const err = new PassThrough();
    let o = '';
    let e = '';
    out.on('data', (d) => (o += d));
    err.on('data', (d) => (e += d));
    const { parse } = await import('../cli/commands.ts');
    const code = await deploysCommand.run(parse(deploysCommand, argv) as never, { out, err, config: {} as never, runtime: () => Promise.reject(new Error('not needed')) });
    return { code, out: o, err: e };
  };

  it('prints the four metrics, or JSON, from a log file', async () => {
    const text = await run('stats', '--log', file, '--since', '2026-03-01');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/deployment frequency/);
    expect(text.out).toMatch(/change failure rate\s+40\.0 %/);
    const json = JSON.parse((await run('stats', '--log', file, '--since', '2026-03-01T00:00:00Z', '--json')).out);
    expect(json).toMatchObject({ deployments: 5, failedDeploys: 1, leadTimeSeconds: 8100, changeFailureRate: 0.4, timeToRestoreSeconds: 4500 });
  });

  it('bad input gets a clear error', async () => {
    const missing = await run('stats', '--log', join(dir, 'none.jsonl'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read .*none\.jsonl \(ENOENT\); no deploy has been recorded there yet/);
    await expect(run('stats', '--log', file, '--since', 'last tuesday')).rejects.toThrow('--since expects a date (2027-03-01), a time (2027-03-01T09:00:00Z) or a span (30d, 12h), got "last tuesday"');
    await expect(run('graph')).rejects.toThrow('unknown subcommand graph; expected stats');
    writeFileSync(join(dir, 'bad.jsonl'), '{"kind":"deploy"}\n');
    const bad = await run('stats', '--log', join(dir, 'bad.jsonl'));
    expect(bad.err).toMatch(/bad\.jsonl:1: result must be live or failed/);
    expect(parseSince('7d', new Date('2026-03-08T00:00:00Z')).toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('the metrics scrape carries the figures of the last 30 days, and survives a missing log', () => {
    const now = new Date().toISOString();
    const recent = join(dir, 'recent.jsonl');
    writeFileSync(recent, `${JSON.stringify(deploy(now, now))}\n`);
    const text = doraMetrics(recent)();
    expect(text).toContain('sellpo_dora_log_ok 1\n');
    expect(text).toContain('sellpo_dora_deployments{window="30d"} 1\n');
    const gone = doraMetrics(join(dir, 'gone.jsonl'))();
    expect(gone).toContain('sellpo_dora_log_ok 0\n');
  });
});
