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
// The server's HOST and PORT, as an operator sets them for both: the printed curl line follows them.
const env = { DATA_DIR: dir, LOG_LEVEL: 'ERROR', ACCESS_LOG: 'false', PORT: '3996', HOST: '0.0.0.0' };
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
    expect(created.stdout).toContain(`curl -H 'Authorization: Bearer ${key}' http://localhost:3996/v1/members`);
    tenant = { tenantId: /tenant {3}(\S+)/.exec(created.stdout)![1]!, key };

    const members = await run('invoke', 'platform.listMembers', '--header', `authorization=Bearer ${key}`);
    expect(members.code, members.stderr).toBe(0);
    expect(JSON.parse(members.stdout).items[0]).toMatchObject({ email: 'kim@camping.example', name: 'kim', role: 'owner' });
  });

  it('sets a tenant\'s daily API-call budget in place of its plan\'s, and clears it', async () => {
    const apiCalls = async () => {
      const r = await run('invoke', 'billing.getSubscription', '--header', `authorization=Bearer ${tenant.key}`);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).entitlements.apiCallsPerDay as number;
    };
    expect(await apiCalls()).toBe(100);
    const set = await run('tenants', 'budget', '--tenant', tenant.tenantId, '--api-calls-per-day', '2000000');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(`tenant ${tenant.tenantId}: 2000000 API calls a day, in place of its plan's\n`);
    expect(await apiCalls()).toBe(2_000_000);
    expect((await run('tenants', 'budget', '--tenant', tenant.tenantId, '--clear')).code).toBe(0);
    expect(await apiCalls()).toBe(100);

    const unknown = await run('tenants', 'budget', '--tenant', 'no-such-tenant', '--api-calls-per-day', '5');
    expect([unknown.code, unknown.stderr]).toEqual([1, 'sellpo tenants: No tenant no-such-tenant.\n']);
    for (const [argv, message] of [
      [['--api-calls-per-day=-5'], '--api-calls-per-day "-5" is not a whole number of calls'],
      [['--api-calls-per-day', '1.5'], '--api-calls-per-day "1.5" is not a whole number of calls'],
      [['--api-calls-per-day', '2000000000'], 'The daily API-call budget must be a whole number from 0 to 1000000000, got 2000000000.'],
      [[], 'give either --api-calls-per-day <n> or --clear'],
      [['--api-calls-per-day', '5', '--clear'], 'give either --api-calls-per-day <n> or --clear'],
    ] as const) {
      const bad = await run('tenants', 'budget', '--tenant', tenant.tenantId, ...argv);
      expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining(message)]);
    }
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
