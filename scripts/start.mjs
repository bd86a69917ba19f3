#!/usr/bin/env node
// `npm start`: build if needed, then run the bundled HTTP server in this process.
import { ensureProjectNode } from '../bin/node-runtime.mjs';
import { ensureBuilt } from './ensure-built.mjs';

await ensureProjectNode();
ensureBuilt('dist/server.mjs');
await import('../dist/server.mjs');
