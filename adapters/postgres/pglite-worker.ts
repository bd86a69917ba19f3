/**
 * The worker thread an embedded database on disk runs in (adapters/postgres/pglite.ts starts it, the server first
 * thing at start-up). It compiles the engine and loads PGlite as soon as it runs, then starts the engine when asked
 * and answers the owner's requests over its port.
 */
import { parentPort } from 'node:worker_threads';
import { compileEngine, loadEngineCode, startEngine, type Engine, type EngineRequest } from './pglite-engine.ts';

/** From the owner: start once, then requests carrying an id that each get one reply. */
export type ToEngine =
  | { op: 'open'; request: EngineRequest }
  | { op: 'exec'; id: number; sql: string }
  | { op: 'listen'; id: number; channel: string }
  | { op: 'unlisten'; id: number; listener: number }
  | { op: 'close'; id: number };

/** To the owner. */
export type FromEngine =
  | { type: 'warning'; message: string }
  | { type: 'ready'; host: string; port: number; fromCopy: boolean }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; error?: string }
  | { type: 'notify'; listener: number; payload: string };

const owner = parentPort!;
const send = (message: FromEngine) => owner.postMessage(message);
// Now, while the owner is still loading: the compile runs off this thread, the imports on it.
void compileEngine();
void loadEngineCode().catch(() => {});

let engine: Engine | undefined;
const listeners = new Map<number, () => Promise<void>>();

const answer = async (id: number, work: () => Promise<void>) => {
  try {
    await work();
    send({ type: 'reply', id });
  } catch (error) {
    send({ type: 'reply', id, error: (error as Error).message });
  }
};

owner.on('message', (message: ToEngine) => {
  switch (message.op) {
    case 'open':
      startEngine(message.request, (warning) => send({ type: 'warning', message: warning })).then(
        (started) => {
          engine = started;
          send({ type: 'ready', host: started.host, port: started.port, fromCopy: started.fromCopy });
        },
        (error: unknown) => send({ type: 'failed', message: (error as Error).message }),
      );
      return;
    case 'exec':
      void answer(message.id, () => engine!.exec(message.sql));
      return;
    case 'listen':
      void answer(message.id, async () => {
        listeners.set(message.id, await engine!.listen(message.channel, (payload) => send({ type: 'notify', listener: message.id, payload })));
      });
      return;
    case 'unlisten':
      void answer(message.id, async () => {
        const stop = listeners.get(message.listener);
        listeners.delete(message.listener);
        await stop?.();
      });
      return;
    case 'close':
      void answer(message.id, async () => {
        await engine?.close();
        engine = undefined;
      });
      return;
  }
});
