import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { assembleApp, pathWithNode, removeTempDirs } from './harness.ts';

// What the deploy relies on when it stops the old colour: SIGTERM lets every request already in flight finish
// with its answer, refuses new connections, and the process exits 0.

const IN_FLIGHT = 20;

/** Sends a request's head and the first byte of its body, then holds the rest until `finish()`. */
const slowRequest = (port: number) =>
  new Promise<{ finish: () => void; response: Promise<string> }>((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let data = '';
    const response = new Promise<string>((done) => {
      socket.on('data', (c: Buffer) => (data += c));
      socket.on('close', () => done(data));
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write('GET /health HTTP/1.1\r\nhost: sellpo\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{');
      resolve({ finish: () => socket.write('}'), response });
    });
  });

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('graceful shutdown of the HTTP server', { timeout: 60_000 }, () => {
  it(`completes ${IN_FLIGHT} requests in flight when SIGTERM arrives, refuses new ones, exits 0`, async () => {
    const app = assembleApp();
    const child = spawn('/bin/sh', [join(app, 'container/entrypoint.sh'), 'http'], {
      cwd: app,
      env: { PATH: pathWithNode, PORT: '0', DATA_DIR: 'memory://', ACCESS_LOG: 'false', SHUTDOWN_TIMEOUT_MS: '10000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c));
    child.stderr.on('data', (c: Buffer) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 45_000;
      let url: string | undefined;
      while (!url && Date.now() < deadline) {
        url = /"message":"listening"[^\n]*"url":"([^"]+)"/.exec(output)?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 50));
      }
      expect(url, output).toBeDefined();
      const port = Number(new URL(url!).port);

      const requests = await Promise.all(Array.from({ length: IN_FLIGHT }, () => slowRequest(port)));
      // Every request has reached the server (it reads bodies as they come) before the signal.
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGTERM');
      const stopAt = Date.now();
      while (!output.includes('"message":"shutting down"') && Date.now() - stopAt < 5_000) await new Promise((r) => setTimeout(r, 20));
      expect(output).toContain('"message":"shutting down"');
      expect(await canConnect(port)).toBe(false);
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
      expect(output).toMatch(/"message":"stopped".*"drained":true/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      removeTempDirs();
    }
  });
});
