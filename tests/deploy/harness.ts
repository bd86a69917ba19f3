import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** The project's Node 24 first on PATH, as in the image. */
export const nodeBin = process.execPath;
export const pathWithNode = `${nodeBin.slice(0, nodeBin.lastIndexOf('/'))}:${process.env.PATH ?? '/usr/bin:/bin'}`;

const created: string[] = [];
export const tempDir = (name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `sellpo-${name}-`));
  created.push(dir);
  return dir;
};
/** Removes every directory tempDir made in this test file (call from afterAll, after stopping processes). */
export const removeTempDirs = (): void => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
};

/**
 * The image's /app layout (container/assemble.mjs), built from this checkout's dist/ and node_modules/.
 * SELLPO_DEPLOY_TEST_APP runs the suites against an already assembled app instead (a release candidate).
 */
export const assembleApp = (): string => {
  if (process.env.SELLPO_DEPLOY_TEST_APP) return process.env.SELLPO_DEPLOY_TEST_APP;
  const out = join(tempDir('app'), 'app');
  execFileSync(nodeBin, ['container/assemble.mjs', out], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
};

/**
 * A free port below Linux's ephemeral range (32768-60999). The apps under test start their provider sandboxes on
 * port 0 before they listen themselves, so a port taken from the ephemeral range and released could be handed to
 * one of those sandboxes first (seen as EADDRINUSE on green's port).
 */
export const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
};

export const waitForPort = async (port: number, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
};

/** nginx from PATH or /usr/sbin; installs the Debian package when missing (the suite runs as root). */
export const ensureNginx = (): string => {
  const find = () => ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'].find((p) => existsSync(p));
  let bin = find();
  if (bin) return bin;
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'pipe', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 300_000 });
  const update = apt(['update']);
  const install = update.status === 0 ? apt(['install', '-y', '--no-install-recommends', 'nginx']) : update;
  bin = find();
  if (!bin) {
    throw new Error(
      `nginx is not installed and \`apt-get install nginx\` failed (status ${install.status}; needs root and the Debian mirror):\n` +
        `${install.stderr?.toString().slice(-800) ?? install.error?.message}`,
    );
  }
  return bin;
};

export interface Nginx {
  bin: string;
  port: number;
  url: string;
  prefix: string;
  conf: string;
  /** Holds upstreams.conf and the live-<colour> marker (what deploy.mjs calls --nginx-dir). */
  nginxDir: string;
  stop(): Promise<void>;
  errorLog(): string;
}

/**
 * Runs nginx with the repository's site config (container/nginx/sellpo.conf) under a temporary prefix, on a
 * loopback port: only the listen line and log paths are substituted, so the tested config is the shipped one.
 */
export const startNginx = async (options: { port: number }): Promise<Nginx> => {
  const bin = ensureNginx();
  const prefix = tempDir('nginx');
  // nginx's workers run as an unprivileged user: they must be able to stat the live-<colour> marker.
  chmodSync(prefix, 0o755);
  const confDir = join(prefix, 'conf');
  mkdirSync(join(confDir, 'sellpo'), { recursive: true });
  mkdirSync(join(prefix, 'logs'));
  const template = readFileSync(join(root, 'container/nginx/sellpo.conf'), 'utf8');
  const nginxDir = join(confDir, 'sellpo');
  const site = template
    .replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${options.port};`)
    .replaceAll('/var/log/nginx/', `${prefix}/logs/`)
    .replaceAll('/etc/nginx/sellpo/', `${nginxDir}/`);
  if (!site.includes(`listen 127.0.0.1:${options.port};`) || !site.includes(`${nginxDir}/live-blue`)) {
    throw new Error('container/nginx/sellpo.conf changed shape: the test substitutes `listen 80;`, /var/log/nginx/ and /etc/nginx/sellpo/');
  }
  writeFileSync(join(confDir, 'sellpo.conf'), site);
  // A new host: the shipped upstreams.conf (ports 3001/3002) and no live marker yet.
  writeFileSync(join(nginxDir, 'upstreams.conf'), readFileSync(join(root, 'container/nginx/upstreams.conf'), 'utf8'));
  const conf = join(confDir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'worker_processes 1;',
      `pid ${prefix}/logs/nginx.pid;`,
      `error_log ${prefix}/logs/error.log warn;`,
      'events { worker_connections 512; }',
      'http {',
      '  default_type application/octet-stream;',
      '  include sellpo.conf;',
      '}',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(bin, ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([waitForPort(options.port), exited.then(() => Promise.reject(new Error(`nginx exited: ${stderr}`)))]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    bin,
    port: options.port,
    url: `http://127.0.0.1:${options.port}`,
    prefix,
    conf,
    nginxDir,
    errorLog: () => readFileSync(join(prefix, 'logs/error.log'), 'utf8') + stderr,
    async stop() {
      // SIGQUIT: graceful stop of master and workers.
      child.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
};

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a node script asynchronously (so a load generator in this process keeps running meanwhile). */
export const runNode = (args: string[], env: Record<string, string | undefined> = {}): Promise<CommandResult> =>
  new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(nodeBin, args, { cwd: root, env: { ...process.env, PATH: pathWithNode, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started) }));
  });

export const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
};

/**
 * What a child writes on stdout and stderr, with `waitFor(pattern)`: resolves with the first match as soon as
 * the output contains it (checked on every chunk, never by sleeping); rejects when the child exits without it
 * or after `timeoutMs`, a failure bound only.
 */
export const watchOutput = (child: ChildProcess) => {
  let text = '';
  const watchers = new Set<() => void>();
  const onChunk = (chunk: Buffer) => {
    text += chunk;
    for (const check of [...watchers]) check();
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);
  child.once('close', () => {
    for (const check of [...watchers]) check();
  });
  return {
    text: () => text,
    waitFor: (pattern: RegExp | string, timeoutMs = 45_000): Promise<RegExpExecArray> =>
      new Promise((resolve, reject) => {
        const find = () => (typeof pattern === 'string' ? (text.includes(pattern) ? Object.assign([pattern], { index: text.indexOf(pattern), input: text }) as RegExpExecArray : null) : pattern.exec(text));
        const done = () => {
          watchers.delete(check);
          clearTimeout(bound);
        };
        const check = () => {
          const match = find();
          if (match) return done(), resolve(match);
          if (child.exitCode !== null || child.signalCode !== null) done(), reject(new Error(`the process ended (${child.exitCode ?? child.signalCode}) without writing ${pattern}:\n${text}`));
        };
        const bound = setTimeout(() => (done(), reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${text}`))), timeoutMs);
        watchers.add(check);
        check();
      }),
  };
};
