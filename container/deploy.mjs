#!/usr/bin/env node
// Blue/green deploy of Sell-Po behind nginx. One command for a host with docker and for plain processes.
//
//   node container/deploy.mjs deploy   [options]   start the idle colour, wait for /health, smoke-test it,
//                                                  make it live in nginx, drain and stop the old colour
//   node container/deploy.mjs rollback [options]   point nginx back at the previous colour, if it still runs
//   node container/deploy.mjs status   [options]   the active colour and what runs
//   node container/deploy.mjs stop <blue|green>    stop an idle colour (refuses the active one)
//
// Options (environment variable in brackets):
//   --runner docker|process  [SELLPO_RUNNER, default docker]
//   --image <ref>            docker: the image to deploy [SELLPO_IMAGE]
//   --app-dir <dir>          process: the app directory holding dist/ and container/ [SELLPO_APP_DIR,
//                            default: the checkout this script lives in]
//   --node <path>            process: the node binary (Node 24) [SELLPO_NODE, default: the node running this]
//   --env KEY=VALUE          environment for the new colour (repeatable)
//   --env-file <file>        KEY=VALUE lines for the new colour [SELLPO_ENV_FILE]
//   --state-dir <dir>        active colour, pid files, logs, lock [SELLPO_STATE_DIR, default /var/lib/sellpo-deploy]
//   --nginx-dir <dir>        holds upstreams.conf (both colours' ports) and the live-<colour> marker that nginx
//                            checks per request [SELLPO_NGINX_DIR, default /etc/nginx/sellpo]
//   --nginx <bin>            [SELLPO_NGINX, default nginx]
//   --nginx-prefix <dir>     passed as nginx -p [SELLPO_NGINX_PREFIX]
//   --nginx-conf <file>      passed as nginx -c [SELLPO_NGINX_CONF]
//   --nginx-url <url>        nginx's own address; when set, the flip is confirmed through it (X-Served-By)
//                            [SELLPO_NGINX_URL]
//   --blue-port <n> --green-port <n>   [SELLPO_BLUE_PORT=3001, SELLPO_GREEN_PORT=3002]
//   --expect-version <v>     the smoke test requires /v1/meta to report this version
//   --smoke-token <token>    bearer token for the smoke test's POST check [SMOKE_TOKEN]
//   --health-timeout <s>     how long the new colour has to answer /health [default 60]
//   --confirm-timeout <s>    with --nginx-url: how long nginx has to follow the flip before it is undone [default 10]
//   --drain <s>              wait after the flip before stopping the old colour [default 5]
//   --stop-timeout <s>       after SIGTERM, wait this long before SIGKILL [default 30; above SHUTDOWN_TIMEOUT_MS]
//   --keep-previous          leave the old colour running, idle, so `rollback` is instant
//   --commit <sha>           the commit being deployed, for the deploy log [SELLPO_COMMIT; default: git in --app-dir]
//   --commit-time <iso>      when it was committed (lead time) [SELLPO_COMMIT_TIME; default: git in --app-dir]
//   --deploy-log <file>      one JSON line per deploy and rollback, for `sellpo deploys stats` (DORA)
//                            [SELLPO_DEPLOY_LOG, default <state-dir>/deploys.jsonl]
//
// Exit codes: 0 done, 1 the command failed (a failed deploy leaves nginx on the old colour), 2 bad usage.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSmoke, runSmoke } from './smoke.mjs';

const COLOURS = ['blue', 'green'];
const other = (colour) => (colour === 'blue' ? 'green' : 'blue');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = performance.now();
const log = (message) => process.stdout.write(`deploy [${((performance.now() - started) / 1000).toFixed(2)}s] ${message}\n`);

