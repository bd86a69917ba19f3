/** `sellpo inventory sync` and `poll` over an embedded database in a directory, as an operator runs it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCapturedCli } from '../helpers/cli.ts';

describe('sellpo inventory sync and poll', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sellpo-inventory-'));
  const env = { DATA_DIR: dir };
  afterEach(() => vi.unstubAllEnvs());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the sync for the key\'s tenant and prints the result, and refuses bad usage with 2', async () => {
    const created = await runCapturedCli(['tenants', 'create', '--name', 'Shop', '--owner-email', 'o@example.com', '--json'], env);
    expect(created.code).toBe(0);
    const { key } = JSON.parse(created.stdout) as { key: string };
    vi.stubEnv('SELLPO_API_KEY', key);
    expect((await runCapturedCli(['invoke', 'inventory.createSku', '--body', '{"sku":"A-1","name":"의자","onHand":4}'], env)).code).toBe(0);
    expect((await runCapturedCli(['invoke', 'inventory.putListing', '--body', '{"sku":"A-1","channel":"coupang_wing","externalId":"70001"}'], env)).code).toBe(0);

    const sync = await runCapturedCli(['inventory', 'sync', '--channel', 'coupang_wing'], env);
    expect(sync.code).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ listings: 1, pushed: 0, failures: [{ channel: 'coupang_wing', kind: 'no_connection' }] });
    expect(sync.stderr).toContain('inventory sync: 1 listings, 0 pushed, 0 unchanged, 0 drifted, 1 failures');

    // No order feed is wired in this process: the poll says so per channel with listings.
    const poll = await runCapturedCli(['inventory', 'poll'], env);
    expect(poll.code).toBe(0);
    expect(JSON.parse(poll.stdout)).toEqual({ channels: [expect.objectContaining({ channel: 'coupang_wing', recorded: 0, failure: expect.objectContaining({ kind: 'no_connection' }) })] });
    expect(poll.stderr).toContain('inventory poll: coupang_wing failed (no_connection), 0 new events, 0 applied, 0 oversold, 0 ignored');

    expect((await runCapturedCli(['inventory', 'sync', '--channel', 'gmarket'], env)).code).toBe(2);
    expect((await runCapturedCli(['inventory', 'poll', '--channel', 'gmarket'], env)).code).toBe(2);
    expect((await runCapturedCli(['inventory', 'count'], env)).code).toBe(2);
    vi.stubEnv('SELLPO_API_KEY', 'sk_live_not_a_key');
    const refused = await runCapturedCli(['inventory', 'sync'], env);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('401')]);
  }, 120_000);
});
