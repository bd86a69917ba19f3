/**
 * The access CLI on an embedded database in a temporary directory: create an admin and a tenant, use the printed
 * key, verify the audit log, then edit a row directly in SQL and watch `sellpo audit verify` name it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCapturedCli } from '../helpers/cli.ts';
import { openPglite } from '../../adapters/postgres/pglite.ts';

const dir = mkdtempSync(join(tmpdir(), 'sellpo-access-cli-'));
const env = { DATA_DIR: dir, LOG_LEVEL: 'ERROR', ACCESS_LOG: 'false', PORT: '3000' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...argv: string[]) => runCapturedCli(argv, env);

describe('sellpo tenants / admins / audit', () => {
  let tenant: { tenantId: string; key: string };

  it('creates an admin and a tenant, printing each key once with a ready curl line', async () => {
    const admin = await run('admins', 'create', '--name', 'ops');
    expect(admin.code, admin.stderr).toBe(0);
    expect(admin.stdout).toMatch(/api key {2}sp_admin_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}/);

    const created = await run('tenants', 'create', '--name', '캠핑하우스', '--owner-email', 'kim@camping.example');
    expect(created.code, created.stderr).toBe(0);
    const key = /api key {2}(sp_live_\S+)/.exec(created.stdout)![1]!;
    expect(created.stdout).toContain(`curl -H 'Authorization: Bearer ${key}' http://127.0.0.1:3000/v1/members`);
    tenant = { tenantId: /tenant {3}(\S+)/.exec(created.stdout)![1]!, key };

    const members = await run('invoke', 'platform.listMembers', '--header', `authorization=Bearer ${key}`);
    expect(members.code, members.stderr).toBe(0);
    expect(JSON.parse(members.stdout).items[0]).toMatchObject({ email: 'kim@camping.example', name: 'kim', role: 'owner' });
  });

  it('refuses bad usage with exit 2 naming the flag', async () => {
    const missing = await run('tenants', 'create', '--name', 'x');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--owner-email is required');
    const bad = await run('tenants', 'create', '--name', 'x', '--owner-email', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--owner-email "nope" is not an email address');
  });

  it('verifies intact chains, then names the entry edited in SQL', async () => {
    const ok = await run('audit', 'verify');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`ok {6}${tenant.tenantId}: 3 entries`));
    expect(ok.stdout).toMatch(/ok {6}platform: \d+ entries/);

    const db = await openPglite({ dataDir: dir, statementTimeoutMs: 0 });
    try {
      // The application cannot change the log (trigger); someone with the database's keys can, and is caught.
      await expect(db.query(`UPDATE audit_log SET actor = 'someone-else' WHERE chain = $1 AND seq = 2`, [tenant.tenantId])).rejects.toThrow(/append-only/);
      await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await db.query(`UPDATE audit_log SET actor = 'someone-else' WHERE chain = $1 AND seq = 2`, [tenant.tenantId]);
    } finally {
      await db.close();
    }
    const broken = await run('audit', 'verify', '--tenant', tenant.tenantId);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`BROKEN  ${tenant.tenantId}: entry 2 \\(id [0-9a-f-]{36}\\): content does not match its hash`));
  });
});
