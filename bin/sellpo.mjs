#!/usr/bin/env node
// The `sellpo` command: build if needed, then run the bundled CLI.
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BATCH_NODE_FLAGS, ensureProjectNode } from '../bin/node-runtime.mjs';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

// A batch (`--each`) runs with BATCH_NODE_FLAGS; set here, before the CLI loads, they cost one node start
// instead of loading the CLI twice.
await ensureProjectNode(process.argv.includes('--each') ? BATCH_NODE_FLAGS : []);
ensureBuilt('dist/cli.mjs');
// V8's code for the CLI's modules is kept on disk, in the user's own cache (~/.cache/sellpo/compile-cache, or
// NODE_COMPILE_CACHE), so each later command skips compiling them; a shared temporary directory would let another
// user of the machine own it. On before the import, which is what it would compile.
nodeModule.enableCompileCache?.(process.env.NODE_COMPILE_CACHE ? undefined : join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sellpo', 'compile-cache'));
const { main } = await import('../dist/cli.mjs');
await main();
