import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// .ci/ensure-postgres, run by .ci/run before the tests, against stand-ins for pg_isready and pg_ctlcluster:
// pg_isready answers once a marker file exists; pg_ctlcluster records its arguments and (unless told to fail)
// creates the marker, as a cluster that starts would.

const script = resolve(import.meta.dirname, '../../.ci/ensure-postgres');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const machine = (options: { up?: boolean; installed?: string[]; startWorks?: boolean }) => {
  const root = mkdtempSync(join(tmpdir(), 'ci-postgres-'));
  dirs.push(root);
  const bin = join(root, 'bin');
  const conf = join(root, 'etc-postgresql');
  const marker = join(root, 'up');
  mkdirSync(bin);
  mkdirSync(conf);
  for (const version of options.installed ?? []) mkdirSync(join(conf, version, 'main'), { recursive: true });
  if (options.up) writeFileSync(marker, '');
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  tool('pg_isready', `[ -e '${marker}' ]`);
  tool('pg_ctlcluster', `echo "$@" >> '${join(root, 'ctl-calls')}'\n${options.startWorks === false ? 'exit 1' : `touch '${marker}'`}`);
  const run = () =>
    spawnSync('/bin/bash', [script], {
      env: { PATH: `${bin}:/usr/bin:/bin`, POSTGRES_CONF_DIR: conf, POSTGRES_WAIT_SECONDS: '1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
  const ctlCalls = () => (existsSync(join(root, 'ctl-calls')) ? readFileSync(join(root, 'ctl-calls'), 'utf8').trim().split('\n') : []);
  return { run, ctlCalls };
};

describe('.ci/ensure-postgres', () => {
  it('leaves a running server alone', () => {
    const m = machine({ up: true, installed: ['15'] });
    const r = m.run();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/answers on 127\.0\.0\.1/);
    expect(m.ctlCalls()).toEqual([]);
  });

  it('starts an installed but stopped cluster and waits until it answers', () => {
    const m = machine({ installed: ['15'] });
    const r = m.run();
    expect(r.status).toBe(0);
    expect(m.ctlCalls()).toEqual(['--skip-systemctl-redirect 15 main start']);
    expect(r.stdout).toMatch(/PostgreSQL 15 is installed but stopped: starting it\n[^]*PostgreSQL 15 answers/);
  });

  it('says clearly when no PostgreSQL is installed, and fails', () => {
    const m = machine({});
    const r = m.run();
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/does not answer on 127\.0\.0\.1 and none is installed here[^]*suites will fail/);
    expect(m.ctlCalls()).toEqual([]);
  });

  it('says clearly when the cluster does not come up, and fails', () => {
    const m = machine({ installed: ['15'], startWorks: false });
    const r = m.run();
    expect(r.status).toBe(1);
    expect(m.ctlCalls()).toEqual(['--skip-systemctl-redirect 15 main start']);
    expect(r.stdout).toMatch(/PostgreSQL 15 did not answer on 127\.0\.0\.1 within 1 s \(pg_ctlcluster exited 1\)[^]*postgresql-15-main\.log/);
  });
});