class Failure extends Error {}
class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------- options
const parseOptions = (argv, env) => {
  const o = {
    runner: env.SELLPO_RUNNER ?? 'docker',
    image: env.SELLPO_IMAGE,
    appDir: env.SELLPO_APP_DIR ?? fileURLToPath(new URL('..', import.meta.url)),
    node: env.SELLPO_NODE ?? process.execPath,
    env: [],
    envFile: env.SELLPO_ENV_FILE,
    stateDir: env.SELLPO_STATE_DIR ?? '/var/lib/sellpo-deploy',
    nginxDir: env.SELLPO_NGINX_DIR ?? '/etc/nginx/sellpo',
    nginx: env.SELLPO_NGINX ?? 'nginx',
    nginxPrefix: env.SELLPO_NGINX_PREFIX,
    nginxConf: env.SELLPO_NGINX_CONF,
    nginxUrl: env.SELLPO_NGINX_URL,
    ports: { blue: env.SELLPO_BLUE_PORT ?? '3001', green: env.SELLPO_GREEN_PORT ?? '3002' },
    expectVersion: undefined,
    smokeToken: env.SMOKE_TOKEN,
    healthTimeout: '60',
    confirmTimeout: '10',
    drain: '5',
    stopTimeout: '30',
    keepPrevious: false,
    commit: env.SELLPO_COMMIT,
    commitTime: env.SELLPO_COMMIT_TIME,
    deployLog: env.SELLPO_DEPLOY_LOG,
    positional: [],
  };
  const valued = {
    '--runner': 'runner', '--image': 'image', '--app-dir': 'appDir', '--node': 'node', '--env-file': 'envFile',
    '--state-dir': 'stateDir', '--nginx-dir': 'nginxDir', '--nginx': 'nginx', '--nginx-prefix': 'nginxPrefix',
    '--nginx-conf': 'nginxConf', '--nginx-url': 'nginxUrl', '--expect-version': 'expectVersion', '--smoke-token': 'smokeToken',
    '--commit': 'commit', '--commit-time': 'commitTime', '--deploy-log': 'deployLog',
    '--health-timeout': 'healthTimeout', '--confirm-timeout': 'confirmTimeout', '--drain': 'drain', '--stop-timeout': 'stopTimeout',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (name in valued) o[valued[name]] = value();
    else if (name === '--env') o.env.push(value());
    else if (name === '--blue-port') o.ports.blue = value();
    else if (name === '--green-port') o.ports.green = value();
    else if (name === '--keep-previous') o.keepPrevious = true;
    else if (name === '--help' || name === '-h') o.help = true;
    else if (name.startsWith('--')) throw new UsageError(`unknown option ${name}`);
    else o.positional.push(arg);
  }
  if (!['docker', 'process'].includes(o.runner)) throw new UsageError(`--runner must be docker or process, got ${JSON.stringify(o.runner)}`);
  for (const colour of COLOURS) {
    const n = Number(o.ports[colour]);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${colour}-port must be a port number, got ${JSON.stringify(o.ports[colour])}`);
    o.ports[colour] = n;
  }
  if (o.ports.blue === o.ports.green) throw new UsageError('blue and green need different ports');
  for (const key of ['healthTimeout', 'confirmTimeout', 'drain', 'stopTimeout']) {
    const n = Number(o[key]);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a number of seconds, got ${JSON.stringify(o[key])}`);
    o[key] = n * 1000;
  }
  for (const pair of o.env) if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(pair)) throw new UsageError(`--env expects KEY=VALUE, got ${JSON.stringify(pair)}`);
  if (o.commitTime !== undefined && (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(o.commitTime) || Number.isNaN(Date.parse(o.commitTime)))) {
    throw new UsageError(`--commit-time expects an ISO 8601 time like 2027-03-01T09:30:00Z, got ${JSON.stringify(o.commitTime)}`);
  }
  o.appDir = resolve(o.appDir);
  o.stateDir = resolve(o.stateDir);
  o.deployLog = resolve(o.deployLog ?? join(o.stateDir, 'deploys.jsonl'));
  o.nginxDir = resolve(o.nginxDir);
  return o;
};

