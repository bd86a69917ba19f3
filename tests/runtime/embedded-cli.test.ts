/**
 * The README's first steps on the embedded database: `npm start` in one terminal, `sellpo tenants create` in
 * another. The server holds the data directory; the CLI reaches the same database through the server's engine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'sellpo-embedded-'));
const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'INFO', ACCESS_LOG: 'false', HOST: '127.0.0.1', PORT: '0' };
let server: ChildProcess;
let url: string;

const cli = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [`${root}dist/cli.mjs`, ...args], { env: { ...env, LOG_LEVEL: 'ERROR' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

beforeAll(async () => {
  server = spawn(process.execPath, [`${root}dist/server.mjs`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /"message":"listening".*?"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.stderr!.on('data', (d: Buffer) => (out += d));
    server.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}, 120_000);

afterAll(async () => {
  if (server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the CLI next to a running server on the embedded database', () => {
  it('creates a tenant whose key the running server accepts at once', async () => {
    const created = await cli(['tenants', 'create', '--name', '캠핑하우스', '--owner-email', 'kim@camping.example', '--json']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const { key, tenantId } = JSON.parse(created.stdout) as { key: string; tenantId: string };

    const members = await fetch(`${url}/v1/members`, { headers: { authorization: `Bearer ${key}` } });
    expect(members.status).toBe(200);
    expect(JSON.stringify(await members.json())).toContain('kim@camping.example');

    // A second command in a row, and the audit chain the CLI wrote is the server's own.
    const audit = await cli(['audit', 'verify', '--tenant', tenantId]);
    expect(audit.code).toBe(0);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  }, 120_000);

  it('publishes where it serves the directory only while it runs', async () => {
    expect(existsSync(join(dataDir, 'sellpo.server'))).toBe(true);
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    expect(existsSync(join(dataDir, 'sellpo.server'))).toBe(false);
    expect(existsSync(join(dataDir, 'sellpo.lock'))).toBe(false);
  }, 60_000);
});
