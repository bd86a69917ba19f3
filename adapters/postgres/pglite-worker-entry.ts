/**
 * The entry of the embedded database's worker thread in a build (dist/pglite-worker.mjs; adapters/postgres/pglite.ts
 * starts it). A worker does not share the main thread's module compile cache (adapters/http/main.ts), so it turns on
 * the one shipped next to it first, then loads the worker: PGlite's JavaScript (about 600 kB, with its Emscripten
 * runtime) and its socket server are then read from V8's cached code instead of compiled on the thread that restores
 * the copy and starts PostgreSQL. The build writes their entries too (scripts/compile-cache.mjs). Running from the
 * sources, the worker is adapters/postgres/pglite-worker.ts itself.
 */
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const shipped = fileURLToPath(new URL('./compile-cache', import.meta.url));
// As the server's entry does: NODE_COMPILE_CACHE names another directory (Node turns it on for every thread itself),
// NODE_DISABLE_COMPILE_CACHE=1 turns it off, and a shipped directory this user may not use is left alone.
if (!process.env.NODE_COMPILE_CACHE && existsSync(shipped)) nodeModule.enableCompileCache?.({ directory: shipped, portable: true });
await import('./pglite-worker.ts');
