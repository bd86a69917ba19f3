import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { startHttpServer, type RunningServer } from '../../adapters/http/server.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { testEndpoints } from '../helpers/test-endpoints.ts';

// What node's HTTP parser refuses never reaches a handler; the server still answers it as the API answers
// everything: a problem+json body, a request id, an access line.

let rt: TestRuntime;
let server: RunningServer;
let port: number;

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
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.shutdown();
});

/** Writes raw bytes, returns everything the server sends until it closes the connection. */
const raw = (bytes: Buffer | string) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
  });

const parse = (reply: string) => {
  const [head, ...rest] = reply.split('\r\n\r\n');
  const [statusLine, ...lines] = head!.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const body = rest.join('\r\n\r\n');
  return { status: Number(statusLine!.split(' ')[1]), statusLine: statusLine!, headers, body: JSON.parse(body) as Record<string, any>, bodyBytes: Buffer.byteLength(body) };
};

const accessLineFor = (requestId: string) => rt.captured.access.find((line) => line.requestId === requestId);

describe('requests the HTTP parser refuses', () => {
  it('answers an unencoded UTF-8 query (the README example as curl sent it) with a 400 problem that says what to do', async () => {
    const reply = parse(await raw(Buffer.from('GET /v1/naver/shopping?query=캠핑의자 HTTP/1.1\r\nhost: localhost\r\n\r\n', 'utf8')));
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(reply.headers.connection).toBe('close');
    expect(Number(reply.headers['content-length'])).toBe(reply.bodyBytes);
    expect(reply.body).toMatchObject({ type: 'urn:sellpo:problem:invalid', status: 400, parserCode: 'HPE_INVALID_URL' });
    expect(reply.body.detail).toContain('--data-urlencode');
    expect(reply.headers['x-request-id']).toBe(reply.body.instance);
    expect(accessLineFor(reply.body.instance)).toMatchObject({ method: 'GET', path: '/v1/naver/shopping', route: '-', status: 400, sourceIp: '127.0.0.1' });
  });

  it('answers a garbage request line with a 400 problem and an access line', async () => {
    const reply = parse(await raw('THIS IS NOT HTTP\r\n\r\n'));
    expect(reply.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(reply.body).toMatchObject({ type: 'urn:sellpo:problem:invalid', status: 400 });
    expect(accessLineFor(reply.body.instance)).toMatchObject({ status: 400, route: '-' });
  });

  it('answers oversized header fields with a 431 problem', async () => {
    const reply = parse(await raw(`GET /test/slow HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(reply.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(reply.body).toMatchObject({ type: 'urn:sellpo:problem:headers-too-large', status: 431 });
    expect(accessLineFor(reply.body.instance)).toMatchObject({ method: 'GET', path: '/test/slow', status: 431 });
  });

  it('answers a NUL in a header value with a 400 problem', async () => {
    const reply = parse(await raw('GET /test/slow HTTP/1.1\r\nhost: x\r\nx-request-id: a\u0000b\r\n\r\n'));
    expect(reply.status).toBe(400);
    expect(reply.body.type).toBe('urn:sellpo:problem:invalid');
  });

  it('keeps serving afterwards', async () => {
    expect((await fetch(`${server.url}/test/slow?ms=0`)).status).toBe(200);
  });
});

describe('bodies over HTTP', () => {
  it('refuses a JSON body whose bytes are not UTF-8 instead of reading them as U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","price":1}')]);
    const res = await fetch(`${server.url}/test/items/a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: unknown }).errors).toEqual([{ in: 'body', field: '', code: 'invalid_encoding', message: 'is not valid UTF-8' }]);
  });

  it('accepts a JSON body that starts with a byte order mark', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"캠핑의자","price":1}')]);
    const res = await fetch(`${server.url}/test/items/a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: '캠핑의자' });
  });
});
