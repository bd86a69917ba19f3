import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import type { RunningServer } from '../../adapters/http/server.ts';
import type { Dispatch } from '../../adapters/routing/dispatch.ts';
import type { V2Result } from '../../handlers/toolkit.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { testEndpoints } from '../helpers/test-endpoints.ts';
import { gate } from '../helpers/barrier.ts';
import { serveDispatch } from '../helpers/http-server.ts';

// The driver writes the answers finished in one turn of the event loop together, after it. These tests hold many
// requests at one gate so their answers are all given in the same turn, then check each connection got its own.

let rt: TestRuntime;
let server: RunningServer;
const held = gate('http-answers');
const first = gate('http-answers-first');

const dispatch: Dispatch = async (event): Promise<V2Result> => {
  await held.pass();
  const path = event.rawPath;
  if (path === '/first-held') await first.pass();
  if (path === '/bad') return { statusCode: 200, headers: { 'x-note': 'line\nbreak' }, body: '{}' };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path, query: event.rawQueryString }) };
};

beforeAll(async () => {
  rt = await testRuntime({ endpoints: testEndpoints });
  server = await serveDispatch(dispatch, rt.logger, {
    site: (path) => (path.startsWith('/docs') ? { statusCode: 200, headers: { 'content-type': 'text/html' }, body: `<p>${path}</p>` } : undefined),
  });
});
afterAll(async () => {
  held.release();
  first.release();
  await server.shutdown();
});

/** GET over an agent of its own (keep-alive, at most `sockets` connections); the body, or the error. */
const get = (agent: Agent, path: string): Promise<{ status: number; body: string } | { error: string }> =>
  new Promise((resolve) => {
    const req = request(`${server.url}${path}`, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', (error) => resolve({ error: error.message }));
    });
    req.on('error', (error) => resolve({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    req.end();
  });

describe('answers written together at the end of a turn', () => {
  it('gives each of 120 requests on 20 keep-alive connections its own answer, released in one turn', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    try {
      const before = held.count;
      const calls = Array.from({ length: 120 }, (_, i) => get(agent, `/item/${i}?n=${i}`));
      // The first 20 are in flight at once (one per connection); they are answered in the same turn.
      await held.arrived(before + 20);
      held.release();
      const answers = await Promise.all(calls);
      answers.forEach((answer, i) => {
        expect(answer).toEqual({ status: 200, body: JSON.stringify({ path: `/item/${i}`, query: `n=${i}` }) });
      });
    } finally {
      agent.destroy();
    }
  });

  it('ends only the connection whose answer node refuses to write, and logs it', async () => {
    const agent = new Agent({ keepAlive: false });
    try {
      const answers = await Promise.all([get(agent, '/good/1'), get(agent, '/bad'), get(agent, '/good/2')]);
      expect(answers[0]).toEqual({ status: 200, body: JSON.stringify({ path: '/good/1', query: '' }) });
      expect(answers[1]).toHaveProperty('error');
      expect(answers[2]).toEqual({ status: 200, body: JSON.stringify({ path: '/good/2', query: '' }) });
      expect(rt.captured.logs).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'answer not written', status: 200 }));
      // The server goes on answering.
      expect(await get(agent, '/after')).toEqual({ status: 200, body: JSON.stringify({ path: '/after', query: '' }) });
    } finally {
      agent.destroy();
    }
  });

  // Bytes the parser refuses, sent on the heels of a request (pipelined), while that request's answer waits for
  // the end of the turn: a 400 written straight to the socket would arrive as the answer to the first request.
  const pipelinedWithGarbage = (path: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () =>
        socket.write(`GET ${path} HTTP/1.1\r\nhost: sellpo\r\n\r\nNOT HTTP AT ALL\r\n\r\n`),
      );
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString('utf8')));
      socket.on('error', reject);
      socket.on('close', () => resolve(data));
    });

  it('answers a site page followed by bytes the parser refuses with the page, then closes', async () => {
    const reply = await pipelinedWithGarbage('/docs/a');
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toMatch(/\r\nconnection: close\r\n/i);
    expect(reply.endsWith('<p>/docs/a</p>')).toBe(true);
  });

  it('answers a dispatched request followed by bytes the parser refuses with its own answer, then closes', async () => {
    const reply = await pipelinedWithGarbage('/first');
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply.endsWith(JSON.stringify({ path: '/first', query: '' }))).toBe(true);
  });

  it('ends the connection of a refused answer that waits behind a pipelined one, once the one before it is written', async () => {
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('utf8')));
    const closed = new Promise<'closed'>((resolve) => socket.on('close', () => resolve('closed')));
    socket.on('error', () => {});
    try {
      const refusedBefore = rt.captured.logs.filter((l) => l.message === 'answer not written').length;
      socket.write(['/first-held', '/bad', '/third'].map((path) => `GET ${path} HTTP/1.1\r\nhost: sellpo\r\n\r\n`).join(''));
      await first.arrived(1);
      // The refused answer was met while the first still held the connection.
      await vi.waitFor(() => expect(rt.captured.logs.filter((l) => l.message === 'answer not written').length).toBe(refusedBefore + 1));
      first.release();
      const outcome = await Promise.race([closed, new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 2_000))]);
      expect(outcome).toBe('closed');
      expect(data).toMatch(/^HTTP\/1\.1 200 /);
      expect(data.endsWith(JSON.stringify({ path: '/first-held', query: '' }))).toBe(true);
    } finally {
      socket.destroy();
    }
  });
});
