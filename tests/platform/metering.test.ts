import { PassThrough } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { invokeEach, openBatchFor } from '../../adapters/cli/invoke.ts';
import { buildV2Event } from '../../adapters/routing/build-event.ts';
import { endpoints } from '../../handlers/registry.ts';
import { DomainError } from '../../core/shared/errors.ts';
import type { ApiQuota } from '../../core/platform/quota.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

const tenant = { kind: 'tenant', tenantId: 't1', actorId: 'u1', role: 'owner', via: 'api_key' } as const;
const auth = { authorization: 'Bearer k' };
const margin = endpoints.find((e) => e.id === 'analysis.margin')!;
const valid = {
  saleDate: '2025-06-02',
  category: 'kitchen',
  purchase: { unitPriceFen: 2350, quantity: 100 },
  exchange: { cnyKrw: 190, usdKrw: 1380, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 4000, unitWeightGrams: 300 },
  customs: { importType: 'bulk' },
  selling: { channel: 'naver_smart_store', salePriceKrw: 19_900 },
};

/** A daily budget of `limit` calls that counts what it is asked to count. */
const countingQuota = (limit: number): ApiQuota & { used: number } => {
  const q = {
    used: 0,
    consume: async () => {
      if (q.used >= limit) throw new DomainError('rate_limited', 'spent', { retryAfterSeconds: 60 });
      q.used++;
    },
  };
  return q;
};

let rt: TestRuntime;
let quota: ReturnType<typeof countingQuota>;
beforeAll(async () => {
  quota = countingQuota(3);
  rt = await testRuntime({ meter: true, overrides: { auth: memoryAuthenticator(new Map([['k', tenant]])), quota } });
});
afterAll(async () => rt.close());

describe('metering counts only requests that reach the use case', () => {
  it('charges nothing for bad credentials, malformed JSON, a wrong content type or invalid fields', async () => {
    quota.used = 0;
    const refused = [
      await rt.call('analysis.margin', { headers: { authorization: 'Bearer wrong' }, body: valid }),
      await rt.call('analysis.margin', { headers: auth, body: { ...valid, purchase: { unitPriceFen: -1 } } }),
      await rt.call('analysis.margin', { headers: auth, body: valid, query: { view: 'everything' } }),
      await rt.call('analysis.margin', { headers: { ...auth, 'content-type': 'text/plain' }, body: valid }),
    ];
    const malformed = await rt.dispatcher.handlers.get(margin.id)!(
      buildV2Event({ method: 'POST', rawPath: margin.path, headers: { ...auth, 'content-type': 'application/json' }, body: '{"saleDate":' }),
      {},
    );
    refused.push({ status: malformed.statusCode } as never);
    expect(refused.map((r) => r.status)).toEqual([401, 400, 400, 415, 400]);
    // 100 bad requests leave a budget of 3 untouched.
    for (let i = 0; i < 100; i++) await rt.call('analysis.margin', { headers: auth, body: { nonsense: i } });
    expect(quota.used).toBe(0);
    const ok = await rt.call('analysis.margin', { headers: auth, body: valid });
    expect(ok.status).toBe(200);
    expect(quota.used).toBe(1);
  });

  it('a batch session counts the rows that pass validation, as the per-request path does, and 429s at the same row', async () => {
    const rows = [valid, { broken: true }, valid, { ...valid, category: 'nope' }, valid, valid].map((body) => JSON.stringify({ body }));
    const file = join(mkdtempSync(join(tmpdir(), 'sellpo-meter-')), 'rows.jsonl');
    writeFileSync(file, rows.join('\n'));
    const runBatch = async (viaSession: boolean) => {
      quota.used = 0;
      const opening = await openBatchFor(margin, rt.options, { headers: auth });
      expect(opening.kind).toBe('session');
      const out = new PassThrough();
      let text = '';
      out.on('data', (d) => (text += d));
      const summary = await invokeEach(margin, rt.dispatcher.handlers.get(margin.id)!, {
        input: file,
        out,
        progress: new PassThrough(),
        concurrency: 1,
        base: { headers: auth },
        session: viaSession && opening.kind === 'session' ? opening.session : null,
      });
      return { summary, statuses: text.trim().split('\n').map((l) => JSON.parse(l).status), used: quota.used };
    };
    const session = await runBatch(true);
    const perRequest = await runBatch(false);
    expect(session.summary.inSession).toBe(6);
    expect(session.statuses).toEqual([200, 400, 200, 400, 200, 429]);
    expect(perRequest.statuses).toEqual(session.statuses);
    expect(session.used).toBe(3);
    expect(perRequest.used).toBe(3);
  });
});
