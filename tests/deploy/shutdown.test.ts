import { describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { assembleApp, pathWithNode, removeTempDirs, watchOutput } from './harness.ts';

// What the deploy relies on when it stops the old colour: SIGTERM lets every request already in flight finish
// with its answer, refuses new connections, and the process exits 0.

const IN_FLIGHT = 20;

/**
 * Sends a request's head with `expect: 100-continue` and holds its body until `finish()`. The server answers
 * 100 Continue as it takes the request in (Node does so as it emits 'request'), so once that line is back the
 * request is in flight on the server: no sleeping to guess it.
 */
const slowRequest = (port: number) =>
  new Promise<{ finish: () => void; response: Promise<string> }>((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let data = '';
    let admitted = false;
    const response = new Promise<string>((done) => {
      socket.on('data', (c: Buffer) => {
        data += c;
        if (!admitted && data.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
          admitted = true;
          data = data.slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
          resolve({ finish: () => socket.write('{}'), response });
        }
      });
      socket.on('close', () => done(data));
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write('GET /health HTTP/1.1\r\nhost: sellpo\r\ncontent-type: application/json\r\ncontent-length: 2\r\nexpect: 100-continue\r\n\r\n');
    });
  });

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

// Generous bounds: a start takes 40 s on a machine loaded 10x over its cores (the embedded database's WASM start).
describe('graceful shutdown of the HTTP server', { timeout: 180_000 }, () => {
  it(`completes ${IN_FLIGHT} requests in flight when SIGTERM arrives, refuses new ones, exits 0`, async () => {
    const app = assembleApp();
    const child = spawn('/bin/sh', [join(app, 'container/entrypoint.sh'), 'http'], {
      cwd: app,
      env: { PATH: pathWithNode, PORT: '0', DATA_DIR: 'memory://', ACCESS_LOG: 'false', SHUTDOWN_TIMEOUT_MS: '10000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = watchOutput(child);
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = (await output.waitFor(/"message":"listening"[^\n]*"url":"([^"]+)"/, 120_000))[1]!;
      const port = Number(new URL(url).port);

      // Every request is in flight on the server (it answered 100 Continue) before the signal.
      const requests = await Promise.all(Array.from({ length: IN_FLIGHT }, () => slowRequest(port)));
      child.kill('SIGTERM');
      await output.waitFor('"message":"shutting down"', 5_000);
      // The line is written just before the listener closes, in the same tick; the test may run in between.
      await vi.waitFor(async () => expect(await canConnect(port)).toBe(false), { timeout: 5_000, interval: 10 });
      expect(child.exitCode).toBeNull();

      for (const r of requests) r.finish();
      const responses = await Promise.all(requests.map((r) => r.response));
      for (const text of responses) {
        expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        // Told not to reuse the connection: the server is going away.
        expect(text.toLowerCase()).toContain('connection: close');
        expect(text).toContain('"status":"ok"');
      }
      expect(await exited).toBe(0);
      expect(output.text()).toMatch(/"message":"stopped".*"drained":true/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      removeTempDirs();
    }
  });
});