/** KEY=VALUE lines (blank lines and # comments ignored), as docker's --env-file reads them. */
const readEnvFile = (file) => {
  const out = {};
  for (const [n, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    const text = line.trim();
    if (!text || text.startsWith('#')) continue;
    const eq = text.indexOf('=');
    if (eq < 1) throw new UsageError(`${file}:${n + 1}: expected KEY=VALUE`);
    out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
};

const colourEnv = (o) => {
  const env = o.envFile ? readEnvFile(o.envFile) : {};
  for (const pair of o.env) env[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
  return env;
};

// ---------------------------------------------------------------------------------------------- runners
// A runner starts, inspects and stops one colour. Both keep the same contract so the deploy logic is one.

const run = (cmd, args, options = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.error) throw new Failure(`${cmd} ${args[0] ?? ''}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

const tail = (text, lines = 15) => text.trimEnd().split('\n').slice(-lines).map((l) => `    | ${l}`).join('\n');

const processRunner = (o) => {
  const pidFile = (colour) => join(o.stateDir, `${colour}.pid`);
  const logFile = (colour) => join(o.stateDir, `${colour}.log`);
  const entry = join(o.appDir, 'container/entrypoint.sh');
  const children = new Map();

  // Alive and really ours: not a zombie, and still the entry point's node (pid files outlive reboots).
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    if (process.platform !== 'linux') return true;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
      // The entry script until it execs node, then node itself.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes('container/entrypoint.sh') || cmdline.includes('dist/server.mjs');
    } catch {
      return false;
    }
  };
  const pidOf = (colour) => {
    if (!existsSync(pidFile(colour))) return undefined;
    const pid = Number(readFileSync(pidFile(colour), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  };

  return {
    describe: (colour) => `process on 127.0.0.1:${o.ports[colour]}`,
    async start(colour) {
      if (!existsSync(join(o.appDir, 'dist/server.mjs'))) throw new Failure(`${o.appDir}/dist/server.mjs is missing: build first (node build.mjs)`);
      const out = openSync(logFile(colour), 'a');
      const env = {
        ...process.env,
        HOST: '127.0.0.1',
        ...colourEnv(o),
        PORT: String(o.ports[colour]),
        PATH: `${dirname(o.node)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      };
      // Detached, in its own process group, so it outlives this command (the colour serves after we exit).
      const child = spawn('/bin/sh', [entry, 'http'], { cwd: o.appDir, env, detached: true, stdio: ['ignore', out, out] });
      closeSync(out);
      const state = { exit: undefined };
      child.on('exit', (code, signal) => (state.exit = signal ?? code));
      child.unref();
      children.set(colour, state);
      writeFileSync(pidFile(colour), `${child.pid}\n`);
    },
    running(colour) {
      const pid = pidOf(colour);
      return pid !== undefined && alive(pid);
    },
    exited(colour) {
      // A child of this command: its exit event is exact (a zombie would still pass kill(pid, 0)).
      const state = children.get(colour);
      if (state) return state.exit === undefined ? undefined : `exited (${state.exit})`;
      return this.running(colour) ? undefined : 'is not running';
    },
    logs: (colour) => (existsSync(logFile(colour)) ? tail(readFileSync(logFile(colour), 'utf8')) : ''),
    async stop(colour) {
      const pid = pidOf(colour);
      if (pid === undefined || !alive(pid)) {
        rmSync(pidFile(colour), { force: true });
        return 'was not running';
      }
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + o.stopTimeout;
      while (alive(pid) && Date.now() < deadline) await sleep(50);
      let how = 'stopped (SIGTERM)';
      if (alive(pid)) {
        process.kill(pid, 'SIGKILL');
        how = `killed (SIGKILL after ${o.stopTimeout / 1000} s)`;
        while (alive(pid)) await sleep(50);
      }
      rmSync(pidFile(colour), { force: true });
      return how;
    },
  };
};

const dockerRunner = (o) => {
  const name = (colour) => `sellpo-${colour}`;
  const inspect = (colour) => {
    const r = run('docker', ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name(colour)]);
    if (r.status !== 0) return undefined;
    const [status, code] = r.stdout.trim().split(' ');
    return { status, code };
  };
  return {
    describe: (colour) => `container ${name(colour)} on 127.0.0.1:${o.ports[colour]}`,
    async start(colour) {
      if (!o.image) throw new UsageError('the docker runner needs --image (or SELLPO_IMAGE)');
      run('docker', ['rm', '-f', name(colour)]);
      const args = ['run', '-d', '--name', name(colour), '--restart', 'unless-stopped', '--label', `sellpo.colour=${colour}`];
      // Published on loopback only: nginx is the way in. The stop timeout covers the app's graceful shutdown.
      args.push('-p', `127.0.0.1:${o.ports[colour]}:3000`, '--stop-timeout', String(Math.ceil(o.stopTimeout / 1000)));
      if (o.envFile) args.push('--env-file', o.envFile);
      for (const pair of o.env) args.push('-e', pair);
      args.push(o.image, 'http');
      const r = run('docker', args);
      if (r.status !== 0) throw new Failure(`docker run failed:\n${tail(r.stderr)}`);
    },
    running: (colour) => inspect(colour)?.status === 'running',
    exited(colour) {
      const s = inspect(colour);
      if (!s) return 'is gone';
      return s.status === 'running' || s.status === 'created' ? undefined : `${s.status} (exit code ${s.code})`;
    },
    logs(colour) {
      const r = run('docker', ['logs', '--tail', '15', name(colour)]);
      return tail(r.stdout + r.stderr);
    },
    async stop(colour) {
      if (!inspect(colour)) return 'was not running';
      // docker stop sends SIGTERM, then SIGKILL after -t seconds.
      const r = run('docker', ['stop', '-t', String(Math.ceil(o.stopTimeout / 1000)), name(colour)]);
      const code = inspect(colour)?.code;
      run('docker', ['rm', name(colour)]);
      if (r.status !== 0) throw new Failure(`docker stop ${name(colour)} failed:\n${tail(r.stderr)}`);
      return code === '137' ? `killed (SIGKILL after ${o.stopTimeout / 1000} s)` : 'stopped (SIGTERM)';
    },
  };
};

