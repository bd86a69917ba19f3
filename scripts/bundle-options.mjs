// esbuild options shared by build.mjs and the benchmark, so what is measured is what ships.
// Kept out of the bundles: native or WASM packages that load files next to themselves; the container's
// runtime stage installs exactly these (`node build.mjs --print-externals`).
export const externals = ['aws-lambda-ric', '@electric-sql/pglite', '@electric-sql/pglite-socket', 'pg-native'];

/**
 * pg loads its pg-native client only when asked (`pg.native`, NODE_PG_FORCE_NATIVE), and that client starts by
 * requiring pg-native, which no bundle ships: the require fails with MODULE_NOT_FOUND, so pg answers null or
 * throws. Bundled, that client is 8 kB in every bundle that never runs it; the same require stands in for it.
 */
const pgWithoutNative = {
  name: 'pg-without-native',
  setup(build) {
    build.onResolve({ filter: /^\.\/native$/ }, (args) => (/[\\/]node_modules[\\/]pg[\\/]lib$/.test(args.resolveDir) ? { path: 'pg-native-client', namespace: 'pg-without-native' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'pg-without-native' }, () => ({
      contents: "require('pg-native'); throw new Error('pg-native is not bundled: pg runs its JavaScript client');",
      loader: 'js',
    }));
  },
};

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
  plugins: [pgWithoutNative],
  logLevel: 'warning',
  define: { __SELLPO_BUILD__: JSON.stringify(buildInfo) },
  // Bundled CommonJS dependencies (pg, the AWS SDK) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __sellpoRequire } from 'node:module'; const require = __sellpoRequire(import.meta.url);" },
});
