/** Builds dist/ when `output` is missing or older than any source file. */
export declare const ensureBuilt: (output?: string) => void;
