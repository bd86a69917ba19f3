// esbuild options shared by build.mjs and the benchmark, so what is measured is what ships.
// Kept out of the bundles: native or WASM packages that load files next to themselves; the container's
// runtime stage installs exactly these (`node build.mjs --print-externals`).
export const externals = ['aws-lambda-ric', '@electric-sql/pglite', '@electric-sql/pglite-socket', 'pg-native'];

export const bundleOptions = (buildInfo) => ({
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  external: externals,
  metafile: true,
  logLevel: 'warning',
  define: { __SELLPO_BUILD__: JSON.stringify(buildInfo) },
  // Bundled CommonJS dependencies (pg, the AWS SDK) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __sellpoRequire } from 'node:module'; const require = __sellpoRequire(import.meta.url);" },
});