// ---------------------------------------------------------------------------------------------- nginx
const upstreamsText = (o) =>
  `# Both colours' addresses, written by container/deploy.mjs. The live colour is the live-<colour> marker beside
# this file (checked by nginx on every request), so a flip needs no reload.
${COLOURS.map(
  (colour) => `upstream sellpo_${colour} {
    server 127.0.0.1:${o.ports[colour]};
    # Idle connections kept to the app; closed after 60 s, before the app's 65 s keep-alive timeout, so nginx
    # never sends a request on a connection the app is closing.
    keepalive 32;
    keepalive_timeout 60s;
}
`,
).join('')}`;

const nginxArgs = (o, ...rest) => [...(o.nginxPrefix ? ['-p', o.nginxPrefix] : []), ...(o.nginxConf ? ['-c', o.nginxConf] : []), ...rest];
const marker = (o, colour) => join(o.nginxDir, `live-${colour}`);
const liveColour = (o) => COLOURS.find((colour) => existsSync(marker(o, colour))) ?? null;

/**
 * Makes sure nginx knows both colours at the configured ports: rewrites upstreams.conf, checks the whole
 * configuration and reloads only when the file changes (a new host, new ports); restores it on failure.
 * Returns the pids of the workers the reload retires, or undefined when nothing changed.
 */
const ensureUpstreams = (o) => {
  const file = join(o.nginxDir, 'upstreams.conf');
  const wanted = upstreamsText(o);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (before === wanted) return undefined;
  mkdirSync(o.nginxDir, { recursive: true });
  writeFileSync(`${file}.tmp`, wanted);
  renameSync(`${file}.tmp`, file);
  const restore = () => (before === undefined ? rmSync(file, { force: true }) : writeFileSync(file, before));
  const test = run(o.nginx, nginxArgs(o, '-t', '-q'));
  if (test.status !== 0) {
    restore();
    throw new Failure(`nginx -t rejected the configuration with the new upstreams.conf (file restored):\n${tail(test.stderr)}`);
  }
  const oldWorkers = nginxWorkers(o);
  const reload = run(o.nginx, nginxArgs(o, '-s', 'reload'));
  if (reload.status !== 0) {
    restore();
    throw new Failure(`nginx -s reload failed (upstreams.conf restored):\n${tail(reload.stderr)}`);
  }
  return oldWorkers;
};

