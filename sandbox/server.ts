import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';

export interface RunningSandbox {
  /** Base URL of each provider by name, e.g. `{ naverOpenApi: 'http://127.0.0.1:41234' }`. */
  urls: Record<string, string>;
  close(): Promise<void>;
}

const send = (res: import('node:http').ServerResponse, r: SandboxResponse): void => {
  const isText = typeof r.body === 'string' || r.body === undefined;
  const headers = { ...(isText ? {} : { 'content-type': 'application/json;charset=UTF-8' }), ...r.headers };
  res.writeHead(r.status, headers);
  res.end(r.body === undefined ? undefined : isText ? (r.body as string) : JSON.stringify(r.body));
};

/**
 * Starts every provider on its own loopback port (`ports[name]`, or a free one). A provider that throws
 * answers 500 with the message, so a sandbox bug is visible rather than a hang.
 */
export const startSandbox = async (
  providers: readonly SandboxProvider[],
  options: { host?: string; ports?: Record<string, number> } = {},
): Promise<RunningSandbox> => {
  const host = options.host ?? '127.0.0.1';
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  for (const provider of providers) {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://sandbox');
        const request: SandboxRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, rawQuery: url.search.slice(1), headers: req.headers, body: Buffer.concat(chunks) };
        const control = url.pathname.startsWith('/__sandbox/') ? url.pathname.slice('/__sandbox/'.length) : null;
        const work =
          control !== null
            ? provider.control
              ? provider.control(control, request)
              : Promise.resolve({ status: 404, body: { message: `${provider.name} has no controls` } })
            : provider.handle(request);
        work.then(
          (r) => send(res, r),
          (error: unknown) => send(res, { status: 500, body: { message: `sandbox ${provider.name} failed: ${(error as Error).message}` } }),
        );
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.ports?.[provider.name] ?? 0, host, () => resolve());
    });
    servers.push(server);
    urls[provider.name] = `http://${host}:${(server.address() as AddressInfo).port}`;
  }
  return {
    urls,
    close: async () => {
      await Promise.all(providers.map((p) => p.close?.()));
      await Promise.all(
        servers.map((s) => {
          s.closeAllConnections();
          return new Promise<void>((r) => s.close(() => r()));
        }),
      );
    },
  };
};
