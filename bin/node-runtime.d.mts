/** The repository root, with a trailing slash. */
export declare const root: string;
/** Node flags for batch runs (`sellpo invoke --each`); node-runtime.mjs says what each one saves. */
export declare const BATCH_NODE_FLAGS: readonly string[];
/** Re-runs this script under Node 24 and/or with `nodeFlags`, exiting with the re-run's code; resolves when neither is needed. */
export declare const ensureProjectNode: (nodeFlags?: readonly string[]) => Promise<void>;