/**
 * Pids of the workers of our nginx (Linux /proc: children of a master started with our -c file, or of every
 * master when no -c is given); elsewhere an empty list, and the wait below becomes a fixed pause.
 */
const nginxWorkers = (o) => {
  if (process.platform !== 'linux') return [];
  const procs = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.startsWith('nginx: ')) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      procs.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  const masters = new Set(procs.filter((p) => p.cmdline.startsWith('nginx: master') && (!o.nginxConf || p.cmdline.includes(o.nginxConf))).map((p) => p.pid));
  return procs.filter((p) => p.cmdline.startsWith('nginx: worker') && masters.has(p.ppid)).map((p) => p.pid);
};

/**
 * A reload is asynchronous: until the old workers exit they still accept requests with the old upstreams.
 * Waits for them (they exit once their in-flight requests finish), at most 15 s.
 */
const waitForOldWorkers = async (pids) => {
  if (process.platform !== 'linux') return sleep(2_000);
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 15_000;
  while (pids.some(alive) && Date.now() < deadline) await sleep(50);
  if (pids.some(alive)) log('nginx workers from before the reload are still finishing requests; continuing');
};

/** The flip itself: one rename, atomic, so every request sees exactly one live colour. */
const makeLive = (o, colour) => {
  const current = liveColour(o);
  if (current === colour) return;
  if (current) renameSync(marker(o, current), marker(o, colour));
  else {
    writeFileSync(`${marker(o, colour)}.tmp`, `${colour}\n`);
    renameSync(`${marker(o, colour)}.tmp`, marker(o, colour));
  }
  // A marker left by hand for the other colour would win in nginx's order of checks: remove it.
  rmSync(marker(o, other(colour)), { force: true });
};

/** Undoes a flip that nginx did not follow: back to `colour`, or no live colour at all on a first deploy. */
const unflip = (o, colour) => {
  if (colour) makeLive(o, colour);
  else for (const c of COLOURS) rmSync(marker(o, c), { force: true });
};

/** Waits until nginx answers from the new colour; returns the milliseconds since the flip, or undefined. */
const confirmFlip = async (o, colour, since) => {
  if (!o.nginxUrl) return undefined;
  const deadline = Date.now() + o.confirmTimeout;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(new URL('/health', o.nginxUrl), { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.headers.get('x-served-by') === colour) return Math.round(performance.now() - since);
    } catch {
      // nginx between workers: try again
    }
    await sleep(20);
  }
  throw new Failure(`nginx at ${o.nginxUrl} still does not answer from ${colour} ${o.confirmTimeout / 1000} s after the flip (check its error log)`);
};

