#!/usr/bin/env node
// The `sellpo` command: build if needed, then run the bundled CLI.
import { ensureProjectNode } from '../scripts/project-node.mjs';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

// A batch (`--each`) runs with BATCH_NODE_FLAGS (adapters/cli/main.ts says why); set here, before the CLI loads,
// they cost one node start instead of loading the CLI twice.
ensureProjectNode(process.argv.includes('--each') ? ['--max-semi-space-size=4', '--no-allocation-site-pretenuring', '--liftoff-only'] : []);
ensureBuilt('dist/cli.mjs');
const { main } = await import('../dist/cli.mjs');
await main();
