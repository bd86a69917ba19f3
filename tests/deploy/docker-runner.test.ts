import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assembleApp, freePort, pathWithNode, removeTempDirs, root, runNode, startNginx, tempDir, type Nginx } from './harness.ts';

// The docker runner of container/deploy.mjs, against tests/deploy/fake-docker.mjs (no docker daemon here): the
// same deploy and failure paths as the process runner, and the exact docker arguments it uses.

let nginx: Nginx;
let work: string;
let env: Record<string, string>;
const ports = { blue: 0, green: 0 };

const deploy = (...extra: string[]) =>
  runNode(
    [
      'container/deploy.mjs', 'deploy',
      '--runner', 'docker',
      '--state-dir', join(work, 'state'),
      '--nginx-dir', nginx.nginxDir,
      '--nginx', nginx.bin, '--nginx-prefix', nginx.prefix, '--nginx-conf', nginx.conf,
      '--nginx-url', nginx.url,
      '--blue-port', String(ports.blue), '--green-port', String(ports.green),
      '--env-file', join(work, 'sellpo.env'),
      '--drain', '0.5', '--stop-timeout', '10',
      ...extra,
    ],
    env,
  );
const calls = (): string[][] => readFileSync(join(work, 'docker/calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const inspect = (name: string) => calls().filter((c) => c[0] === 'inspect' && c.at(-1) === name);

beforeAll(async () => {
  work = tempDir('docker-runner');
  mkdirSync(join(work, 'bin'));
  mkdirSync(join(work, 'docker'));
  writeFileSync(join(work, 'bin/docker'), `#!/bin/sh\nexec node ${join(root, 'tests/deploy/fake-docker.mjs')} "$@"\n`);
  chmodSync(join(work, 'bin/docker'), 0o755);
  writeFileSync(join(work, 'sellpo.env'), '# what a host keeps in /etc/sellpo/sellpo.env\nDATA_DIR=memory://\nACCESS_LOG=false\n');
  env = { PATH: `${join(work, 'bin')}:${pathWithNode}`, FAKE_DOCKER_STATE: join(work, 'docker'), FAKE_DOCKER_APP: assembleApp() };
  ports.blue = await freePort();
  ports.green = await freePort();
  nginx = await startNginx({ port: await freePort() });
});

afterAll(async () => {
  for (const colour of ['blue', 'green']) {
    await runNode(['tests/deploy/fake-docker.mjs', 'rm', '-f', `sellpo-${colour}`], env);
  }
  await nginx?.stop();
  removeTempDirs();
});

describe('deploy.mjs with the docker runner', { timeout: 90_000 }, () => {
  it('runs the image on the idle colour, published on loopback, and flips to it', async () => {
    const first = await deploy('--image', 'sellpo:1', '--commit', 'c0ffee1', '--commit-time', '2027-03-01T08:00:00Z');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const run = calls().find((c) => c[0] === 'run')!;
    expect(run).toEqual([
      'run', '-d', '--name', 'sellpo-blue', '--restart', 'unless-stopped', '--label', 'sellpo.colour=blue',
      '-p', `127.0.0.1:${ports.blue}:3000`, '--stop-timeout', '10',
      '--env-file', join(work, 'sellpo.env'),
      'sellpo:1', 'http',
    ]);
    const live = await fetch(`${nginx.url}/health`);
    expect(live.headers.get('x-served-by'), `${live.status} ${await live.text()} ${first.stdout}`).toBe('blue');

    const second = await deploy('--image', 'sellpo:2');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/blue stopped \(SIGTERM\)/);
    expect(calls()).toContainEqual(['stop', '-t', '10', 'sellpo-blue']);
    expect(calls()).toContainEqual(['rm', 'sellpo-blue']);
    expect(calls().filter((c) => c[0] === 'run').at(-1)).toContain('sellpo:2');
    expect((await fetch(`${nginx.url}/health`)).headers.get('x-served-by')).toBe('green');
    expect(JSON.parse(readFileSync(join(work, 'state/state.json'), 'utf8')).history.map((h: { image: string }) => h.image)).toEqual(['sellpo:1', 'sellpo:2']);
  });

  it('a container that exits during start-up is reported with its exit code; nothing flips', async () => {
    const r = await deploy('--image', 'sellpo:broken', '--env', 'PORT=not-a-port');
    expect(r.code).toBe(1);
    // PORT is set inside the container only; the entry point's exit code 78 reaches docker inspect.
    expect(r.stderr).toMatch(/blue exited \(exit code 78\) before answering \/health/);
    expect(r.stderr).toContain('PORT');
    expect(inspect('sellpo-blue').length).toBeGreaterThan(0);
    expect((await fetch(`${nginx.url}/health`)).headers.get('x-served-by')).toBe('green');
  });

  it('undoes a flip that nginx does not follow (marker written where the site does not look) and exits 1', async () => {
    const wrongDir = join(work, 'not-the-nginx-dir');
    mkdirSync(wrongDir);
    const r = await deploy('--image', 'sellpo:3', '--nginx-dir', wrongDir, '--confirm-timeout', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/still does not answer from blue 2 s after the flip/);
    expect(r.stdout).toMatch(/blue stopped \(SIGTERM\); nginx still sends traffic to green/);
    expect((await fetch(`${nginx.url}/health`)).headers.get('x-served-by')).toBe('green');
  });

  it('appends one record per deploy to the deploy log, failed ones included, for the DORA metrics', () => {
    const records = readFileSync(join(work, 'state/deploys.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => [r.kind, r.result, r.image, r.smoke, r.colour])).toEqual([
      ['deploy', 'live', 'sellpo:1', 'passed', 'blue'],
      ['deploy', 'live', 'sellpo:2', 'passed', 'green'],
      ['deploy', 'failed', 'sellpo:broken', 'skipped', 'blue'],
      ['deploy', 'failed', 'sellpo:3', 'passed', 'blue'],
    ]);
    expect(records[0]).toMatchObject({ commit: 'c0ffee1', commitTime: '2027-03-01T08:00:00Z' });
    // The docker runner has no checkout to ask: without --commit the commit is unknown, not guessed.
    expect(records[1]).toMatchObject({ commit: null, commitTime: null });
    for (const r of records) {
      expect(Date.parse(r.finishedAt) - Date.parse(r.startedAt)).toBeGreaterThanOrEqual(0);
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('refuses to deploy without an image', async () => {
    const r = await deploy();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--image/);
  });
});
