/**
 * A per-endpoint Lambda wires only the contexts its endpoint reads (scripts/lambda-contexts.mjs picks them,
 * adapters/runtime.ts composes them): the reads are found in the sources the endpoint's module imports, a context
 * left out throws when read, naming it, and a metered endpoint cannot start without billing, which meters it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { loadConfig } from '../../adapters/config.ts';
import { billingMeter } from '../../adapters/contexts/billing/meter.ts';
import { postgresBillingStore } from '../../adapters/postgres/billing.ts';
import { contexts } from '../../adapters/contexts/index.ts';
import { createRootLogger } from '../../adapters/logging.ts';
import { memoryAccessStore } from '../../adapters/memory/access.ts';
import { invokeDirect } from '../../adapters/routing/direct.ts';
import { composeRuntime } from '../../adapters/runtime.ts';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import { endpoints } from '../../handlers/registry.ts';
import { isMetered } from '../../handlers/toolkit.ts';
import { contextsRead } from '../../scripts/lambda-contexts.mjs';
import { memoryRateCounter } from '../naver/helpers.ts';
import { withPglite } from '../helpers/database.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const names = contexts.filter((c) => 'start' in c).map((c) => c.name);

/** Where build.mjs finds each endpoint: the module of its resource, handlers/<folder>/<resource>.ts. */
const moduleOf: Record<string, string> = {
  'coupang.crossMarket': 'handlers/coupang/cross-market.ts',
  'analysis.margin': 'handlers/analysis/margin.ts',
  'inventory.listSkus': 'handlers/inventory/skus.ts',
  'platform.meta': 'handlers/platform/meta.ts',
  'platform.createApiKey': 'handlers/platform/api-keys.ts',
  'billing.listPlans': 'handlers/billing/plans.ts',
};
const picked = async (id: string): Promise<string[]> => {
  const def = endpoints.find((e) => e.id === id)!;
  return contextsRead(root, { path: `${root}${moduleOf[id]}`, metered: isMetered(def) }, names);
};

describe('the contexts a per-endpoint Lambda wires', () => {
  it("are those whose ports the endpoint's code reads, with billing's meter for a metered endpoint", async () => {
    // Naver and Coupang side by side (core/coupang reads ports.naver and ports.coupang); a tenant's call is metered.
    // Billing's ports are not read, so billing is wired only as far as metering reads it.
    expect(await picked('coupang.crossMarket')).toEqual(['naver', 'coupang', 'billing-meter']);
    // A margin priced from a 1688 offer reads the alibaba context.
    expect(await picked('analysis.margin')).toEqual(['billing-meter', 'alibaba']);
    expect(await picked('inventory.listSkus')).toEqual(['billing-meter', 'inventory']);
    // Platform ports only: public, or an account endpoint that is not metered.
    expect(await picked('platform.meta')).toEqual([]);
    expect(await picked('platform.createApiKey')).toEqual([]);
    expect(await picked('billing.listPlans')).toEqual(['billing']);
  });
});

const config = loadConfig({ DATA_DIR: 'memory://', NODE_ENV: 'test', ACCESS_LOG: 'false' });
const profile = { eagerProviders: false, background: false, metrics: 'off', logSink: 'stdout', lazyDatabase: true } as const;

describe('a runtime wired with some contexts only', () => {
  it("answers 500 when an endpoint reads a context it was not wired with, and logs which one", async () => {
    const logs: string[] = [];
    const print = (line: string) => void logs.push(line);
    const logger = createRootLogger('DEBUG', { printer: { info: print, warn: print, error: print, debug: print, log: print, trace: print } });
    const readsNaver = defineEndpoint({
      id: 'test.readsNaver',
      method: 'GET',
      path: '/v1/test/reads-naver',
      summary: 'Reads the naver context',
      tags: ['test'],
      access: 'public',
      responses: { 200: z.object({ has: z.boolean() }) },
      run: (_input, { ports }) => ({ status: 200, body: { has: ports.naver.keywords !== undefined } }),
    });
    const runtime = await composeRuntime(config, { ...profile, meter: false, endpoints: [readsNaver], logger, overrides: { access: memoryAccessStore(), rateCounter: memoryRateCounter() } }, []);
    try {
      const result = await invokeDirect(readsNaver, runtime.dispatcher.handlers.get(readsNaver.id)!, {});
      expect(result.statusCode).toBe(500);
      expect(logs.join('\n')).toContain('the naver context is not wired into this process');
    } finally {
      await runtime.close();
    }
  });

  it('refuses to start a metered endpoint without billing, which would leave its calls uncounted', async () => {
    const listSkus = endpoints.find((e) => e.id === 'inventory.listSkus')!;
    const inventory = contexts.find((c) => c.name === 'inventory')!;
    await expect(composeRuntime(config, { ...profile, meter: true, endpoints: [listSkus] }, [inventory as never])).rejects.toThrow(
      'metered endpoints need the billing context, which serves the API quota',
    );
  });
});

describe("billing wired only to meter calls (a per-endpoint Lambda outside billing)", () => {
  it("answers 429 past the free plan's 100 calls a day and past a budget an administrator set, and keeps billing's ports closed", async () => {
    const db = await withPglite();
    const feeTables = endpoints.find((e) => e.id === 'analysis.feeTables')!;
    const runtime = await composeRuntime(config, { ...profile, meter: true, endpoints: [feeTables], database: db }, [billingMeter]);
    try {
      const handler = runtime.dispatcher.handlers.get(feeTables.id)!;
      const call = (key: string) => invokeDirect(feeTables, handler, { headers: bearer(key) });
      const free = await seedTenant(runtime.ports);
      for (let i = 0; i < 100; i++) expect((await call(free.secret)).statusCode).toBe(200);
      const spent = await call(free.secret);
      expect(spent.statusCode).toBe(429);
      expect(JSON.parse(spent.body!)).toMatchObject({ type: 'urn:sellpo:problem:rate-limited', limit: 'apiCallsPerDay', allowed: 100, plan: 'free', upgradeTo: 'basic-monthly' });

      const budgeted = await seedTenant(runtime.ports);
      await postgresBillingStore(db).setApiCallBudget(budgeted.tenant.id, 3, new Date());
      for (let i = 0; i < 3; i++) expect((await call(budgeted.secret)).statusCode).toBe(200);
      expect(JSON.parse((await call(budgeted.secret)).body!)).toMatchObject({ limit: 'apiCallsPerDay', allowed: 3 });

      expect(() => runtime.ports.billing.store).toThrow('the billing context is not wired into this process');
    } finally {
      await runtime.close();
      await db.close();
    }
  }, 60_000);
});