// ---------------------------------------------------------------------------------------------- state
const statePath = (o) => join(o.stateDir, 'state.json');
const readState = (o) => {
  if (existsSync(statePath(o))) return JSON.parse(readFileSync(statePath(o), 'utf8'));
  // No state yet: trust nginx's marker, if any (a host set up by hand).
  return { active: liveColour(o), previous: null, history: [] };
};
const writeState = (o, state) => {
  const tmp = `${statePath(o)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, statePath(o));
};

/** One deploy or rollback at a time per host: a lock file naming its holder; a dead holder's lock is taken over. */
const lock = (o) => {
  const file = join(o.stateDir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      const release = () => rmSync(file, { force: true });
      process.on('exit', release);
      return release;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim());
      let holderAlive = false;
      try {
        process.kill(holder, 0);
        holderAlive = holder !== process.pid;
      } catch {}
      if (holderAlive) throw new Failure(`another deploy (pid ${holder}) holds ${file}`);
      rmSync(file, { force: true });
    }
  }
  throw new Failure(`cannot take ${file}`);
};

const waitHealthy = async (o, runner, colour) => {
  const url = `http://127.0.0.1:${o.ports[colour]}/health`;
  const deadline = Date.now() + o.healthTimeout;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const gone = runner.exited(colour);
    if (gone) throw new Failure(`${colour} ${gone} before answering /health:\n${runner.logs(colour)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      const body = await res.json().catch(() => undefined);
      if (res.status === 200 && body?.status === 'ok') return;
      last = `${res.status} ${JSON.stringify(body)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await sleep(200);
  }
  throw new Failure(`${colour} did not become healthy within ${o.healthTimeout / 1000} s (last: ${last}):\n${runner.logs(colour)}`);
};

// ---------------------------------------------------------------------------------------------- deploy log
/** The commit deployed and its time: as given, else from git in the app directory (process runner), else unknown. */
const commitOf = (o) => {
  let commit = o.commit ?? null;
  let commitTime = o.commitTime ?? null;
  if ((!commit || !commitTime) && o.runner === 'process') {
    const git = spawnSync('git', ['-C', o.appDir, 'log', '-1', '--format=%H%n%cI', ...(commit ? [commit] : [])], { encoding: 'utf8' });
    if (git.status === 0) {
      const [sha, at] = git.stdout.trim().split('\n');
      commit ??= sha || null;
      commitTime ??= at || null;
    }
  }
  return { commit, commitTime };
};

/**
 * Appends one record and syncs it to disk before the command reports, so a crash after a flip cannot lose it
 * (DORA metrics: `sellpo deploys stats`). A log that cannot be written is reported, never fails the deploy.
 */
const record = (o, entry) => {
  try {
    mkdirSync(dirname(o.deployLog), { recursive: true });
    const fd = openSync(o.deployLog, 'a');
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    log(`could not append to the deploy log ${o.deployLog}: ${error.message}`);
  }
};

// ---------------------------------------------------------------------------------------------- commands
const deploy = async (o, runner) => {
  const release = lock(o);
  const state = readState(o);
  const from = state.active;
  const to = from ? other(from) : 'blue';
  log(`active: ${from ?? 'none'}; deploying ${o.runner === 'docker' ? o.image : o.appDir} to ${to} (${runner.describe(to)})`);
  const startedAt = new Date();
  const { commit, commitTime } = commitOf(o);
  let smoke = 'skipped';
  const entry = (result) => ({ kind: 'deploy', result, commit, commitTime, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), durationMs: Date.now() - startedAt.getTime(), smoke, colour: to, ...(o.image ? { image: o.image } : {}) });

  if (runner.running(to)) {
    // The idle colour still runs from an earlier deploy kept for rollback: it serves nothing, replace it.
    log(`${to} still runs from an earlier deploy: ${await runner.stop(to)}`);
  }
  await runner.start(to);
  let flipped = false;
  try {
    await waitHealthy(o, runner, to);
    log(`${to} is healthy`);
    const report = await runSmoke(`http://127.0.0.1:${o.ports[to]}`, { expectVersion: o.expectVersion, token: o.smokeToken });
    process.stdout.write(`${formatSmoke(report)}\n`);
    smoke = report.ok ? 'passed' : 'failed';
    if (!report.ok) throw new Failure(`smoke test failed on ${to}: ${report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.error}`).join('; ')}`);
    log(`${to} passed the smoke test`);
    const retired = ensureUpstreams(o);
    if (retired) {
      await waitForOldWorkers(retired);
      log(`nginx reloaded with upstreams for blue :${o.ports.blue} and green :${o.ports.green}`);
    }
    const flipAt = performance.now();
    makeLive(o, to);
    flipped = true;
    const renamedAt = new Date().toISOString();
    const ms = await confirmFlip(o, to, flipAt);
    log(`nginx now sends traffic to ${to} (live marker renamed at ${renamedAt}${ms === undefined ? '' : `; confirmed through ${o.nginxUrl} ${ms} ms later`})`);
  } catch (error) {
    // nginx did not follow the marker (a site config checking another directory?): point it back first.
    if (flipped) unflip(o, from);
    const how = await runner.stop(to).catch((e) => `could not be stopped: ${e.message}`);
    log(`${to} ${how}; nginx still sends traffic to ${from ?? 'nothing (first deploy)'}`);
    record(o, entry('failed'));
    release();
    throw error;
  }
  record(o, entry('live'));
  writeState(o, {
    active: to,
    previous: from,
    history: [...(state.history ?? []).slice(-19), { colour: to, at: new Date().toISOString(), image: o.image, appDir: o.runner === 'process' ? o.appDir : undefined }],
  });
  if (from && runner.running(from)) {
    if (o.keepPrevious) log(`${from} keeps running idle for \`rollback\` (stop it with \`deploy.mjs stop ${from}\`)`);
    else {
      // Requests that nginx routed to the old colour just before the flip are still running: let them finish.
      log(`draining ${from} for ${o.drain / 1000} s`);
      await sleep(o.drain);
      log(`${from} ${await runner.stop(from)}`);
    }
  }
  release();
  log(`done: ${to} is live`);
};

