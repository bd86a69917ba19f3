import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tossClient } from '../../adapters/toss/client.ts';
import { aesGcmVault, parseEncryptionKeys } from '../../adapters/secrets/key-vault.ts';
import { loadConfig, ConfigError } from '../../adapters/config.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.ts';
import { tossSandbox, TOSS_SANDBOX_SECRET_KEY } from '../../sandbox/toss/index.ts';

let sandbox: RunningSandbox;
let url: string;
const provider = tossSandbox({ webhookMinuteMs: 5 });
const basic = `Basic ${Buffer.from(`${TOSS_SANDBOX_SECRET_KEY}:`).toString('base64')}`;
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() as any }));

beforeAll(async () => {
  sandbox = await startSandbox([provider]);
  url = sandbox.urls.toss!;
});
afterAll(() => sandbox.close());

describe('Toss sandbox contract', () => {
  it('checks Basic auth (the colon included)', async () => {
    const noColon = `Basic ${Buffer.from(TOSS_SANDBOX_SECRET_KEY).toString('base64')}`;
    const res = await post('/v1/billing/authorizations/issue', { authKey: 'auth_ok_a1', customerKey: 'cust_1' }, { authorization: noColon });
    expect(res).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED_KEY' } });
  });

  it('Idempotency-Key: a repeat returns the first response; the same key with another body is refused', async () => {
    const issued = await post('/v1/billing/authorizations/issue', { authKey: 'auth_ok_a2', customerKey: 'cust_2' });
    const bk = issued.body.billingKey as string;
    const body = { customerKey: 'cust_2', amount: 29_000, orderId: 'order-idem-1', orderName: 'Basic' };
    const first = await post(`/v1/billing/${bk}`, body, { 'idempotency-key': 'k-1' });
    const again = await post(`/v1/billing/${bk}`, body, { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await post(`/v1/billing/${bk}`, { ...body, amount: 1_000 }, { 'idempotency-key': 'k-1' })).status).toBe(422);
    expect((await post(`/v1/billing/${bk}`, body, { 'idempotency-key': 'k-2' })).body.code).toBe('DUPLICATED_ORDER_ID');
    expect(provider.ledger().filter((p) => p.orderId === 'order-idem-1')).toHaveLength(1);
    expect((await post(`/v1/billing/${bk}`, { ...body, orderId: 'o-2', customerKey: 'other' })).body.code).toBe('NOT_MATCHES_CUSTOMER_KEY');
    expect((await post(`/v1/billing/${bk}`, { ...body, orderId: 'o-3', amount: 50 })).body.code).toBe('BELOW_MINIMUM_AMOUNT');
    expect((await post('/v1/billing/authorizations/issue', { authKey: 'auth_ok_a2', customerKey: 'cust_2' })).body.code).toBe('INVALID_AUTH_KEY');
  });

  it('the client maps card errors, retryable errors, lookups and partial cancels', async () => {
    const client = tossClient({ baseUrl: url, secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: 2_000 });
    const charge = async (kind: string, orderId: string) => {
      const k = await client.issueBillingKey({ authKey: `auth_${kind}_${orderId}`, customerKey: 'cust_c', idempotencyKey: `i-${orderId}` });
      return client.charge({ billingKey: k.billingKey, customerKey: 'cust_c', amountKrw: 10_000, orderId, orderName: 'x', idempotencyKey: `c-${orderId}` });
    };
    expect(await charge('stopped', 'ord-stop')).toMatchObject({ kind: 'declined', code: 'INVALID_STOPPED_CARD', retryable: false });
    expect(await charge('reject', 'ord-rej')).toMatchObject({ kind: 'declined', code: 'INVALID_REJECT_CARD', retryable: false });
    expect(await charge('provider', 'ord-prov')).toMatchObject({ kind: 'declined', code: 'PROVIDER_ERROR', retryable: true });
    const paid = await charge('ok', 'ord-ok1');
    expect(paid.kind).toBe('paid');
    const key = (paid as { payment: { paymentKey: string } }).payment.paymentKey;
    expect((await client.getPaymentByOrderId('ord-ok1'))!.paymentKey).toBe(key);
    expect(await client.getPaymentByOrderId('ord-missing')).toBeNull();
    const partial = await client.cancel({ paymentKey: key, reason: 'r', amountKrw: 4_000, idempotencyKey: 'x-1' });
    expect(partial).toMatchObject({ status: 'PARTIAL_CANCELED', balanceAmount: 6_000 });
    await expect(client.cancel({ paymentKey: key, reason: 'r', amountKrw: 7_000, idempotencyKey: 'x-2' })).rejects.toMatchObject({ code: 'unprocessable', details: { code: 'NOT_CANCELABLE_AMOUNT' } });
    // The charge commits and its answer is held; the caller gives up (its signal) before any answer: unknown.
    await fetch(`${url}/__sandbox/configure`, { method: 'POST', body: JSON.stringify({ holdAfterCommit: 1 }) });
    const k = await client.issueBillingKey({ authKey: 'auth_ok_slow', customerKey: 'cust_c', idempotencyKey: 'i-slow' });
    const gaveUp = new AbortController();
    const lost = client.charge({ billingKey: k.billingKey, customerKey: 'cust_c', amountKrw: 10_000, orderId: 'ord-slow', orderName: 'x', idempotencyKey: 'c-slow' }, gaveUp.signal);
    await provider.whenHeld();
    gaveUp.abort();
    expect(await lost).toMatchObject({ kind: 'unknown', reason: 'NETWORK_ERROR' });
    provider.release();
    expect((await client.getPaymentByOrderId('ord-slow'))!.status).toBe('DONE');
    // A timeout is unknown too (the answer is held past the client's timeout, so no race decides it).
    await fetch(`${url}/__sandbox/configure`, { method: 'POST', body: JSON.stringify({ holdAfterCommit: 1 }) });
    const slow = tossClient({ baseUrl: url, secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: 50 });
    const k2 = await client.issueBillingKey({ authKey: 'auth_ok_slow2', customerKey: 'cust_c', idempotencyKey: 'i-slow2' });
    expect(await slow.charge({ billingKey: k2.billingKey, customerKey: 'cust_c', amountKrw: 10_000, orderId: 'ord-slow2', orderName: 'x', idempotencyKey: 'c-slow2' })).toMatchObject({ kind: 'unknown', reason: 'TIMEOUT' });
    provider.release();
  });

  it('a transient Toss error on issue or cancel is 503 and retryable, never a refusal', async () => {
    const fake = (async () => new Response(JSON.stringify({ code: 'PROVIDER_ERROR', message: '일시적인 오류가 발생했습니다.' }), { status: 400, headers: { 'content-type': 'application/json' } })) as typeof fetch;
    const client = tossClient({ baseUrl: url, secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: 2_000, fetch: fake });
    const expected = { code: 'unavailable', retryAfterSeconds: 10, details: { reason: 'provider_unavailable', code: 'PROVIDER_ERROR', retryable: true } };
    await expect(client.issueBillingKey({ authKey: 'auth_ok_t', customerKey: 'cust_t', idempotencyKey: 'i-t' })).rejects.toMatchObject(expected);
    await expect(client.cancel({ paymentKey: 'tpk_x', reason: 'r', idempotencyKey: 'x-t' })).rejects.toMatchObject(expected);
  });

  it('delivers webhooks and retries on Toss\'s schedule until answered 200', async () => {
    let calls = 0;
    let answered200!: () => void;
    const third = new Promise<void>((resolve) => (answered200 = resolve));
    const receiver = createServer((req, res) => {
      req.resume();
      calls++;
      res.writeHead(calls <= 2 ? 500 : 200).end();
      if (calls === 3) answered200();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    await fetch(`${url}/__sandbox/configure`, { method: 'POST', body: JSON.stringify({ webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` }) });
    const started = Date.now();
    const client = tossClient({ baseUrl: url, secretKey: TOSS_SANDBOX_SECRET_KEY, timeoutMs: 2_000 });
    const k = await client.issueBillingKey({ authKey: 'auth_ok_hook', customerKey: 'cust_h', idempotencyKey: 'i-hook' });
    await client.charge({ billingKey: k.billingKey, customerKey: 'cust_h', amountKrw: 1_000, orderId: 'ord-hook', orderName: 'x', idempotencyKey: 'c-hook' });
    await third;
    // The sandbox logs a delivery once its answer is read: wait for its third entry.
    await provider.whenDelivered(3);
    const log = ((await (await fetch(`${url}/__sandbox/webhooks`, { method: "POST" })).json()) as { deliveries: unknown }).deliveries as { attempt: number; status: number }[];
    expect(log.map((d) => [d.attempt, d.status])).toEqual([[1, 500], [2, 500], [3, 200]]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25); // 1 + 4 "minutes" of 5 ms
    receiver.close();
    await fetch(`${url}/__sandbox/configure`, { method: 'POST', body: JSON.stringify({ webhookUrl: null }) });
  });
});

describe('billing-key vault and config', () => {
  it('seals with the active key, opens with any configured one, and refuses tampering', () => {
    const keys = parseEncryptionKeys(`k1:${Buffer.alloc(32, 1).toString('base64')},k2:${Buffer.alloc(32, 2).toString('base64')}`);
    const old = aesGcmVault(keys, 'k1');
    const sealed = old.seal('bk_secret_value');
    const rotated = aesGcmVault(keys, 'k2');
    expect(rotated.open(sealed)).toBe('bk_secret_value');
    expect(rotated.seal('x').keyId).toBe('k2');
    expect(() => rotated.open({ keyId: 'k2', data: sealed.data })).toThrow();
    expect(() => parseEncryptionKeys('k1:c2hvcnQ=')).toThrow(/32/);
  });

  it('production refuses to start without BILLING_KEY_ENCRYPTION_KEYS, naming it', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ NODE_ENV: 'production' }).join('\n')).toMatch(/BILLING_KEY_ENCRYPTION_KEYS: required in production/);
    expect(problems({ BILLING_KEY_ENCRYPTION_KEYS: 'k1:short' }).join('\n')).toMatch(/BILLING_KEY_ENCRYPTION_KEYS/);
    const k = (b: number) => Buffer.alloc(32, b).toString('base64');
    expect(problems({ BILLING_KEY_ENCRYPTION_KEYS: `k1:${k(1)},k2:${k(2)}` }).join('\n')).toMatch(/BILLING_KEY_ACTIVE_ID/);
    expect(problems({ BILLING_KEY_ENCRYPTION_KEYS: `k1:${k(1)},k2:${k(2)}`, BILLING_KEY_ACTIVE_ID: 'k2' })).toEqual([]);
    expect(problems({ BILLING_RETRY_DAYS: '3,1' }).join('\n')).toMatch(/BILLING_RETRY_DAYS/);
    expect(problems({ TOSS_SECRET_KEY: 'sk_nope' }).join('\n')).toMatch(/TOSS_SECRET_KEY/);
  });
});
