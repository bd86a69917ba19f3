import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import type { RateCounter } from '../platform/ports.ts';
import type { GatewayPayment, PaymentIntent, PaymentRecord, WebhookEvent } from './model.ts';
import { drainWebhooks, receiveWebhook, syncPayment, WEBHOOK_MAX_ATTEMPTS, webhookIdentity } from './webhooks.ts';
import { billingTestbed, DAY_MS, paymentFor } from '../../tests/billing/memory-billing.ts';

const START = '2026-03-01T00:00:00Z';
const PSC = 'PAYMENT_STATUS_CHANGED';

const statusChange = (paymentKey: string, status = 'DONE', extra: Record<string, unknown> = {}) => ({ eventType: PSC, data: { paymentKey, status, ...extra } });

const record = (paymentKey: string, over: Partial<PaymentRecord> = {}): PaymentRecord => ({
  paymentKey, tenantId: 't1', subscriptionId: 's1', orderId: `rn-${paymentKey}`, kind: 'renewal', periodIndex: 1, orderName: 'Sell-Po Basic (monthly)',
  status: 'DONE', amountKrw: 29_000, balanceKrw: 29_000, cardNumber: null, receiptUrl: 'https://receipt.example/old', approvedAt: null,
  createdAt: new Date(START), updatedAt: new Date(START), ...over,
});

const tossPayment = (paymentKey: string, over: Partial<GatewayPayment> = {}): GatewayPayment => ({
  ...paymentFor({ orderId: `rn-${paymentKey}`, orderName: 'Sell-Po Basic (monthly)', amountKrw: 29_000 }, new Date(START), paymentKey), ...over,
});

const event = (id: string, over: Partial<WebhookEvent> = {}): WebhookEvent => ({
  id, eventType: PSC, body: statusChange(`pk-${id}`), source: '198.51.100.7', paymentKey: `pk-${id}`, receivedAt: new Date(START), processedAt: null, attempts: 0,
  lastError: null, notBefore: null, expiresAt: new Date(Date.parse(START) + 30 * DAY_MS), ...over,
});

const pendingIntent = (orderId: string, over: Partial<PaymentIntent> = {}): PaymentIntent => ({
  id: `i-${orderId}`, tenantId: 't1', subscriptionId: 's1', kind: 'renewal', periodIndex: 1, attempt: 0, orderId, idempotencyKey: `sellpo-${orderId}`, amountKrw: 29_000,
  orderName: 'Sell-Po Basic (monthly)', planId: 'basic-monthly', planVersion: 1, billingKeyId: 'bk-1', targetPaymentKey: null, status: 'pending', paymentKey: null,
  failureCode: null, failureMessage: null, createdAt: new Date(START), resolvedAt: null, ...over,
});

describe('webhookIdentity', () => {
  it('a status change is its payment key, status and last transaction (sha256 of the three, newline-separated)', () => {
    const body = statusChange('pk-1', 'DONE', { lastTransactionKey: 'tx-1', createdAt: '2026-03-01T00:00:00' });
    expect(webhookIdentity(PSC, body, JSON.stringify(body))).toEqual({ id: 'f7288d10bc8518eee894452e5641807e9c3f8512b17d69092e43c960ee8d4bfd', paymentKey: 'pk-1' });
    // A replay with another createdAt is the same event.
    const replay = { ...body, data: { ...body.data, createdAt: '2026-03-02T00:00:00' } };
    expect(webhookIdentity(PSC, replay, JSON.stringify(replay)).id).toBe('f7288d10bc8518eee894452e5641807e9c3f8512b17d69092e43c960ee8d4bfd');
    // Missing status and transaction count as empty.
    const bare = { eventType: PSC, data: { paymentKey: 'pk-1', status: 7 } };
    expect(webhookIdentity(PSC, bare, JSON.stringify(bare)).id).toBe('9b53b12921f28d912ae09ccee8b5ebe7e7c79f750252a87e9c311a0e5c3855d7');
  });

  it('any other event, or a status change without a usable payment key, is its body\'s sha256', () => {
    const text = '{"eventType":"DEPOSIT_CALLBACK","data":{"secret":"s"}}';
    const digest = '97a3e4e080d523d9356a2424e0658d0e2ed97e1f67e2e741fb94af0fcf70b4bd';
    expect(webhookIdentity('DEPOSIT_CALLBACK', JSON.parse(text), text)).toEqual({ id: digest, paymentKey: null });
    for (const data of [{ paymentKey: '' }, { paymentKey: 'p'.repeat(201) }, { paymentKey: 5 }, [], null]) {
      expect(webhookIdentity(PSC, { eventType: PSC, data }, text)).toEqual({ id: digest, paymentKey: null });
    }
    expect(webhookIdentity(PSC, null, text)).toEqual({ id: digest, paymentKey: null });
    // A payment key in an event of another type does not make it a status change.
    expect(webhookIdentity('DEPOSIT_CALLBACK', statusChange('pk-1'), text)).toEqual({ id: digest, paymentKey: null });

    // 200 characters is still a key.
    expect(webhookIdentity(PSC, statusChange('p'.repeat(200)), text).paymentKey).toBe('p'.repeat(200));
  });
});

