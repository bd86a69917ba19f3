/**
 * HTTP driver entry: `node dist/server.mjs` (what `npm start` and the container run).
 *
 * It only turns on Node's module compile cache, then loads the server: static imports would be compiled before this
 * line ran. V8's code for the program's modules is then kept on disk (in os.tmpdir()/node-compile-cache, or
 * NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later starts skip compiling them again.
 */
import * as nodeModule from 'node:module';

nodeModule.enableCompileCache?.();
await import('./serve.ts');
