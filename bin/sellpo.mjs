#!/usr/bin/env node
// The `sellpo` command: build if needed, then run the bundled CLI.
import * as nodeModule from 'node:module';
import { BATCH_NODE_FLAGS, ensureProjectNode } from '../bin/node-runtime.mjs';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

// A batch (`--each`) runs with BATCH_NODE_FLAGS; set here, before the CLI loads, they cost one node start
// instead of loading the CLI twice.
await ensureProjectNode(process.argv.includes('--each') ? BATCH_NODE_FLAGS : []);
ensureBuilt('dist/cli.mjs');
// V8's code for the CLI's modules is kept on disk (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE), so each
// later command skips compiling them; on before the import, which is what it would compile.
nodeModule.enableCompileCache?.();
const { main } = await import('../dist/cli.mjs');
await main();
