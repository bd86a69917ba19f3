/** HTTP driver entry: `node dist/server.mjs` (what `npm start` and the container run). */
// First, before the rest of the program is even loaded: the embedded database's worker starts (and, with the default
// settings, the database starts opening in it) while the rest loads here.
import './embedded-engine.ts';

await import('./run.ts');
