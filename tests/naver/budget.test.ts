/**
 * A daily budget spent by two runtimes (two processes of the service) that share one database: together they get
 * exactly the budget, and the next call is a 429 saying when it resets (midnight in Korea).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/index.ts';
import { databaseEngines } from '../helpers/database.ts';
import { auth, control, naverRuntime, startNaverSandbox } from './helpers.ts';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startNaverSandbox();
});
afterAll(() => sandbox?.close());

describe.each(await databaseEngines())('daily search budget shared through $name', (engine) => {
  it.skipIf(engine.skip)('two runtimes spend one budget of 3 together; the 4th call is a 429 with the reset time', async () => {
    await control(sandbox.urls.naverOpenApi!, 'reset', {});
    const db = await engine.open();
    const env = { NAVER_SEARCH_DAILY_BUDGET: '3' };
    const a = await naverRuntime(sandbox, { env, database: db });
    const b = await naverRuntime(sandbox, { env, database: db });
    try {
      const search = (rt: typeof a, q: string) => rt.call('naver.searchShopping', { query: { query: q }, headers: auth });
      expect((await search(a, '캠핑의자')).status).toBe(200);
      expect((await search(b, '텐트')).status).toBe(200);
      expect((await search(a, '랜턴')).status).toBe(200);
      // A cached answer costs nothing.
      expect((await search(b, '캠핑의자')).body.cached).toBe(true);
      const spent = await search(b, '타프');
      expect(spent.status).toBe(429);
      expect(spent.body).toMatchObject({ budget: 'search API', limit: 3 });
      // Budgets restart at 00:00 KST = 15:00 UTC.
      expect(spent.body.resetAt).toMatch(/T15:00:00\.000Z$/);
      const seconds = (Date.parse(spent.body.resetAt) - Date.now()) / 1000;
      expect(Number(spent.headers['retry-after'])).toBeGreaterThan(seconds - 5);
      expect(Number(spent.headers['retry-after'])).toBeLessThanOrEqual(86_400);
      expect((await search(a, '코펠')).status).toBe(429);
      // The provider saw exactly the budget.
      expect((await control(sandbox.urls.naverOpenApi!, 'stats')).requests).toBe(3);
    } finally {
      await a.close();
      await b.close();
      await db.close();
    }
  });
});

/**
 * The same budget spent by separate operating-system processes: each `sellpo invoke` below is its own process
 * (its own pool, its own rate limiter), and all of them share one PostgreSQL schema. PGlite serves one process,
 * so this runs on PostgreSQL only.
 */
describe('daily search budget shared by separate processes', async () => {
  const postgres = (await databaseEngines()).find((e) => e.name.toLowerCase().includes('postgres'));
  it.skipIf(!postgres || postgres.skip)('processes spend one budget of 3 together; the next process gets 429', async () => {
    const { execFile } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const { TEST_POSTGRES_URL } = await import('../helpers/database.ts');
    const { sandboxEnv } = await import('./helpers.ts');
    const root = fileURLToPath(new URL('../..', import.meta.url));
    await control(sandbox.urls.naverOpenApi!, 'reset', {});
    const db = await postgres!.open();
    const schema = (db as unknown as { schema: string }).schema;
    const env = {
      ...process.env,
      ...sandboxEnv(sandbox),
      DATABASE_URL: `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      NAVER_SEARCH_DAILY_BUDGET: '3',
      LOG_LEVEL: 'ERROR',
    };
    // Asynchronous: the sandbox answers from this process's event loop.
    const cli = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [`${root}dist/cli.mjs`, ...args], { env, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) =>
          resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    try {
      const created = await cli('tenants', 'create', '--name', 'Budget Shop', '--owner-email', 'budget@example.com');
      expect(created.status, created.stderr).toBe(0);
      const key = /sp_live_\w+/.exec(created.stdout)![0];
      const search = (q: string) => cli('invoke', 'naver.searchShopping', '--query', `query=${q}`, '--header', `authorization=Bearer ${key}`, '--full');
      const results = [];
      for (const q of ['캠핑의자', '텐트', '랜턴', '타프']) results.push(await search(q));
      expect(results.map((r) => r.status), results.map((r) => r.stdout.slice(0, 400)).join('\n')).toEqual([0, 0, 0, 1]);
      const spent = JSON.parse(results[3]!.stdout);
      expect(spent.status).toBe(429);
      expect(spent.body).toMatchObject({ budget: 'search API', limit: 3 });
      expect((await control(sandbox.urls.naverOpenApi!, 'stats')).requests).toBe(3);
    } finally {
      await db.close();
    }
  });
});
