/**
 * The HTTP server: config, runtime and listen (loaded by main.ts once the compile cache is on and the embedded
 * database has started opening).
 */
import { endpoints } from '../../handlers/registry.ts';
import { ConfigError } from '../config.ts';
import { runServer } from './start.ts';

runServer(endpoints).catch((error: unknown) => {
  // Some settings are only checked while the runtime is built (a flag file that does not parse): same exit as config.
  if (error instanceof ConfigError) {
    process.stderr.write(`sellpo: cannot start.\n${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`sellpo: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
