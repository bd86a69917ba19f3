/**
 * The real HTTP server in this process, over a test runtime (every endpoint of the registry unless told), with
 * an admin and tenants seeded through the use cases: for suites that talk HTTP to every operation.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { startHttpServer, type HttpServerOptions, type RunningServer } from '../../adapters/http/server.ts';
import type { Dispatch } from '../../adapters/routing/dispatch.ts';
import type { seedTenant } from '../platform/fixtures.ts';
import { testRuntime, type TestRuntime } from './invoke.ts';

export interface TestServer {
  rt: TestRuntime;
  server: RunningServer;
  url: string;
  close(): Promise<void>;
}

export const startTestServer = async (options: Parameters<typeof testRuntime>[0] = {}): Promise<TestServer> => {
  const rt = await testRuntime(options);
  const server = await startHttpServer({
    dispatch: rt.dispatcher.dispatch,
    logger: rt.logger,
    accessLog: rt.options.accessLog,
    host: '127.0.0.1',
    port: 0,
    keepAliveTimeoutMs: 5_000,
    shutdownTimeoutMs: 2_000,
  });
  return {
    rt,
    server,
    url: server.url,
    close: async () => {
      await server.shutdown();
      await rt.close();
    },
  };
};

/** The HTTP driver over a dispatch of the test's own, on a free loopback port, no access log; `extra` overrides. */
export const serveDispatch = (dispatch: Dispatch, logger: Logger, extra: Partial<HttpServerOptions> = {}): Promise<RunningServer> =>
  startHttpServer({ dispatch, logger, accessLog: null, host: '127.0.0.1', port: 0, keepAliveTimeoutMs: 65_000, shutdownTimeoutMs: 2_000, ...extra });

export type Seeded = Awaited<ReturnType<typeof seedTenant>>;
