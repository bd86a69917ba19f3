/**
 * HTTP driver entry: `node dist/server.mjs` (what `npm start` and the container run).
 *
 * It only turns on Node's module compile cache, then loads the server: static imports would be compiled before this
 * line ran. V8's code for the start-up modules ships in dist/compile-cache (build.mjs), so even a new container's
 * first start skips compiling them (scripts/compile-cache.mjs; Node keeps it per user id, and the image makes it for
 * its `node` user); NODE_COMPILE_CACHE names another directory, NODE_DISABLE_COMPILE_CACHE=1 turns it off. Without
 * the shipped directory (running from the sources), or without one this user may use, os.tmpdir()/node-compile-cache.
 */
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const shipped = fileURLToPath(new URL('./compile-cache', import.meta.url));
const enabled = nodeModule.enableCompileCache?.(!process.env.NODE_COMPILE_CACHE && existsSync(shipped) ? { directory: shipped, portable: true } : undefined);
// Made for another user and not writable by this one: the temporary directory's cache instead.
if (enabled?.status === nodeModule.constants.compileCacheStatus?.FAILED && !process.env.NODE_DISABLE_COMPILE_CACHE) nodeModule.enableCompileCache();
// The embedded database's worker starts (and, with the default settings, the database starts opening in it) before
// the rest of the program loads.
await import('./embedded-engine.ts');
await import('./serve.ts');
