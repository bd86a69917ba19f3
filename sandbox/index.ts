/**
 * The provider sandbox: local HTTP servers that follow the external providers' documented contracts (URLs,
 * headers, signatures, parameter limits, error bodies), verify what the real APIs verify, and serve
 * deterministic data. `npm start` runs it when no provider credentials are configured; tests start it too.
 * Each provider lives in its own folder (sandbox/<provider>/).
 */
export { startSandbox, type RunningSandbox } from './server.ts';
export type { SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';
