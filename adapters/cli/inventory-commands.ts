/**
 * `sellpo inventory sync` and `sellpo inventory poll`: the sync and order-poll endpoints as operator commands (a
 * cron job's line), run here and now, with the tenant's key from SELLPO_API_KEY or --header authorization=...; each
 * prints the endpoint's result, and a one-line summary on stderr.
 */
import { endpoints } from '../../handlers/registry.ts';
import type { Command } from './commands.ts';
import { invokeOnce, pairs } from './invoke.ts';
import { UsageError } from './usage.ts';

const CHANNELS = ['naver_smart_store', 'coupang_wing', 'coupang_rocket_growth'];

export const inventoryCommand: Command = {
  name: 'inventory',
  summary: 'inventory operations: `inventory sync` pushes changed quantities to the channels and reports drift; `inventory poll` applies new channel orders',
  usage: [
    'usage: sellpo inventory sync|poll [--channel naver_smart_store|coupang_wing|coupang_rocket_growth]... [--header k=v]...',
    '',
    'sync: runs the sync of the credential\'s tenant here and now (POST /v1/inventory/sync with wait) and prints its result (JSON);',
    '  when a sync of the tenant is already queued or running, prints that job instead and exits 1.',
    'poll: runs POST /v1/inventory/channel-orders/poll (reads the channels\' new orders, applies each once) and prints its result.',
    'Credentials: SELLPO_API_KEY in the environment or --header authorization="Bearer <key>".',
    'Exit code: 0 when the sync ran (drift and per-listing failures are in the result), 1 when it was refused, 2 for bad usage.',
  ].join('\n'),
  options: { channel: { type: 'string', multiple: true }, header: { type: 'string', multiple: true } },
  run: async ({ values, positionals }, io) => {
    const [action, ...extra] = positionals;
    if (action !== 'sync' && action !== 'poll') throw new UsageError(action ? `unknown action ${JSON.stringify(action)}; expected sync or poll` : 'name the action: sync or poll');
    if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const channels = (values.channel as string[] | undefined) ?? [];
    for (const c of channels) if (!CHANNELS.includes(c)) throw new UsageError(`--channel expects one of ${CHANNELS.join(', ')}, got ${JSON.stringify(c)}`);
    const headers = Object.fromEntries(Object.entries(pairs(values.header as string[] | undefined, '--header')).map(([k, v]) => [k.toLowerCase(), v]));
    const apiKey = process.env.SELLPO_API_KEY;
    if (apiKey && !headers.authorization) headers.authorization = `Bearer ${apiKey}`;
    if (!headers.authorization) throw new UsageError('no credentials: set SELLPO_API_KEY or pass --header authorization="Bearer <key>"');

    const def = endpoints.find((e) => e.id === (action === 'sync' ? 'inventory.sync' : 'inventory.pollChannelOrders'))!;
    const runtime = await io.runtime();
    const input = { ...(channels.length ? { channels } : {}), ...(action === 'sync' ? { wait: true } : {}) };
    const result = await invokeOnce(def, runtime.dispatcher.handlers.get(def.id)!, { headers, body: input });
    const body = result.body ? (JSON.parse(result.body) as Record<string, unknown>) : null;
    if (result.statusCode === 202) {
      io.out.write(`${JSON.stringify(body, null, 2)}\n`);
      io.err.write(`sellpo inventory sync: a sync of this tenant is already ${String(body?.state)} (job ${String(body?.id)}); read it at GET /v1/inventory/sync/${String(body?.id)}\n`);
      return 1;
    }
    io.out.write(`${JSON.stringify(action === 'sync' && result.statusCode === 200 ? body?.result : body, null, 2)}\n`);
    if (result.statusCode >= 400) {
      io.err.write(`sellpo inventory ${action}: ${result.statusCode} ${String(body?.detail ?? '')}\n`);
      return 1;
    }
    if (action === 'poll') {
      for (const c of (body as { channels: { channel: string; recorded: number; applied: number; oversold: unknown[]; ignored: unknown[]; skipped: string | null; failure: { kind: string } | null }[] }).channels) {
        const state = c.skipped ? `skipped (${c.skipped})` : c.failure ? `failed (${c.failure.kind})` : 'ok';
        io.err.write(`inventory poll: ${c.channel} ${state}, ${c.recorded} new events, ${c.applied} applied, ${c.oversold.length} oversold, ${c.ignored.length} ignored\n`);
      }
      return 0;
    }
    const r = body?.result as { listings: number; pushed: number; unchanged: number; drift: unknown[]; failures: unknown[] };
    io.err.write(`inventory sync: ${r.listings} listings, ${r.pushed} pushed, ${r.unchanged} unchanged, ${r.drift.length} drifted, ${r.failures.length} failures\n`);
    return 0;
  },
};
