import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Writable } from 'node:stream';
import type { Runtime } from '../composition.ts';
import type { Config } from '../config.ts';
import { UsageError } from './usage.ts';

export interface CliIO {
  out: Writable;
  err: Writable;
  config: Config;
  /** Builds the runtime (ports, handlers) on first use: `sellpo routes` needs none of it. */
  runtime(): Promise<Runtime>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Exit code: 0 success, 1 the operation failed or answered an error, 2 bad usage. */
  run(args: { values: Record<string, unknown>; positionals: string[] }, io: CliIO): Promise<number>;
}

export const parse = (command: Command, argv: string[]) => {
  try {
    return parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
};