describe('receiveWebhook', () => {
  it('records the event, due now and kept for the retention period, and wakes the worker once', async () => {
    const { deps, data, woken } = billingTestbed(START);
    const body = statusChange('pk-1');
    const receipt = await receiveWebhook(deps, { body, source: '198.51.100.7' });
    expect(receipt.duplicate).toBe(false);
    expect(data.webhooks).toEqual([{
      id: receipt.id, eventType: PSC, body, source: '198.51.100.7', paymentKey: 'pk-1', receivedAt: new Date(START), processedAt: null, attempts: 0,
      lastError: null, notBefore: null, expiresAt: new Date('2026-03-31T00:00:00Z'),
    }]);
    expect(await receiveWebhook(deps, { body, source: '203.0.113.1' })).toEqual({ id: receipt.id, duplicate: true });
    expect(woken).toHaveLength(1);
  });

  it('where no worker runs (no queue to wake) the event is recorded all the same', async () => {
    const { deps, data } = billingTestbed(START);
    delete deps.webhookQueue;
    expect((await receiveWebhook(deps, { body: statusChange('pk-1'), source: 's' })).duplicate).toBe(false);
    expect(data.webhooks).toHaveLength(1);
  });

  it('counts the body in UTF-8 bytes against the cap: at the cap it is taken, one byte over is 413', async () => {
    // {"eventType":"가"} is 17 characters and 19 bytes (가 is 3 bytes).
    const body = { eventType: '가' };
    const at = billingTestbed(START, { policy: { webhooks: { ...billingTestbed(START).deps.policy.webhooks, maxBodyBytes: 19 } } });
    expect((await receiveWebhook(at.deps, { body, source: 's' })).duplicate).toBe(false);
    const over = billingTestbed(START, { policy: { webhooks: { ...at.deps.policy.webhooks, maxBodyBytes: 18 } } });
    const error = await receiveWebhook(over.deps, { body, source: 's' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'payload_too_large', message: 'A webhook body may hold at most 18 bytes; this one holds 19.', details: { limitBytes: 18 } });
    expect(over.data.webhooks).toEqual([]);
  });

  it('a source with maxPendingPerSource events waiting is told to come back in 60 s; other sources are not', async () => {
    const bed = billingTestbed(START);
    const { deps, data } = billingTestbed(START, { policy: { webhooks: { ...bed.deps.policy.webhooks, maxPendingPerSource: 2 } } });
    await receiveWebhook(deps, { body: statusChange('pk-1'), source: 'a' });
    await receiveWebhook(deps, { body: statusChange('pk-2'), source: 'a' });
    const error = await receiveWebhook(deps, { body: statusChange('pk-3'), source: 'a' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 60, message: 'This source has 2 webhook events waiting; send again later.' });
    await receiveWebhook(deps, { body: statusChange('pk-3'), source: 'b' });
    data.webhooks[0]!.processedAt = new Date(START);
    expect((await receiveWebhook(deps, { body: statusChange('pk-4'), source: 'a' })).duplicate).toBe(false);
  });
});

