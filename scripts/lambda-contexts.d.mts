/** The contexts a per-endpoint Lambda wires: those its endpoint's code reads, with billing when it is metered. */
export declare const contextsRead: (root: string, endpoint: { path: string; metered: boolean }, names: readonly string[]) => Promise<string[]>;
