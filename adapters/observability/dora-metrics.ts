import { readFileSync } from 'node:fs';
import { doraExposition, doraStats, parseDeployLog } from './dora.ts';

const WINDOW_DAYS = 30;

/**
 * The DORA gauges of the last 30 days, read from the deploy log at each scrape (a few hundred lines at most). A log
 * that is missing or unreadable gives a comment and a 0 in `sellpo_dora_log_ok`, never a failed scrape.
 */
export const doraMetrics = (file: string) => (): string => {
  const ok = (v: 0 | 1) => `# HELP sellpo_dora_log_ok 1 when the deploy log was read.\n# TYPE sellpo_dora_log_ok gauge\nsellpo_dora_log_ok ${v}\n`;
  try {
    const until = new Date();
    const stats = doraStats(parseDeployLog(readFileSync(file, 'utf8'), file), { until, since: new Date(until.getTime() - WINDOW_DAYS * 86_400_000) });
    return ok(1) + doraExposition(stats, `${WINDOW_DAYS}d`);
  } catch (error) {
    return `# deploy log: ${String((error as Error).message).replace(/\n/g, ' ')}\n${ok(0)}`;
  }
};
