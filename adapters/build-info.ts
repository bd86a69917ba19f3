import { readFileSync } from 'node:fs';
import type { BuildInfo } from '../core/ports.ts';
import { API_VERSION, OLDEST_API_VERSION } from '../handlers/toolkit.ts';

// Set by build.mjs (esbuild `define`); absent when running from sources (tests, `node adapters/...`).
declare const __SELLPO_BUILD__: { version: string; commit: string; builtAt: string } | undefined;

export const buildInfo = (commitOverride?: string): BuildInfo => {
  const built =
    typeof __SELLPO_BUILD__ !== 'undefined'
      ? __SELLPO_BUILD__
      : {
          version: (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
          commit: 'unknown',
          builtAt: 'unbuilt',
        };
  return { ...built, commit: commitOverride ?? built.commit, apiVersion: API_VERSION, oldestApiVersion: OLDEST_API_VERSION };
};
