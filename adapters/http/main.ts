/** HTTP driver entry: `node dist/server.mjs` (what `npm start` and the container run). */
import { endpoints } from '../../handlers/registry.ts';
import { runServer } from './start.ts';

runServer(endpoints).catch((error: unknown) => {
  process.stderr.write(`sellpo: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
