/**
 * Batch pricing through the real handler, as `sellpo invoke analysis.margin --each FILE` does it, but with an
 * in-memory tenant credential instead of the CLI's credential store: the benchmark measures the batch path
 * (parse, auth, validation, engine, output), not key storage.
 *
 *   node bench/margin-runner.ts FILE [CONCURRENCY] [full|summary]   (results to stdout, progress to stderr)
 */
import { endpoints } from '../handlers/registry.ts';
import { buildRuntime } from '../adapters/composition.ts';
import { loadConfig } from '../adapters/config.ts';
import { memoryAuthenticator } from '../adapters/memory/auth.ts';
import { invokeEach } from '../adapters/cli/invoke.ts';

const [file, concurrencyArg, view] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: margin-runner FILE [CONCURRENCY] [full|summary]\n');
  process.exit(2);
}
const token = 'bench-key';
const runtime = await buildRuntime(loadConfig({ ...process.env, ACCESS_LOG: 'false' }), {
  endpoints,
  mode: 'cli',
  accessLog: null,
  // Pricing never touches the database; opening it would measure the embedded engine's memory, not the batch.
  lazyDatabase: true,
  overrides: { auth: memoryAuthenticator(new Map([[token, { kind: 'tenant', tenantId: 'bench', actorId: 'bench', role: 'owner', via: 'api_key' }]])) },
});
const def = endpoints.find((e) => e.id === 'analysis.margin')!;
const summary = await invokeEach(def, runtime.dispatcher.handlers.get(def.id)!, {
  input: file,
  out: process.stdout,
  progress: process.stderr,
  concurrency: Number(concurrencyArg ?? 16),
  base: { headers: { authorization: `Bearer ${token}` }, query: view ? { view } : {} },
});
await runtime.close();
process.stdout.write('', () => process.exit(summary.errorResponses + summary.badLines === 0 ? 0 : 1));
