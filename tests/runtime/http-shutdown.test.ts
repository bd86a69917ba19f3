import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { startHttpServer } from '../../adapters/http/server.ts';
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

/** A dispatch that answers /ok at once and holds /hold until its barrier opens, telling when a hold arrived. */
const heldDispatch = () => {
  const release = barrier();
  const arrived = barrier();
  const dispatch: Dispatch = async (event) => {
    if (event.rawPath === '/hold') {
      arrived.open();
      await release.wait();
    }
    const body = `done ${event.rawPath}`;
    return { statusCode: 200, headers: { 'content-type': 'text/plain', 'content-length': String(body.length) }, body };
  };
  return { dispatch, release, arrived };
};

const serve = async (dispatch: Dispatch, extra: { idleGraceMs?: number; shutdownTimeoutMs?: number } = {}) => {
  const rt = await testRuntime({ endpoints: [] });
  return startHttpServer({
    dispatch,
    logger: rt.logger,
    accessLog: null,
    host: '127.0.0.1',
    port: 0,
    keepAliveTimeoutMs: 65_000,
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
  return { socket, get, closed };
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

  it('stops at once when no connection is open', async () => {
    const { dispatch } = heldDispatch();
    // A grace far beyond the test's timeout: the stop must not wait for it with nothing to wait for.
    const server = await serve(dispatch, { idleGraceMs: 60_000, shutdownTimeoutMs: 60_000 });
    expect(await server.shutdown()).toEqual({ drained: true });
  });
});
