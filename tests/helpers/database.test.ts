/**
 * PostgreSQL suites never skip silently where PostgreSQL is required: an unreachable server is an error naming
 * the switch that required it and saying how to start one; elsewhere it is a reason to skip.
 */
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkPostgres, postgresRequired } from './database.ts';

/** A loopback port nothing listens on: bound, then released. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

describe('when PostgreSQL does not answer', () => {
  it('is a reason to skip on a developer machine', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/test`;
    await expect(checkPostgres(url, {})).resolves.toMatch(/not reachable at 127\.0\.0\.1:\d+/);
    await expect(checkPostgres(url, { CI: 'false', REQUIRE_POSTGRES: '0' })).resolves.toMatch(/not reachable/);
  });

  it('fails under CI=true, saying how to start a server', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/test`;
    const failure = checkPostgres(url, { CI: 'true' });
    await expect(failure).rejects.toThrow(/PostgreSQL is required \(CI=true\) but postgresql is not reachable at 127\.0\.0\.1:\d+/i);
    await expect(failure).rejects.toThrow('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start');
    await expect(failure).rejects.toThrow(/TEST_DATABASE_URL/);
  });

  it('fails under REQUIRE_POSTGRES=1', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/test`;
    await expect(checkPostgres(url, { REQUIRE_POSTGRES: '1' })).rejects.toThrow(/required \(REQUIRE_POSTGRES=1\)/);
  });

  it('reads the switches exactly', () => {
    expect(postgresRequired({ CI: 'true' })).toBe(true);
    expect(postgresRequired({ REQUIRE_POSTGRES: '1' })).toBe(true);
    expect(postgresRequired({})).toBe(false);
    expect(postgresRequired({ CI: '', REQUIRE_POSTGRES: '' })).toBe(false);
  });
});
