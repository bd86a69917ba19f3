/**
 * `sellpo inventory sync` and `sellpo inventory poll`: the sync and order-poll endpoints as operator commands (a
 * cron job's line), with the tenant's key from SELLPO_API_KEY or --header authorization=...; each prints the
 * endpoint's result, and a one-line summary on stderr.
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
    'sync: runs POST /v1/inventory/sync for the tenant of the credential and prints its result (JSON).',
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
    const result = await invokeOnce(def, runtime.dispatcher.handlers.get(def.id)!, { headers, body: channels.length ? { channels } : {} });
    const body = result.body ? (JSON.parse(result.body) as Record<string, unknown>) : null;
    io.out.write(`${JSON.stringify(body, null, 2)}\n`);
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
    const r = body as { listings: number; pushed: number; unchanged: number; drift: unknown[]; failures: unknown[] };
    io.err.write(`inventory sync: ${r.listings} listings, ${r.pushed} pushed, ${r.unchanged} unchanged, ${r.drift.length} drifted, ${r.failures.length} failures\n`);
    return 0;
  },
};
