/**
 * CLI driver: `sellpo <command>`. Commands call handlers directly with the same v2 events the HTTP driver
 * builds, or operate the platform (migrations, tenants, ...). Results go to stdout, logs and progress to stderr.
 * Exit codes: 0 success, 1 an error response or a failed operation, 2 bad usage.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BATCH_NODE_FLAGS, ensureProjectNode } from '../../bin/node-runtime.mjs';
import { endpoints } from '../../handlers/registry.ts';
import { buildRuntime, type Runtime } from '../composition.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { parse, type CliIO, type Command } from './commands.ts';
import { UsageError } from './usage.ts';
import { invokeCommand, openapiCommand, routesCommand } from './endpoint-commands.ts';
import { dynamodbCommand, migrateCommand } from './persistence-commands.ts';
import { deploysCommand } from './deploy-commands.ts';
import { accessCommands } from './access-commands.ts';
import { inventoryCommand } from './inventory-commands.ts';

/**
 * The operator's own tool: unmetered, providers on first use, no background work, logs on stderr (stdout
 * carries results), no access lines, and credentials checked once a minute (a batch signs every line with one key).
 */
const cliProfile = { endpoints, eagerProviders: false, background: false, meter: false, metrics: 'requests', logSink: 'stderr', accessLog: null, cacheCredentialsMs: 60_000 } as const;

export const commands: Command[] = [routesCommand, invokeCommand, openapiCommand, migrateCommand, dynamodbCommand, ...accessCommands, inventoryCommand, deploysCommand];

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
      runtime: async () => (runtime ??= await buildRuntime(config, cliProfile)),
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

/** Runs the command line of this process and exits with its code once stdout has drained. */
export const main = async (): Promise<void> => {
  // A batch started without its node flags (`node dist/cli.mjs ... --each`) re-runs with them.
  if (process.argv.includes('--each')) await ensureProjectNode(BATCH_NODE_FLAGS);
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
