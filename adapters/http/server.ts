import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '@aws-lambda-powertools/logger';
import { buildV2Event } from '../events.ts';
import type { Dispatch } from '../dispatch.ts';
import { errorResult, MAX_BODY_BYTES, ProblemError, unroutedAnswer, type LineSink, type V2Result } from '../../handlers/runtime.ts';

// `require` rather than `import` of node:http: the ESM import touches lazy getters that load undici and costs
// ~30 ms of cold start on Node 24; the CommonJS one ~3 ms.
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export interface HttpServerOptions {
  dispatch: Dispatch;
  logger: Logger;
  accessLog: LineSink | null;
  host: string;
  port: number;
  keepAliveTimeoutMs: number;
  shutdownTimeoutMs: number;
  maxBodyBytes?: number;
}

export interface RunningServer {
  server: Server;
  /** The address actually bound (useful with PORT=0). */
  url: string;
  /** Stop accepting, let in-flight requests finish, close what is left after the timeout. */
  shutdown(): Promise<{ drained: boolean }>;
}

// Bodies that are text for our purposes; anything else travels base64-encoded, as API Gateway does.
const TEXTUAL = /^(application\/(json|[\w.+-]*\+json|x-www-form-urlencoded|yaml|xml)|text\/)/i;

const toHeaders = (req: IncomingMessage): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = {};
  const raw = req.headers;
  for (const name in raw) {
    const value = raw[name];
    out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
};

export const startHttpServer = async (options: HttpServerOptions): Promise<RunningServer> => {
  const { dispatch, logger } = options;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  let inFlight = 0;
  let closing = false;
  let drainedResolve: (() => void) | undefined;

  const send = (res: ServerResponse, result: V2Result, head: boolean): void => {
    const headers: Record<string, string | string[]> = { ...result.headers };
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    if (closing) headers.connection = 'close';
    const body = result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    res.writeHead(result.statusCode, headers);
    res.end(head ? undefined : body);
  };

  const tooLarge = (req: IncomingMessage, res: ServerResponse): void => {
    const header = req.headers['x-request-id'];
    const error = new ProblemError('payload_too_large', `The body is larger than ${maxBody} bytes.`, { limitBytes: maxBody });
    const result = unroutedAnswer(
      error,
      {
        requestIdHeader: typeof header === 'string' ? header : undefined,
        method: req.method ?? '',
        path: (req.url ?? '').split('?', 1)[0]!,
        sourceIp: req.socket.remoteAddress ?? '',
        started: performance.now(),
      },
      { logger, accessLog: options.accessLog, service: 'sellpo' },
    );
    result.headers = { ...result.headers, connection: 'close' };
    send(res, result, false);
    // Stop reading the rest of an oversized body; the connection closes after the answer.
    req.unpipe();
    req.resume();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const headers = toHeaders(req);
    const textual = body !== undefined && TEXTUAL.test(headers['content-type'] ?? 'application/json');
    const method = req.method ?? 'GET';
    const event = buildV2Event({
      method,
      rawPath: q === -1 ? url : url.slice(0, q),
      rawQueryString: q === -1 ? '' : url.slice(q + 1),
      headers,
      ...(body !== undefined ? { body: textual ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !textual } : {}),
      sourceIp: req.socket.remoteAddress ?? '',
    });
    const abort = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) abort.abort(new Error('client closed the connection'));
    };
    res.once('close', onClose);
    let result: V2Result;
    try {
      result = await dispatch(event, { signal: abort.signal });
    } catch (error) {
      // Handlers answer their own errors; this catches a broken driver, never shows internals.
      result = errorResult(error, event.requestContext.requestId, () => logger);
    }
    send(res, result, method === 'HEAD');
  };

  const server = http.createServer(
    {
      keepAliveTimeout: options.keepAliveTimeoutMs,
      // Kept above keepAliveTimeout so a slow first request on a reused socket is not cut by the idle timer.
      headersTimeout: options.keepAliveTimeoutMs + 1_000,
      requestTimeout: 120_000,
    },
    (req, res) => {
      inFlight++;
      res.once('close', () => {
        inFlight--;
        if (closing && inFlight === 0) drainedResolve?.();
      });
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBody) return tooLarge(req, res);
      const hasBody = declared > 0 || req.headers['transfer-encoding'] !== undefined;
      if (!hasBody) {
        void handle(req, res, undefined);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let rejected = false;
      req.on('data', (chunk: Buffer) => {
        if (rejected) return;
        size += chunk.length;
        if (size > maxBody) {
          rejected = true;
          tooLarge(req, res);
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (!rejected) void handle(req, res, size === 0 ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      });
      req.on('error', () => res.destroy());
    },
  );
  // A malformed request line or header never reaches a handler: answer 400 and close.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  const shutdown = async (): Promise<{ drained: boolean }> => {
    if (closing) return { drained: inFlight === 0 };
    closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Idle keep-alive sockets would hold close() open; busy ones finish their request first.
    server.closeIdleConnections();
    const drained = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drainedResolve = resolve));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), options.shutdownTimeoutMs)));
    const ok = await Promise.race([drained.then(() => true), timedOut]);
    clearTimeout(timer);
    if (!ok) server.closeAllConnections();
    server.closeIdleConnections();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000).unref())]);
    return { drained: ok };
  };

  return { server, url: `http://${host}:${port}`, shutdown };
};
