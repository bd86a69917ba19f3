import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for an Unleash server's client API: `GET /api/client/features` in the Unleash format,
 * `POST /api/client/register` and `/api/client/metrics`. Flags flip while it runs.
 */
export interface FakeUnleash {
  /** API base to configure the client with (`http://127.0.0.1:<port>/api`). */
  url: string;
  token: string;
  set(flag: string, enabled: boolean): void;
  /** Feature fetches answered so far (any status). */
  readonly fetches: number;
  readonly registrations: number;
  /** Resolves after the next features fetch has been answered. */
  nextFetch(): Promise<void>;
  /** Answers every request with this status instead (e.g. 503). */
  failWith(status: number | undefined): void;
  close(): Promise<void>;
}

const drain = (req: IncomingMessage): Promise<void> =>
  new Promise((resolve) => {
    req.resume();
    req.on('end', resolve);
  });

export const startFakeUnleash = async (token = 'default:development.secret'): Promise<FakeUnleash> => {
  const flags = new Map<string, boolean>();
  let fetches = 0;
  let registrations = 0;
  let failStatus: number | undefined;
  let waiters: Array<() => void> = [];

  const server: Server = createServer(async (req, res) => {
    await drain(req);
    const path = (req.url ?? '').split('?', 1)[0];
    const answer = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (path === '/api/client/features') {
      fetches++;
      if (failStatus) answer(failStatus);
      else if (req.headers.authorization !== token) answer(401, { message: 'invalid token' });
      else {
        answer(200, {
          version: 2,
          features: [...flags].map(([name, enabled]) => ({ name, enabled, strategies: [{ name: 'default' }] })),
        });
      }
      // Resolved as the answer goes out. The client polls one fetch at a time, applying each answer before it
      // schedules the next, so the fetch after this one shows this answer applied (what `refreshed` waits for).
      const pending = waiters;
      waiters = [];
      pending.forEach((resolve) => resolve());
      return;
    }
    if (req.method === 'POST' && path === '/api/client/register') {
      registrations++;
      return answer(202);
    }
    if (req.method === 'POST' && path === '/api/client/metrics') return answer(202);
    answer(404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api`,
    token,
    set: (flag, enabled) => void flags.set(flag, enabled),
    get fetches() {
      return fetches;
    },
    get registrations() {
      return registrations;
    },
    nextFetch: () => new Promise((resolve) => waiters.push(resolve)),
    failWith: (status) => void (failStatus = status),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
