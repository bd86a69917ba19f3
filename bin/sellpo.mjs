#!/usr/bin/env node
// The `sellpo` command: build if needed, then run the bundled CLI.
import { ensureProjectNode } from '../scripts/project-node.mjs';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

ensureProjectNode();
ensureBuilt('dist/cli.mjs');
const { main } = await import('../dist/cli.mjs');
await main();
