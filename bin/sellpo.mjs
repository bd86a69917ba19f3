#!/usr/bin/env node
// The `sellpo` command: build if needed, then run the bundled CLI.
import { ensureProjectNode } from '../scripts/project-node.mjs';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

// A batch (`--each`) runs with the young generation BATCH_NODE_FLAGS in adapters/cli/main.ts explains; set here,
// before the CLI loads, it costs one node start instead of loading the CLI twice.
ensureProjectNode(process.argv.includes('--each') ? ['--max-semi-space-size=4'] : []);
ensureBuilt('dist/cli.mjs');
const { main } = await import('../dist/cli.mjs');
await main();
