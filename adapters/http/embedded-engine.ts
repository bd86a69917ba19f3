/**
 * Imported first by the server's entry, so it runs before the rest of the program loads: when the embedded database
 * will be opened (no DATABASE_URL), PGlite's engine starts compiling now, off the main thread, while the modules load.
 */
import { prepareEmbeddedEngine } from '../postgres/pglite.ts';

if (!process.env.DATABASE_URL) void prepareEmbeddedEngine();
