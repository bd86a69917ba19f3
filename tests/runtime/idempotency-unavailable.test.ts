/** When the idempotency store cannot be reached the request is not run: 503 with Retry-After, so the caller retries. */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import type { Principal } from '../../core/platform/principal.ts';
import type { IdempotencyStore } from '../../core/platform/idempotency.ts';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { testRuntime } from '../helpers/invoke.ts';

let runs = 0;
const order = defineEndpoint({
  id: 'test.storeDownOrder',
  method: 'POST',
  path: '/v1/test/store-down-orders',
  summary: 'test-only: counts its runs',
  tags: ['test'],
  access: 'tenant',
  body: z.object({ sku: z.string() }),
  responses: { 201: z.object({ run: z.number() }) },
  run: async () => ({ status: 201, body: { run: ++runs } }),
});

const tenant: Principal = { kind: 'tenant', tenantId: 'tenant-a', actorId: 'tenant-a-owner', role: 'owner', via: 'api_key' };
const auth = memoryAuthenticator(new Map([['key-a', tenant]]));
const down: IdempotencyStore = {
  begin: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.9:5432 password=hunter2')),
  complete: () => Promise.reject(new Error('unreachable')),
  release: () => Promise.reject(new Error('unreachable')),
};

describe('Idempotency-Key with the store down', () => {
  it('answers 503 problem+json with Retry-After: 1 and does not run the use case', async () => {
    const rt = await testRuntime({ endpoints: [order], overrides: { auth, idempotency: { store: down, ttlSeconds: 86_400, lockSeconds: 120 } } });
    try {
      const before = runs;
      const res = await rt.call('test.storeDownOrder', { headers: { authorization: 'Bearer key-a', 'idempotency-key': 'k-1' }, body: { sku: 'A' } });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.status).toBe(503);
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
      expect(runs).toBe(before);

      // Without the header the store is not consulted and the request runs.
      const plain = await rt.call('test.storeDownOrder', { headers: { authorization: 'Bearer key-a' }, body: { sku: 'A' } });
      expect(plain.status).toBe(201);
      expect(runs).toBe(before + 1);
    } finally {
      await rt.close();
    }
  });
});
