#!/usr/bin/env node
// The `sellpo` command: build if needed, then run the bundled CLI.
import { BATCH_NODE_FLAGS, ensureProjectNode } from '../bin/node-runtime.mjs';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

// A batch (`--each`) runs with BATCH_NODE_FLAGS; set here, before the CLI loads, they cost one node start
// instead of loading the CLI twice.
await ensureProjectNode(process.argv.includes('--each') ? BATCH_NODE_FLAGS : []);
ensureBuilt('dist/cli.mjs');
const { main } = await import('../dist/cli.mjs');
await main();
