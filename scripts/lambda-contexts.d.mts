/** The contexts a per-endpoint Lambda wires: those its endpoint's code reads, and `billing-meter` for a metered one that reads no billing. */
export declare const contextsRead: (root: string, endpoint: { path: string; metered: boolean }, names: readonly string[]) => Promise<string[]>;
/** The module and export of a context's wiring. */
export declare const contextModule: (name: string) => { file: string; exportName: string };
