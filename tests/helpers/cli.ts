import { PassThrough } from 'node:stream';
import { runCli } from '../../adapters/cli/main.ts';

/**
 * Runs `sellpo <argv>` in this process with the given environment (over quiet logs and an in-memory embedded
 * database, never the developer's ./.data); returns the exit code and both outputs.
 */
export const runCapturedCli = async (argv: string[], overrides: Record<string, string> = {}) => {
  const env = { LOG_LEVEL: 'ERROR', DATA_DIR: 'memory://', ...overrides };
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d));
  err.on('data', (d: Buffer) => (stderr += d));
  const code = await runCli(argv, { out, err }, env);
  return { code, stdout, stderr };
};