describe('drainWebhooks', () => {
  it('closes events of other types and events naming nothing of ours without asking Toss', async () => {
    const { deps, data, toss } = billingTestbed(START);
    data.webhooks.push(
      event('e1', { eventType: 'DEPOSIT_CALLBACK', body: { eventType: 'DEPOSIT_CALLBACK' }, paymentKey: null }),
      event('e2', { body: statusChange('pk-e2', 'DONE', { orderId: 'rn-not-ours' }) }),
      event('e3', { body: statusChange('pk-e3', 'DONE', { orderId: 'rn-settled' }) }),
    );
    data.intents.push(pendingIntent('rn-settled', { status: 'succeeded' }));
    const summary = await drainWebhooks(deps, { limit: 10 });
    expect(summary).toEqual({ processed: 3, lookups: 0, deferred: 0, failed: 0, retryAt: null });
    expect(toss.lookups).toEqual([]);
    expect(data.webhooks.map((e) => e.processedAt)).toEqual([new Date(START), new Date(START), new Date(START)]);
  });

  it('looks up our payments, pending orders of ours and events without an order id; one look-up per payment', async () => {
    const { deps, data, toss, notices } = billingTestbed(START);
    data.payments.push(record('pk-ours'));
    toss.ledger.set('pk-ours', tossPayment('pk-ours', { status: 'CANCELED', balanceAmount: 0 }));
    data.intents.push(pendingIntent('rn-pending'));
    data.webhooks.push(
      event('a1', { paymentKey: 'pk-ours', body: statusChange('pk-ours', 'CANCELED') }),
      event('a2', { paymentKey: 'pk-ours', body: statusChange('pk-ours', 'CANCELED', { lastTransactionKey: 'tx-2' }) }),
      event('b1', { paymentKey: 'pk-pending', body: statusChange('pk-pending', 'DONE', { orderId: 'rn-pending' }) }),
      event('c1', { paymentKey: 'pk-unknown', body: statusChange('pk-unknown') }),
    );
    const summary = await drainWebhooks(deps, { limit: 10 });
    expect(summary).toEqual({ processed: 4, lookups: 3, deferred: 0, failed: 0, retryAt: null });
    expect(toss.lookups.sort()).toEqual(['pk-ours', 'pk-pending', 'pk-unknown']);
    expect(data.payments[0]).toMatchObject({ status: 'CANCELED', balanceKrw: 0 });
    expect(notices).toEqual([{ tenantId: 't1', notice: { kind: 'payment_status', paymentKey: 'pk-ours', status: 'CANCELED' } }]);
  });

  it('looks up a payment of ours even when its events name an order that is not pending', async () => {
    const { deps, data, toss } = billingTestbed(START);
    data.payments.push(record('pk-ours'));
    data.intents.push(pendingIntent('rn-pk-ours', { status: 'succeeded' }));
    data.webhooks.push(event('a1', { paymentKey: 'pk-ours', body: statusChange('pk-ours', 'CANCELED', { orderId: 'rn-pk-ours' }) }));
    expect((await drainWebhooks(deps, { limit: 10 })).lookups).toBe(1);
    expect(toss.lookups).toEqual(['pk-ours']);
  });

  it('takes at most the limit of events', async () => {
    const { deps, data } = billingTestbed(START);
    data.webhooks.push(event('e1', { eventType: 'X', paymentKey: null }), event('e2', { eventType: 'X', paymentKey: null }));
    expect((await drainWebhooks(deps, { limit: 1 })).processed).toBe(1);
  });

  it('a source over its rate waits for the next window without an attempt; the look-ups it was allowed go ahead', async () => {
    const bed = billingTestbed(START);
    const { deps, data, toss } = billingTestbed(START, { policy: { webhooks: { ...bed.deps.policy.webhooks, perSourcePerSecond: 1, concurrency: 1 } } });
    for (const key of ['pk-1', 'pk-2', 'pk-3']) data.payments.push(record(key));
    data.webhooks.push(event('1', { paymentKey: 'pk-1' }), event('2', { paymentKey: 'pk-2' }), event('3', { paymentKey: 'pk-3' }), event('4', { paymentKey: 'pk-4', source: 'other' }));
    data.payments.push(record('pk-4'));
    const summary = await drainWebhooks(deps, { limit: 10 });
    // Without a shared counter, a drain allows one window's worth per source: the window ends a second from now.
    const next = new Date(Date.parse(START) + 1_000);
    expect(summary).toEqual({ processed: 2, lookups: 2, deferred: 2, failed: 0, retryAt: next });
    expect(toss.lookups).toEqual(['pk-1', 'pk-4']);
    expect(data.webhooks.map((e) => [e.id, e.processedAt !== null, e.notBefore, e.attempts])).toEqual([
      ['1', true, null, 0], ['2', false, next, 0], ['3', false, next, 0], ['4', true, null, 0],
    ]);
  });

  it('the overall rate spent defers every source, and the earliest window end is when to come back', async () => {
    const bed = billingTestbed(START);
    const { deps, data, toss } = billingTestbed(START, { policy: { webhooks: { ...bed.deps.policy.webhooks, perSecond: 1, concurrency: 1 } } });
    const counts = new Map<string, number>();
    const asked: Array<[string, number, number]> = [];
    const counter: RateCounter = {
      consume: async ({ name, limit, window }) => {
        asked.push([name, limit, window.sizeMs]);
        const count = (counts.get(name) ?? 0) + 1;
        const allowed = count <= limit;
        if (allowed) counts.set(name, count);
        return { allowed, count, limit, resetAt: name.endsWith(':all') ? new Date('2026-03-01T00:00:05Z') : new Date(0) };
      },
      peek: async () => ({ count: 0, resetAt: new Date(0) }),
    };
    for (const key of ['pk-1', 'pk-2', 'pk-3']) data.payments.push(record(key));
    data.webhooks.push(event('1', { paymentKey: 'pk-1', source: 'a' }), event('2', { paymentKey: 'pk-2', source: 'b' }), event('3', { paymentKey: 'pk-3', source: 'c' }));
    const summary = await drainWebhooks({ ...deps, rateCounter: counter }, { limit: 10 });
    expect(summary).toEqual({ processed: 1, lookups: 1, deferred: 2, failed: 0, retryAt: new Date('2026-03-01T00:00:05Z') });
    expect(toss.lookups).toEqual(['pk-1']);
    // Once the overall rate is spent, later events wait without another counter call.
    expect(asked).toEqual([
      ['billing:webhook-lookups:source:a', 5, 1_000], ['billing:webhook-lookups:all', 1, 1_000],
      ['billing:webhook-lookups:source:b', 5, 1_000], ['billing:webhook-lookups:all', 1, 1_000],
    ]);
    expect(data.webhooks.map((e) => e.notBefore)).toEqual([null, new Date('2026-03-01T00:00:05Z'), new Date('2026-03-01T00:00:05Z')]);
  });

  it('the earliest of several deferral times is the one reported', async () => {
    const bed = billingTestbed(START);
    const { deps, data } = billingTestbed(START, { policy: { webhooks: { ...bed.deps.policy.webhooks, perSourcePerSecond: 0, concurrency: 1 } } });
    const resets: Record<string, Date> = { a: new Date('2026-03-01T00:00:09Z'), b: new Date('2026-03-01T00:00:03Z'), c: new Date('2026-03-01T00:00:07Z') };
    const counter: RateCounter = {
      consume: async ({ name, limit }) => ({ allowed: false, count: 0, limit, resetAt: resets[name.split(':').at(-1)!]! }),
      peek: async () => ({ count: 0, resetAt: new Date(0) }),
    };
    for (const key of ['pk-1', 'pk-2', 'pk-3', 'pk-4']) data.payments.push(record(key));
    data.webhooks.push(
      event('1', { paymentKey: 'pk-1', source: 'a' }), event('2', { paymentKey: 'pk-2', source: 'b' }), event('3', { paymentKey: 'pk-3', source: 'c' }),
      event('4', { paymentKey: 'pk-4', source: 'a' }),
    );
    const summary = await drainWebhooks({ ...deps, rateCounter: counter }, { limit: 10 });
    expect(summary).toEqual({ processed: 0, lookups: 0, deferred: 4, failed: 0, retryAt: new Date('2026-03-01T00:00:03Z') });
    expect(data.webhooks.map((e) => e.notBefore?.toISOString())).toEqual(['2026-03-01T00:00:09.000Z', '2026-03-01T00:00:03.000Z', '2026-03-01T00:00:07.000Z', '2026-03-01T00:00:09.000Z']);
  });

  it('a failed look-up leaves the events queued with the error, counted as an attempt', async () => {
    const { deps, data, toss } = billingTestbed(START);
    data.payments.push(record('pk-1'));
    data.webhooks.push(event('1', { paymentKey: 'pk-1' }), event('2', { paymentKey: 'pk-1', body: statusChange('pk-1', 'CANCELED') }));
    const long = `Toss answered 500 ${'x'.repeat(600)}`;
    toss.gateway.getPayment = async () => Promise.reject(new Error(long));
    const errors: unknown[] = [];
    const summary = await drainWebhooks(deps, { limit: 10, onError: (e) => errors.push(e) });
    expect(summary).toEqual({ processed: 0, lookups: 1, deferred: 0, failed: 2, retryAt: null });
    expect(errors).toHaveLength(1);
    expect(data.webhooks.map((e) => [e.processedAt, e.attempts, e.lastError])).toEqual([[null, 1, long.slice(0, 500)], [null, 1, long.slice(0, 500)]]);
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(20);
  });

  it('a look-up failing without a message, and with no one listening for errors, is recorded as "failed"', async () => {
    const { deps, data, toss } = billingTestbed(START);
    data.payments.push(record('pk-1'));
    data.webhooks.push(event('1', { paymentKey: 'pk-1' }));
    toss.gateway.getPayment = async () => Promise.reject('connection reset');
    expect((await drainWebhooks(deps, { limit: 10 })).failed).toBe(1);
    expect(data.webhooks[0]).toMatchObject({ processedAt: null, attempts: 1, lastError: 'failed' });
  });

  it('once a source is spent its later events wait without another counter call, and are deferred by id in one call per window', async () => {
    const bed = billingTestbed(START);
    const { deps, data } = billingTestbed(START, { policy: { webhooks: { ...bed.deps.policy.webhooks, perSourcePerSecond: 1, concurrency: 1 } } });
    const asked: string[] = [];
    const counts = new Map<string, number>();
    const counter: RateCounter = {
      consume: async ({ name, limit }) => {
        asked.push(name);
        const count = (counts.get(name) ?? 0) + 1;
        if (count <= limit) counts.set(name, count);
        return { allowed: count <= limit, count, limit, resetAt: new Date('2026-03-01T00:00:01Z') };
      },
      peek: async () => ({ count: 0, resetAt: new Date(0) }),
    };
    const deferredCalls: Array<[string[], Date]> = [];
    const defer = deps.store.deferWebhooks;
    deps.store.deferWebhooks = (ids, until) => (deferredCalls.push([[...ids], until]), defer(ids, until));
    for (const key of ['pk-1', 'pk-2', 'pk-3']) {
      data.payments.push(record(key));
      data.webhooks.push(event(key.slice(3), { paymentKey: key }));
    }
    const summary = await drainWebhooks({ ...deps, rateCounter: counter }, { limit: 10 });
    expect(summary).toMatchObject({ lookups: 1, deferred: 2 });
    expect(asked).toEqual(['billing:webhook-lookups:source:198.51.100.7', 'billing:webhook-lookups:all', 'billing:webhook-lookups:source:198.51.100.7']);
    expect(deferredCalls).toEqual([[['2', '3'], new Date('2026-03-01T00:00:01Z')]]);
  });

  it('keeps at most `concurrency` look-ups in flight', async () => {
    const bed = billingTestbed(START);
    const { deps, data, toss } = billingTestbed(START, { policy: { webhooks: { ...bed.deps.policy.webhooks, concurrency: 2 } } });
    let inFlight = 0;
    let most = 0;
    toss.gateway.getPayment = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return null;
    };
    for (const key of ['pk-1', 'pk-2', 'pk-3', 'pk-4']) {
      data.payments.push(record(key));
      data.webhooks.push(event(key.slice(3), { paymentKey: key }));
    }
    expect((await drainWebhooks(deps, { limit: 10 })).lookups).toBe(4);
    expect(most).toBe(2);
  });

  it('does nothing once the signal is aborted', async () => {
    const { deps, data } = billingTestbed(START);
    data.webhooks.push(event('1', { eventType: 'X', paymentKey: null }));
    const controller = new AbortController();
    controller.abort();
    expect((await drainWebhooks(deps, { limit: 10, signal: controller.signal })).processed).toBe(0);
    expect(data.webhooks[0]!.processedAt).toBeNull();
  });
});

