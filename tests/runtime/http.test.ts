import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { startHttpServer, type RunningServer } from '../../adapters/http/server.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { testEndpoints } from '../helpers/test-endpoints.ts';
import { dropGate, gate } from '../helpers/barrier.ts';

let rt: TestRuntime;
let server: RunningServer;

beforeAll(async () => {
  rt = await testRuntime({ endpoints: testEndpoints });
  server = await startHttpServer({
    dispatch: rt.dispatcher.dispatch,
    logger: rt.logger,
    accessLog: rt.options.accessLog,
    host: '127.0.0.1',
    port: 0,
    keepAliveTimeoutMs: 65_000,
    shutdownTimeoutMs: 2_000,
  });
});
afterAll(async () => {
  await server.shutdown();
});

const problemOf = async (res: Response) => ({ status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, any> });

describe('HTTP driver', () => {
  it('serves a POST with path, repeated query values and a JSON body', async () => {
    const res = await fetch(`${server.url}/test/items/cup-1?limit=3&tag=a&tag=b`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'http-1' },
      body: JSON.stringify({ name: '캠핑의자', price: 39000 }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('http-1');
    expect(await res.json()).toEqual({ itemId: 'cup-1', limit: 3, tag: ['a', 'b'], name: '캠핑의자', price: 39000 });
  });

  it('takes the client address from X-Forwarded-For only because the peer (loopback) is a trusted proxy', async () => {
    await fetch(`${server.url}/nowhere`, { headers: { 'x-forwarded-for': '6.6.6.6, 198.51.100.7', 'x-request-id': 'xff-1' } });
    expect(rt.captured.access.find((l) => l.clientRequestId === 'xff-1')).toMatchObject({ sourceIp: '198.51.100.7' });
    const strict = await startHttpServer({
      dispatch: rt.dispatcher.dispatch, logger: rt.logger, accessLog: rt.options.accessLog, host: '127.0.0.1', port: 0,
      keepAliveTimeoutMs: 65_000, shutdownTimeoutMs: 2_000, trustedProxies: ['none'],
    });
    try {
      await fetch(`${strict.url}/nowhere`, { headers: { 'x-forwarded-for': '198.51.100.7', 'x-request-id': 'xff-2' } });
      expect(rt.captured.access.find((l) => l.clientRequestId === 'xff-2')).toMatchObject({ sourceIp: '127.0.0.1' });
    } finally {
      await strict.shutdown();
    }
  });

  it('answers 404 and 405 (with Allow) as problems', async () => {
    const missing = await problemOf(await fetch(`${server.url}/nowhere`));
    expect(missing).toMatchObject({ status: 404, type: 'application/problem+json', body: { type: 'urn:sellpo:problem:route-not-found' } });
    const wrong = await fetch(`${server.url}/test/slow`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await fetch(`${server.url}/test/slow?ms=0`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('refuses a body over 1 MiB with 413 from its declared length, and keeps serving', async () => {
    const res = await fetch(`${server.url}/test/items/a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"name":"${'x'.repeat(1024 * 1024 + 10)}","price":1}`,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { type: string }).type).toBe('urn:sellpo:problem:payload-too-large');
    expect((await fetch(`${server.url}/test/slow?ms=0`)).status).toBe(200);
  });

  it('refuses an over-long chunked body while it streams', async () => {
    const chunks = async function* () {
      for (let i = 0; i < 20; i++) yield new TextEncoder().encode('x'.repeat(100_000));
    };
    const res = await fetch(`${server.url}/test/items/a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks() as never,
      duplex: 'half',
    } as RequestInit).catch((error: Error) => error);
    // The server answers 413 and closes; depending on timing the client sees the answer or a reset.
    if (res instanceof Error) expect(res.message).toMatch(/fetch failed|other side closed|reset/i);
    else expect(res.status).toBe(413);
    expect((await fetch(`${server.url}/test/slow?ms=0`)).status).toBe(200);
  });

  it('answers malformed JSON with 400 and keeps serving', async () => {
    const res = await problemOf(await fetch(`${server.url}/test/items/a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' }));
    expect(res).toMatchObject({ status: 400, body: { type: 'urn:sellpo:problem:malformed-json' } });
  });

  it('answers a garbage request line with 400 and closes the connection', async () => {
    const reply = await new Promise<string>((resolve) => {
      const { port } = new URL(server.url);
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('THIS IS NOT HTTP\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    expect((await fetch(`${server.url}/test/slow?ms=0`)).status).toBe(200);
  });
});

/** Sends raw requests on one keep-alive connection and returns each answer's head (lowercase) and body bytes. */
const exchange = (url: string, requests: string[]): Promise<{ status: number; head: string; body: Buffer }[]> =>
  new Promise((resolve, reject) => {
    const { port } = new URL(url);
    const answers: { status: number; head: string; body: Buffer }[] = [];
    let data = Buffer.alloc(0);
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(requests.join('')));
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      for (;;) {
        const end = data.indexOf('\r\n\r\n');
        if (end === -1) break;
        const head = data.subarray(0, end).toString('latin1').toLowerCase();
        // Only Content-Length framing is read here: a chunked answer fails the test below on its head.
        const length = /\r\ncontent-length: (\d+)/.exec(head);
        const isHead = requests[answers.length]!.startsWith('HEAD ');
        const size = length && !isHead ? Number(length[1]) : 0;
        if (data.length < end + 4 + size) break;
        answers.push({ status: Number(head.slice(9, 12)), head, body: data.subarray(end + 4, end + 4 + size) });
        data = data.subarray(end + 4 + size);
        if (head.includes('transfer-encoding')) break;
      }
      if (answers.length === requests.length || answers.at(-1)?.head.includes('transfer-encoding')) {
        socket.destroy();
        resolve(answers);
      }
    });
  });

describe('HTTP framing', () => {
  it('sends each answer with its Content-Length in bytes, never chunked; HEAD gets the GET length; 204 and 304 none', async () => {
    const bodies: Record<string, { statusCode: number; body?: string; isBase64Encoded?: boolean }> = {
      '/text': { statusCode: 200, body: '{"keyword":"캠핑의자"}' },
      '/bytes': { statusCode: 200, body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true },
      '/empty': { statusCode: 202 },
      '/none': { statusCode: 204, body: '' },
      '/same': { statusCode: 304, body: '' },
    };
    const local = await startHttpServer({
      dispatch: async (event) => ({ headers: { 'content-type': 'application/json' }, ...bodies[event.rawPath]! }),
      logger: rt.logger, accessLog: null, host: '127.0.0.1', port: 0, keepAliveTimeoutMs: 65_000, shutdownTimeoutMs: 2_000,
    });
    try {
      const get = (path: string, method = 'GET') => `${method} ${path} HTTP/1.1\r\nhost: sellpo\r\n\r\n`;
      const [text, head, bytes, empty, none, same] = await exchange(local.url, [get('/text'), get('/text', 'HEAD'), get('/bytes'), get('/empty'), get('/none'), get('/same')]);
      // 14 ASCII characters and 캠핑의자, 4 characters in 12 bytes of UTF-8: 26 bytes, not the 18 characters.
      expect(text).toMatchObject({ status: 200, body: Buffer.from('{"keyword":"캠핑의자"}') });
      expect(text!.head).toContain('\r\ncontent-length: 26');
      expect(head!.head).toContain('\r\ncontent-length: 26');
      expect(bytes).toMatchObject({ status: 200, body: Buffer.from([0, 1, 2, 255]) });
      expect(bytes!.head).toContain('\r\ncontent-length: 4');
      expect(empty!.head).toContain('\r\ncontent-length: 0');
      for (const answer of [text, head, bytes, empty, none, same]) expect(answer!.head).not.toContain('transfer-encoding');
      expect([none!.status, same!.status]).toEqual([204, 304]);
      expect(none!.head).not.toContain('content-length');
      expect(same!.head).not.toContain('content-length');
    } finally {
      await local.shutdown();
    }
  });

  it('frames a real endpoint answer and a problem by length', async () => {
    const body = JSON.stringify({ name: '캠핑의자', price: 39000 });
    const [created, missing] = await exchange(server.url, [
      `POST /test/items/cup-1 HTTP/1.1\r\nhost: sellpo\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      'GET /nowhere HTTP/1.1\r\nhost: sellpo\r\n\r\n',
    ]);
    for (const answer of [created, missing]) expect(answer!.head).not.toContain('transfer-encoding');
    expect(created!.status).toBe(201);
    expect(JSON.parse(created!.body.toString('utf8'))).toEqual({ itemId: 'cup-1', limit: 10, tag: null, name: '캠핑의자', price: 39000 });
    expect(missing!.status).toBe(404);
    expect(JSON.parse(missing!.body.toString('utf8'))).toMatchObject({ type: 'urn:sellpo:problem:route-not-found' });
  });
});

const serve = (shutdownTimeoutMs: number) =>
  startHttpServer({ dispatch: rt.dispatcher.dispatch, logger: rt.logger, accessLog: null, host: '127.0.0.1', port: 0, keepAliveTimeoutMs: 65_000, shutdownTimeoutMs });

describe('graceful shutdown', () => {
  it('finishes requests in flight, refuses new connections, and reports drained', async () => {
    const local = await serve(5_000);
    const held = gate('shutdown-drains');
    const inFlight = Array.from({ length: 5 }, () => fetch(`${local.url}/test/held?gate=shutdown-drains`));
    await held.arrived(5);
    let stopped = false;
    const stopping = local.shutdown().finally(() => (stopped = true));
    await expect(fetch(`${local.url}/test/slow?ms=0`)).rejects.toThrow();
    expect(stopped).toBe(false);
    held.release();
    const results = await Promise.all(inFlight);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.every((r) => r.headers.get('connection') === 'close')).toBe(true);
    expect(await stopping).toEqual({ drained: true });
    await expect(fetch(`${local.url}/test/slow?ms=0`)).rejects.toThrow();
  });

  it('gives up on requests that outlast the timeout', async () => {
    const local = await serve(100);
    const held = gate('shutdown-gives-up');
    const slow = fetch(`${local.url}/test/held?gate=shutdown-gives-up`).catch((e: Error) => e);
    await held.arrived(1);
    expect(await local.shutdown()).toEqual({ drained: false });
    expect(await slow).toBeInstanceOf(Error);
    dropGate('shutdown-gives-up');
  });
});
