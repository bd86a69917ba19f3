#!/usr/bin/env node
// A stand-in for the docker CLI, for the deploy suite on machines without a docker daemon. It implements the
// handful of calls container/deploy.mjs makes (run, inspect, stop, rm, logs) by running the image's entry
// point as a local process, and records every call so the test can check the arguments a real docker gets.
//
//   FAKE_DOCKER_STATE  directory for records, logs and calls.jsonl
//   FAKE_DOCKER_APP    the assembled app standing for every image
// The container's published host port becomes the process's PORT (there is no network namespace to map).
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const state = process.env.FAKE_DOCKER_STATE;
const app = process.env.FAKE_DOCKER_APP;
if (!state || !app) {
  process.stderr.write('fake docker: set FAKE_DOCKER_STATE and FAKE_DOCKER_APP\n');
  process.exit(125);
}
const [command, ...args] = process.argv.slice(2);
if (command !== '__supervise') appendFileSync(join(state, 'calls.jsonl'), `${JSON.stringify([command, ...args])}\n`);

const file = (name, ext) => join(state, `${name}.${ext}`);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
};
const appPid = (name) => (existsSync(file(name, 'pid')) ? Number(readFileSync(file(name, 'pid'), 'utf8')) : undefined);
const status = (name) => {
  if (!existsSync(file(name, 'json'))) return undefined;
  if (existsSync(file(name, 'exit'))) return { status: 'exited', code: readFileSync(file(name, 'exit'), 'utf8').trim() };
  const pid = appPid(name);
  return pid && alive(pid) ? { status: 'running', code: '0' } : { status: 'created', code: '0' };
};
const noSuch = (name) => {
  process.stderr.write(`Error: No such container: ${name}\n`);
  process.exit(1);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

switch (command) {
  case '__supervise': {
    // Runs detached: starts the entry point, records its pid and, when it ends, its exit code (as docker does).
    const [name] = args;
    const spec = JSON.parse(readFileSync(file(name, 'json'), 'utf8'));
    const out = openSync(file(name, 'log'), 'a');
    const child = spawn('/bin/sh', [join(app, 'container/entrypoint.sh'), ...spec.args], { cwd: app, env: spec.env, stdio: ['ignore', out, out] });
    writeFileSync(file(name, 'pid'), String(child.pid));
    child.on('exit', (code, signal) => writeFileSync(file(name, 'exit'), String(code ?? (signal === 'SIGKILL' ? 137 : 143))));
    break;
  }
  case 'run': {
    const env = { PATH: process.env.PATH, HOST: '127.0.0.1' };
    let name;
    let i = 0;
    for (; i < args.length && args[i].startsWith('-'); i++) {
      const flag = args[i];
      if (flag === '-d') continue;
      const value = args[++i];
      if (flag === '--name') name = value;
      else if (flag === '-p') env.PORT = value.split(':')[1];
      else if (flag === '-e') env[value.slice(0, value.indexOf('='))] = value.slice(value.indexOf('=') + 1);
      else if (flag === '--env-file') {
        for (const line of readFileSync(value, 'utf8').split('\n')) if (line.includes('=') && !line.startsWith('#')) env[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
      }
    }
    const [image, ...cmd] = args.slice(i);
    if (!name || !image) {
      process.stderr.write('fake docker run: needs --name and an image\n');
      process.exit(125);
    }
    if (existsSync(file(name, 'json'))) {
      process.stderr.write(`docker: Error response from daemon: Conflict. The container name "/${name}" is already in use.\n`);
      process.exit(125);
    }
    writeFileSync(file(name, 'json'), JSON.stringify({ image, args: cmd, env }));
    spawn(process.execPath, [process.argv[1], '__supervise', name], { detached: true, stdio: 'ignore', env: process.env }).unref();
    while (!existsSync(file(name, 'pid'))) await sleep(10);
    process.stdout.write(`${name}-id\n`);
    break;
  }
  case 'inspect': {
    const name = args.at(-1);
    const s = status(name);
    if (!s) noSuch(name);
    process.stdout.write(`${s.status} ${s.code}\n`);
    break;
  }
  case 'logs': {
    const name = args.at(-1);
    if (!status(name)) noSuch(name);
    process.stdout.write(readFileSync(file(name, 'log'), 'utf8').split('\n').slice(-15).join('\n'));
    break;
  }
  case 'stop': {
    const name = args.at(-1);
    const seconds = Number(args[args.indexOf('-t') + 1] ?? 10);
    if (!status(name)) noSuch(name);
    const pid = appPid(name);
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + seconds * 1000;
      while (alive(pid) && Date.now() < deadline) await sleep(20);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      while (!existsSync(file(name, 'exit'))) await sleep(10);
    }
    process.stdout.write(`${name}\n`);
    break;
  }
  case 'rm': {
    const name = args.at(-1);
    const s = status(name);
    if (!s) noSuch(name);
    if (s.status === 'running') {
      if (!args.includes('-f')) {
        process.stderr.write(`Error: cannot remove container ${name}: container is running\n`);
        process.exit(1);
      }
      process.kill(appPid(name), 'SIGKILL');
      // Wait for the supervisor's exit record, so it cannot land after the cleanup below.
      while (!existsSync(file(name, 'exit'))) await sleep(10);
    }
    for (const ext of ['json', 'pid', 'exit', 'log']) rmSync(file(name, ext), { force: true });
    process.stdout.write(`${name}\n`);
    break;
  }
  default:
    process.stderr.write(`fake docker: ${command} is not implemented\n`);
    process.exit(125);
}