describe('syncPayment', () => {
  it('brings our copy to what Toss says and tells the tenant only when something changed', async () => {
    const { deps, data, toss, notices, clock } = billingTestbed(START);
    data.payments.push(record('pk-1'));
    toss.ledger.set('pk-1', tossPayment('pk-1', { status: 'PARTIAL_CANCELED', balanceAmount: 9_000, receiptUrl: null }));
    clock.advance(60_000);
    await syncPayment(deps, 'pk-1');
    expect(data.payments[0]).toMatchObject({ status: 'PARTIAL_CANCELED', balanceKrw: 9_000, receiptUrl: 'https://receipt.example/old', updatedAt: new Date('2026-03-01T00:01:00Z') });
    await syncPayment(deps, 'pk-1');
    expect(notices).toEqual([{ tenantId: 't1', notice: { kind: 'payment_status', paymentKey: 'pk-1', status: 'PARTIAL_CANCELED' } }]);
    toss.ledger.set('pk-1', tossPayment('pk-1', { status: 'PARTIAL_CANCELED', balanceAmount: 9_000, receiptUrl: 'https://receipt.example/new' }));
    await syncPayment(deps, 'pk-1');
    expect(data.payments[0]!.receiptUrl).toBe('https://receipt.example/new');
  });

  it('a payment Toss does not know changes nothing', async () => {
    const { deps, data, notices } = billingTestbed(START);
    data.payments.push(record('pk-1'));
    await syncPayment(deps, 'pk-1');
    expect(data.payments[0]!.status).toBe('DONE');
    expect(notices).toEqual([]);
  });

  it('a paid renewal we never recorded settles its pending intent and sends the receipt', async () => {
    const { deps, data, toss, notices } = billingTestbed(START);
    data.intents.push(pendingIntent('rn-pk-1'));
    toss.ledger.set('pk-1', tossPayment('pk-1'));
    await syncPayment(deps, 'pk-1');
    expect(data.intents[0]).toMatchObject({ status: 'succeeded', paymentKey: 'pk-1' });
    expect(data.payments.map((p) => p.paymentKey)).toEqual(['pk-1']);
    expect(notices).toEqual([{ tenantId: 't1', notice: { kind: 'receipt', subscriptionId: 's1', orderId: 'rn-pk-1', amountKrw: 29_000, receiptUrl: 'https://receipt.example/pk-1' } }]);
  });

  it('a paid first charge creates the subscription with the billing key\'s customer', async () => {
    const { deps, data, toss } = billingTestbed(START);
    data.intents.push(pendingIntent('rn-pk-1', { kind: 'initial', periodIndex: 0 }));
    data.keys.push({ id: 'bk-1', tenantId: 't1', customerKey: 'customer-7', sealed: { keyId: 'v1', data: 'x' }, card: { number: '1', issuerCode: null, cardType: null, ownerType: null }, createdAt: new Date(START), discardedAt: null });
    toss.ledger.set('pk-1', tossPayment('pk-1'));
    await syncPayment(deps, 'pk-1');
    expect(data.subscriptions.map((s) => [s.id, s.customerKey, s.state])).toEqual([['s1', 'customer-7', 'active']]);
    // Without its key row the customer is unknown.
    const other = billingTestbed(START);
    other.data.intents.push(pendingIntent('rn-pk-1', { kind: 'initial', periodIndex: 0 }));
    other.toss.ledger.set('pk-1', tossPayment('pk-1'));
    await syncPayment(other.deps, 'pk-1');
    expect(other.data.subscriptions.map((s) => s.customerKey)).toEqual(['']);
  });

  it('leaves alone what is not a paid charge of a pending intent: no intent, a settled one, a refund, a payment not DONE', async () => {
    for (const [intent, status] of [
      [null, 'DONE'], [pendingIntent('rn-pk-1', { status: 'failed' }), 'DONE'], [pendingIntent('rn-pk-1', { kind: 'refund' }), 'DONE'], [pendingIntent('rn-pk-1'), 'ABORTED'],
    ] as const) {
      const { deps, data, toss, notices } = billingTestbed(START);
      if (intent) data.intents.push(intent);
      toss.ledger.set('pk-1', tossPayment('pk-1', { status }));
      await syncPayment(deps, 'pk-1');
      expect(data.payments).toEqual([]);
      expect(notices).toEqual([]);
      expect(data.intents.map((i) => i.status)).toEqual(intent ? [intent.status] : []);
    }
  });
});
