/** The chunks dist/server.mjs loads at start once the compile cache is on (absolute paths, sorted). */
export declare const startupChunks: (dist: string) => string[];
/** Writes <dist>/compile-cache for the start-up chunks, as `uid` when given (root only). */
export declare const writeCompileCache: (dist: string, options?: { uid?: number }) => { files: number; ms: number };
