import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import type { Server, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { serveDispatch } from '../helpers/http-server.ts';
import type { Dispatch } from '../../adapters/routing/dispatch.ts';
import { testRuntime } from '../helpers/invoke.ts';

// A keep-alive client may send its next request on an idle connection at the very moment the server starts to
// stop. That request must be answered (with Connection: close), not met with a reset. Timing here is events and
// barriers; timeouts are only failure bounds.

/** A barrier: `wait()` resolves once `open()` has been called. */
const barrier = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, wait: () => opened };
};

/** /big's body: more than the kernel's socket buffers take while the client does not read. */
const BIG = 64 * 1024 * 1024;

/** A dispatch that answers /ok at once and holds /hold until its barrier opens, telling when a hold arrived. */
const heldDispatch = () => {
  const release = barrier();
  const arrived = barrier();
  const dispatch: Dispatch = async (event) => {
    if (event.rawPath === '/hold') {
      arrived.open();
      await release.wait();
    }
    const body = event.rawPath === '/big' ? 'x'.repeat(BIG) : `done ${event.rawPath}`;
    return { statusCode: 200, headers: { 'content-type': 'text/plain', 'content-length': String(body.length) }, body };
  };
  return { dispatch, release, arrived };
};

const serve = async (dispatch: Dispatch, extra: { idleGraceMs?: number; shutdownTimeoutMs?: number } = {}) => {
  const rt = await testRuntime({ endpoints: [] });
  return serveDispatch(dispatch, rt.logger, {
    shutdownTimeoutMs: extra.shutdownTimeoutMs ?? 10_000,
    ...(extra.idleGraceMs !== undefined ? { idleGraceMs: extra.idleGraceMs } : {}),
  });
};

/** A raw keep-alive connection that reads one whole response per request. */
const client = async (url: string) => {
  const socket: Socket = connect(Number(new URL(url).port), '127.0.0.1');
  await once(socket, 'connect');
  let buffer = '';
  let waiting: (() => void) | undefined;
  const closed = once(socket, 'close');
  const errors: Error[] = [];
  socket.on('error', (error) => errors.push(error));
  socket.on('data', (d: Buffer) => {
    buffer += d.toString('utf8');
    waiting?.();
  });
  socket.on('close', () => waiting?.());
  /** The next complete response, or what arrived before the connection ended. */
  const response = async (): Promise<{ head: string; body: string } | { ended: string; errors: Error[] }> => {
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end !== -1) {
        const head = buffer.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length >= end + 4 + length) {
          const body = buffer.slice(end + 4, end + 4 + length);
          buffer = buffer.slice(end + 4 + length);
          return { head: head.toLowerCase(), body };
        }
      }
      if (socket.destroyed || socket.readableEnded) return { ended: buffer, errors };
      await new Promise<void>((resolve) => (waiting = resolve));
    }
  };
  const get = (path: string) => {
    socket.write(`GET ${path} HTTP/1.1\r\nhost: sellpo\r\n\r\n`);
    return response();
  };
  /** Sends the requests back to back, before any answer (HTTP/1.1 pipelining). */
  const pipeline = (...paths: string[]) => socket.write(paths.map((path) => `GET ${path} HTTP/1.1\r\nhost: sellpo\r\n\r\n`).join(''));
  return { socket, get, pipeline, response, closed };
};

/** The answers in what a connection received until it closed: head (lower case) and body length, or the rest. */
const answersIn = (received: Buffer): Array<{ head: string; bodyLength: number; body: string }> => {
  const text = received.toString('latin1');
  const answers: Array<{ head: string; bodyLength: number; body: string }> = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) break;
    const head = text.slice(at, end).toLowerCase();
    const length = Number(/content-length: (\d+)/.exec(head)?.[1] ?? 0);
    const body = text.slice(end + 4, end + 4 + length);
    answers.push({ head, bodyLength: body.length, body: body.length > 100 ? '' : body });
    at = end + 4 + length;
  }
  return answers;
};

/** The server's response to each request path, as the server makes them. */
const responsesOf = (server: { server: Server }) => {
  const responses = new Map<string, ServerResponse>();
  server.server.on('request', (req, res: ServerResponse) => responses.set(req.url!, res));
  return responses;
};

/**
 * A held dispatch behind a server with a 50 ms idle grace, the server's responses by path, one keep-alive
 * connection already answered and idle (its close tells that the grace ended), and a second connection.
 */
