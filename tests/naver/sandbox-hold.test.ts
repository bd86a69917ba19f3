/** The sandbox's barrier: requests held unanswered until the test releases them, and a way to await arrival. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/index.ts';
import { NAVER_SANDBOX_CREDENTIALS as creds } from '../../sandbox/naver/index.ts';
import { control, startNaverSandbox } from './helpers.ts';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startNaverSandbox();
});
afterAll(async () => sandbox?.close());

const search = () =>
  fetch(`${sandbox.urls.naverOpenApi}/v1/search/shop.json?query=${encodeURIComponent('텐트')}`, {
    headers: { 'X-Naver-Client-Id': creds.clientId, 'X-Naver-Client-Secret': creds.clientSecret },
  });

describe('Naver sandbox hold', () => {
  it('holds requests until released; GET held?count=N answers once N are held', async () => {
    const oa = sandbox.urls.naverOpenApi!;
    await control(oa, 'faults', { hold: true });
    let answered = 0;
    const requests = [search(), search(), search()].map((p) => p.then((r) => (answered++, r)));
    expect(await control(oa, 'held?count=3')).toEqual({ held: 3 });
    expect(answered).toBe(0);
    expect((await control(oa, 'stats')).held).toBe(3);
    expect(await control(oa, 'release', {})).toEqual({ released: 3 });
    expect((await Promise.all(requests)).map((r) => r.status)).toEqual([200, 200, 200]);
    // Released means no longer holding: the next request is answered at once.
    expect((await search()).status).toBe(200);
    expect((await control(oa, 'stats')).held).toBe(0);
  });

  it('refuses a bad hold value and a bad count', async () => {
    const oa = sandbox.urls.naverOpenApi!;
    const bad = await fetch(`${oa}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ hold: 'yes' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ message: 'faults: hold must be true or false' });
    expect((await fetch(`${oa}/__sandbox/held?count=0`)).status).toBe(400);
  });
});
