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
