/**
 * Imported first by the server's entry, so it runs before the rest of the program loads: when the embedded database
 * will be opened (no DATABASE_URL), its worker thread starts now and compiles PGlite's engine and loads PGlite while
 * the modules load here.
 */
import { prepareEmbeddedEngine } from '../postgres/pglite.ts';

if (!process.env.DATABASE_URL) prepareEmbeddedEngine();
