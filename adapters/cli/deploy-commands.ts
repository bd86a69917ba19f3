/** `sellpo deploys stats`: the four DORA metrics from the log container/deploy.mjs appends to. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { doraExposition, doraStats, formatDora, parseDeployLog } from '../observability/dora.ts';
import type { Command } from './commands.ts';
import { UsageError } from './usage.ts';

const defaultLog = () => join(process.env.SELLPO_STATE_DIR ?? '/var/lib/sellpo-deploy', 'deploys.jsonl');

/** A date (YYYY-MM-DD, UTC midnight), an ISO time, or a span back from now (`30d`, `12h`). */
export const parseSince = (text: string, now: Date): Date => {
  const span = /^(\d+)([dh])$/.exec(text);
  if (span) return new Date(now.getTime() - Number(span[1]) * (span[2] === 'd' ? 86_400_000 : 3_600_000));
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--since expects a date (2027-03-01), a time (2027-03-01T09:00:00Z) or a span (30d, 12h), got ${JSON.stringify(text)}`);
  return new Date(ms);
};

export const deploysCommand: Command = {
  name: 'deploys',
  summary: 'DORA metrics (deployment frequency, lead time, change failure rate, time to restore) from the deploy log',
  usage: [
    'usage: sellpo deploys stats [--since <date|time|30d>] [--log <file>] [--json | --prometheus]',
    '',
    'Reads the log container/deploy.mjs appends one line to per deploy and rollback',
    '(default $SELLPO_STATE_DIR/deploys.jsonl, state dir /var/lib/sellpo-deploy). Without --since, from its first line.',
  ].join('\n'),
  options: { since: { type: 'string' }, log: { type: 'string' }, json: { type: 'boolean' }, prometheus: { type: 'boolean' } },
  run: async ({ values, positionals }, io) => {
    if (positionals[0] !== 'stats' || positionals.length > 1) throw new UsageError(positionals[0] && positionals[0] !== 'stats' ? `unknown subcommand ${positionals[0]}; expected stats` : positionals.length > 1 ? `unexpected argument ${positionals[1]}` : 'expected a subcommand: stats');
    if (values.json && values.prometheus) throw new UsageError('--json and --prometheus exclude each other');
    const now = new Date();
    const since = typeof values.since === 'string' ? parseSince(values.since, now) : undefined;
    const file = typeof values.log === 'string' ? values.log : defaultLog();
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      io.err.write(`sellpo deploys: cannot read ${file} (${code ?? (error as Error).message})${code === 'ENOENT' ? '; no deploy has been recorded there yet (--log names another file)' : ''}\n`);
      return 1;
    }
    let stats;
    try {
      stats = doraStats(parseDeployLog(text, file), { until: now, since });
    } catch (error) {
      io.err.write(`sellpo deploys: ${(error as Error).message}\n`);
      return 1;
    }
    if (values.json) io.out.write(`${JSON.stringify(stats)}\n`);
    else if (values.prometheus) io.out.write(doraExposition(stats, typeof values.since === 'string' ? values.since : 'all'));
    else io.out.write(`${formatDora(stats)}\n`);
    return 0;
  },
};
