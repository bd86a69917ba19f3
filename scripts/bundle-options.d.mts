import type { BuildOptions } from 'esbuild';
/** Packages left out of the bundles (native or WASM). */
export declare const externals: string[];
/** The esbuild options every bundle is built with. */
export declare const bundleOptions: (buildInfo: unknown) => BuildOptions;