const withIdleConnection = async () => {
  const held = heldDispatch();
  const server = await serve(held.dispatch, { idleGraceMs: 50 });
  const responses = responsesOf(server);
  const idle = await client(server.url);
  expect(await idle.get('/ok')).toMatchObject({ body: 'done /ok' });
  const busy = await client(server.url);
  return { ...held, server, responses, idle, busy };
};

describe('graceful shutdown with keep-alive connections', { timeout: 20_000 }, () => {
  it('answers a request sent on an idle keep-alive connection after the stop began, with Connection: close', async () => {
    const { dispatch, release, arrived } = heldDispatch();
    const server = await serve(dispatch);
    const idle = await client(server.url);
    expect(await idle.get('/ok')).toMatchObject({ body: 'done /ok' });
    // `idle` now sits between requests, as a pooled keep-alive connection does.
    const busy = await client(server.url);
    const held = busy.get('/hold');
    await arrived.wait();

    const stopping = server.shutdown();
    // The client had already picked its pooled connection: its request goes out after the stop began.
    const late = await idle.get('/ok');
    expect(late).toMatchObject({ body: 'done /ok' });
    expect((late as { head: string }).head).toContain('connection: close');
    await idle.closed;

    release.open();
    const answer = await held;
    expect(answer).toMatchObject({ body: 'done /hold' });
    expect((answer as { head: string }).head).toContain('connection: close');
    expect(await stopping).toEqual({ drained: true });
  });

  it('closes idle connections once the grace ends, and new connections are refused from the start', async () => {
    const { dispatch } = heldDispatch();
    const server = await serve(dispatch, { idleGraceMs: 50 });
    const idle = await client(server.url);
    expect(await idle.get('/ok')).toMatchObject({ body: 'done /ok' });
    const stopping = server.shutdown();
    const refused = connect(Number(new URL(server.url).port), '127.0.0.1');
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    // The idle connection is closed by the server (after the grace), not left to its keep-alive timeout.
    await idle.closed;
    expect(await stopping).toEqual({ drained: true });
  });

  it('does not close a connection whose pipelined request is in flight after the one before it was answered', async () => {
    const { server, responses, idle, busy, release, arrived } = await withIdleConnection();
    busy.pipeline('/ok', '/hold');
    expect(await busy.response()).toMatchObject({ body: 'done /ok' });
    await arrived.wait();
    // The first answer is done with (its response closed) while the request behind it is still being handled.
    const first = responses.get('/ok')!;
    if (!first.closed) await once(first, 'close');

    const stopping = server.shutdown();
    // The idle connection is closed when the grace ends; the busy one is not idle.
    await idle.closed;
    release.open();
    const answer = await busy.response();
    expect(answer).toMatchObject({ body: 'done /hold' });
    expect((answer as { head: string }).head).toContain('connection: close');
    expect(await stopping).toEqual({ drained: true });
  });

  it('lets an answer still being written finish, and the pipelined answer behind it go out', async () => {
    const { server, responses, idle, busy, release, arrived } = await withIdleConnection();
    const received: Buffer[] = [];
    busy.socket.on('data', (d: Buffer) => received.push(d));
    // The client reads the first bytes of /big, then stops reading: the rest waits in the server's buffers.
    const started = new Promise<void>((resolve) =>
      busy.socket.once('data', () => {
        busy.socket.pause();
        resolve();
      }),
    );
    busy.pipeline('/big', '/hold');
    await Promise.all([started, arrived.wait()]);
    const big = responses.get('/big')!;
    expect({ ended: big.writableEnded, finished: big.writableFinished }).toEqual({ ended: true, finished: false });

    const stopping = server.shutdown();
    await idle.closed;
    release.open();
    busy.socket.resume();
    await busy.closed;
    const answers = answersIn(Buffer.concat(received));
    expect(answers.map((a) => a.bodyLength)).toEqual([BIG, 'done /hold'.length]);
    expect(answers[1]).toMatchObject({ body: 'done /hold' });
    expect(answers[1]!.head).toContain('connection: close');
    expect(await stopping).toEqual({ drained: true });
  });

  it('stops at once when no connection is open', async () => {
    const { dispatch } = heldDispatch();
    // A grace far beyond the test's timeout: the stop must not wait for it with nothing to wait for.
    const server = await serve(dispatch, { idleGraceMs: 60_000, shutdownTimeoutMs: 60_000 });
    expect(await server.shutdown()).toEqual({ drained: true });
  });
});