const rollback = async (o, runner) => {
  const release = lock(o);
  const state = readState(o);
  const { active: from, previous: to } = state;
  if (!from || !to) throw new Failure('nothing to roll back to: no previous colour recorded');
  const startedAt = new Date();
  if (!runner.running(to)) {
    const last = (state.history ?? []).filter((h) => h.colour === to && h.image).at(-1);
    throw new Failure(
      `${to} is not running (it is stopped after a deploy unless --keep-previous is given); ` +
        `deploy the previous version again instead${last?.image ? ` (${last.image})` : ''}`,
    );
  }
  await waitHealthy({ ...o, healthTimeout: Math.min(o.healthTimeout, 5_000) }, runner, to);
  const retired = ensureUpstreams(o);
  if (retired) await waitForOldWorkers(retired);
  const flipAt = performance.now();
  makeLive(o, to);
  const ms = await confirmFlip(o, to, flipAt).catch((error) => {
    unflip(o, from);
    throw error;
  });
  log(`rolled back: nginx sends traffic to ${to}${ms === undefined ? '' : ` (confirmed ${ms} ms after the flip)`}`);
  record(o, { kind: 'rollback', result: 'live', startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), durationMs: Date.now() - startedAt.getTime(), colour: to });
  writeState(o, { ...state, active: to, previous: from, history: [...(state.history ?? []).slice(-19), { colour: to, at: new Date().toISOString(), rollback: true }] });
  if (!o.keepPrevious && runner.running(from)) {
    log(`draining ${from} for ${o.drain / 1000} s`);
    await sleep(o.drain);
    log(`${from} ${await runner.stop(from)}`);
  }
  release();
};

const status = (o, runner) => {
  const state = readState(o);
  process.stdout.write(`active: ${state.active ?? 'none'}\nprevious: ${state.previous ?? 'none'}\n`);
  for (const colour of COLOURS) process.stdout.write(`${colour}: ${runner.running(colour) ? 'running' : 'stopped'} (${runner.describe(colour)})\n`);
};

const stop = async (o, runner, colour) => {
  if (!COLOURS.includes(colour)) throw new UsageError('stop needs blue or green');
  const release = lock(o);
  if (readState(o).active === colour) throw new Failure(`${colour} is the active colour; deploy or roll back first`);
  log(`${colour} ${await runner.stop(colour)}`);
  release();
};

/** The header comment of this file, up to the imports. */
const usage = () => {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  return lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n');
};

const main = async () => {
  let o;
  try {
    o = parseOptions(process.argv.slice(2), process.env);
    if (o.help) {
      process.stdout.write(`${usage()}\n`);
      return 0;
    }
    const [command, ...rest] = o.positional;
    if (!['deploy', 'rollback', 'status', 'stop'].includes(command)) throw new UsageError(command ? `unknown command ${command}` : 'a command is needed');
    if (command !== 'stop' && rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
    mkdirSync(o.stateDir, { recursive: true });
    const runner = o.runner === 'docker' ? dockerRunner(o) : processRunner(o);
    if (command === 'deploy') await deploy(o, runner);
    else if (command === 'rollback') await rollback(o, runner);
    else if (command === 'status') status(o, runner);
    else await stop(o, runner, rest[0]);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`deploy: ${error.message}\n\nRun \`node container/deploy.mjs --help\` for the options.\n`);
      return 2;
    }
    process.stderr.write(`deploy: FAILED: ${error instanceof Failure ? error.message : (error?.stack ?? String(error))}\n`);
    return 1;
  }
};

process.exitCode = await main();
