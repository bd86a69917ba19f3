import * as nodeModule from 'node:module';
import type { AnyEndpoint } from '../../handlers/toolkit.ts';
import { buildRuntime } from '../composition.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { startHttpServer } from './server.ts';
import { siteServer } from './site.ts';

/**
 * Starts the HTTP driver over a set of endpoints: config, runtime, listen, and a graceful stop on SIGTERM/SIGINT.
 * A bad configuration exits with 78 (EX_CONFIG) and a message naming each bad variable.
 */
export const runServer = async (endpoints: readonly AnyEndpoint[]): Promise<void> => {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sellpo: cannot start.\n${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const runtime = await buildRuntime(config, {
    endpoints,
    // A long-running server: it says at start which providers are sandboxes, purges and drains queues, meters
    // tenants and reports its own figures; the Toss sandbox posts webhooks to it.
    eagerProviders: true,
    background: true,
    verifiedKeyCache: true,
    pipelinedStatements: true,
    meter: true,
    metrics: 'process',
    logSink: 'stdout',
    serverUrl: `http://${config.HOST}:${config.PORT}`,
  });
  const running = await startHttpServer({
    dispatch: runtime.dispatcher.dispatch,
    logger: runtime.logger,
    accessLog: runtime.options.accessLog,
    host: config.HOST,
    port: config.PORT,
    keepAliveTimeoutMs: config.KEEP_ALIVE_TIMEOUT_MS,
    trustedProxies: config.TRUSTED_PROXIES,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    site: siteServer(config.SITE_DIR),
  });
  runtime.logger.info('listening', { url: running.url, version: runtime.ports.build.version, pid: process.pid });
  // The compile cache (main.ts) is written at a normal exit; written once now too, so a server that is killed
  // still leaves it for the next start.
  setTimeout(() => nodeModule.flushCompileCache?.(), 1_000).unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info('shutting down', { signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
    const { drained } = await running.shutdown();
    await runtime.close();
    runtime.logger.info('stopped', { drained });
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
};
