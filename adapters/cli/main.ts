/**
 * CLI driver: `sellpo <command>`. Commands call handlers directly with the same v2 events the HTTP driver
 * builds, or operate the platform (migrations, tenants, ...). Results go to stdout, logs and progress to stderr.
 * Exit codes: 0 success, 1 an error response or a failed operation, 2 bad usage.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { endpoints } from '../../handlers/registry.ts';
import { buildRuntime, type Runtime } from '../composition.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { parse, type CliIO, type Command } from './commands.ts';
import { UsageError } from './usage.ts';
import { invokeCommand, openapiCommand, routesCommand } from './endpoint-commands.ts';
import { dynamodbCommand, migrateCommand } from './persistence-commands.ts';
import { accessCommands } from './access-commands.ts';

export const commands: Command[] = [routesCommand, invokeCommand, openapiCommand, migrateCommand, dynamodbCommand, ...accessCommands];

const help = (): string =>
  `usage: sellpo <command> [options]\n\ncommands:\n${commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}\n\n` +
  'Run `sellpo <command> --help` for its options.\n';

export const runCli = async (argv: string[], io: Pick<CliIO, 'out' | 'err'>, env = process.env): Promise<number> => {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err.write(`sellpo: unknown command ${JSON.stringify(name)}\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out.write(`${command.usage}\n`);
    return 0;
  }
  let runtime: Runtime | undefined;
  try {
    const config = loadConfig(env);
    const args = parse(command, rest);
    return await command.run(args as never, {
      ...io,
      config,
      runtime: async () => (runtime ??= await buildRuntime(config, { endpoints, mode: 'cli', accessLog: null, cacheCredentialsMs: 60_000 })),
    });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`sellpo ${command.name}: ${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err.write(`sellpo: ${error.message}\n`);
      return 2;
    }
    io.err.write(`sellpo ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await runtime?.close();
  }
};

/**
 * Node flags for batch runs (`--each`), both measured on 1,000,000 priced rows (PostgreSQL, summary view):
 * - a 4 MB young generation: V8's default semi-spaces grow to tens of MB under a batch's steady stream of
 *   short-lived objects (222 MB peak RSS, 171,000 rows/s; with 4 MB: 129 MB, 180,000 rows/s);
 * - no allocation-site pretenuring: when V8 saw parsed rows survive a collection it began allocating them in
 *   the old generation, where they died expensively; half the runs then fell to about 160,000 rows/s at
 *   190-260 MB with GC threads busy (six runs without it: 206,000-218,000 rows/s, 123-137 MB);
 * - WebAssembly compiled by Liftoff only: a batch uses the embedded database (PGlite) just to check its key,
 *   and PGlite's optimising compile is what peaks (opening it: 645 MB and 0.57 s, Liftoff only: 264 MB and
 *   0.28 s; a batch on the embedded database peaked at 852 MB, with it 308 MB at the same speed).
 * V8 takes them only at start, so a batch started without them runs in a child started with them;
 * bin/sellpo.mjs and container/entrypoint.sh pass the same flags (a test keeps the three lists equal).
 */
export const BATCH_NODE_FLAGS = ['--max-semi-space-size=4', '--no-allocation-site-pretenuring', '--liftoff-only'];

const flagName = (flag: string) => flag.split('=')[0];

const rerunForBatch = (argv: string[]): Promise<number> | null => {
  if (!argv.includes('--each')) return null;
  const missing = BATCH_NODE_FLAGS.filter((f) => !process.execArgv.some((a) => flagName(a) === flagName(f)));
  if (missing.length === 0) return null;
  const script = process.argv[1];
  if (!script) return null;
  const child = spawn(process.execPath, [...missing, ...process.execArgv, script, ...argv], { stdio: 'inherit' });
  // Ctrl-C reaches the child too (same process group); the parent waits for it and reports its exit.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`sellpo: could not start the batch process: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
  });
};

/** Runs the command line of this process and exits with its code once stdout has drained. */
export const main = async (): Promise<void> => {
  const rerun = rerunForBatch(process.argv.slice(2));
  if (rerun) process.exit(await rerun);
  const code = await runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr });
  // Exit after stdout drains (large results piped to another program), even if a client keeps a handle open.
  process.stdout.write('', () => process.exit(code));
};

// `node dist/cli.mjs ...` or `node adapters/cli/main.ts ...` run it; bin/sellpo.mjs and tests import it.
const invokedPath = (() => {
  try {
    return process.argv[1] ? realpathSync(process.argv[1]) : '';
  } catch {
    return '';
  }
})();
if (invokedPath === fileURLToPath(import.meta.url)) await main();
