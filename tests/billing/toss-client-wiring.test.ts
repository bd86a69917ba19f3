/**
 * With TOSS_SECRET_KEY set, billing reaches Toss through the real client, whose code loads on the first call
 * (adapters/contexts/billing/wire.ts): the first call goes to TOSS_BASE_URL signed with the key, as before.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
const toss = createServer((req, res) => {
  seen.push({ method: req.method!, url: req.url!, headers: req.headers });
  res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'NOT_FOUND_PAYMENT', message: 'no such payment' }));
});
let runtime: TestRuntime;

beforeAll(async () => {
  await new Promise<void>((resolve) => toss.listen(0, '127.0.0.1', resolve));
  const { port } = toss.address() as AddressInfo;
  runtime = await testRuntime({ env: { TOSS_SANDBOX: 'off', TOSS_SECRET_KEY: 'test_sk_wiring', TOSS_BASE_URL: `http://127.0.0.1:${port}` } });
});

afterAll(async () => {
  await runtime?.close();
  await new Promise((resolve) => toss.close(resolve));
});

describe('the configured Toss client', () => {
  it('sends the first call to TOSS_BASE_URL with the secret key, and reads its 404 as no payment', async () => {
    expect(seen).toEqual([]);
    expect(await runtime.ports.billing.gateway.getPayment('pay_123')).toBeNull();
    expect(seen.map((r) => [r.method, r.url])).toEqual([['GET', '/v1/payments/pay_123']]);
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('test_sk_wiring:').toString('base64')}`);
  });
});
