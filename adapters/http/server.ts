import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import { buildV2Event } from '../routing/build-event.ts';
import type { Dispatch } from '../routing/dispatch.ts';
import { clientAddress } from './client-address.ts';
import { errorResult, MAX_BODY_BYTES, ProblemError, unroutedAnswer, type LineSink, type V2Result } from '../../handlers/toolkit.ts';

// `require` rather than `import` of node:http: the ESM import touches lazy getters that load undici and costs
// ~30 ms of cold start on Node 24; the CommonJS one ~3 ms.
const require = createRequire(import.meta.url);
const http = require('node:http') as typeof import('node:http');
const net = require('node:net') as typeof import('node:net');

export interface HttpServerOptions {
  dispatch: Dispatch;
  /** Peers whose X-Forwarded-For / CF-Connecting-IP / X-Real-IP name the client (TRUSTED_PROXIES); default loopback. */
  trustedProxies?: readonly string[];
  logger: Logger;
  accessLog: LineSink | null;
  host: string;
  port: number;
  keepAliveTimeoutMs: number;
  shutdownTimeoutMs: number;
  maxBodyBytes?: number;
  /**
   * On shutdown, how long idle keep-alive connections stay open (default 1 s, at most the shutdown timeout): a
   * request a client already sent on one is answered, with `Connection: close`, instead of meeting a reset.
   */
  idleGraceMs?: number;
  /** Answers GET/HEAD under /docs (the developer site) before routing; undefined for any other path. */
  site?: (path: string) => V2Result | undefined;
}

export interface RunningServer {
  server: Server;
  /** The address actually bound (useful with PORT=0). */
  url: string;
  /**
   * Stop accepting, answer what arrives on open connections with `Connection: close`, close idle ones after the
   * grace, let in-flight requests finish, close what is left after the timeout.
   */
  shutdown(): Promise<{ drained: boolean }>;
}

// Bodies that are text for our purposes; anything else travels base64-encoded, as API Gateway does.
const TEXTUAL = /^(application\/(json|[\w.+-]*\+json|x-www-form-urlencoded|yaml|xml)|text\/)/i;

/** Node's parser codes that have an answer of their own (as node:http's default clientError handler gives). */
const CLIENT_ERRORS: Record<string, { key: 'headers_too_large' | 'request_timeout' | 'payload_too_large'; detail: string }> = {
  HPE_HEADER_OVERFLOW: { key: 'headers_too_large', detail: `The request line and header fields are larger than the ${http.maxHeaderSize} bytes the server reads.` },
  ERR_HTTP_REQUEST_TIMEOUT: { key: 'request_timeout', detail: 'The request was not received in time.' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { key: 'payload_too_large', detail: 'The chunk extensions are too large.' },
};

/** The method and target of a request line as far as it was received, for the access line. */
const requestLineOf = (raw: Buffer | undefined): { method: string; target: string } => {
  const line = /^([A-Z]{1,20}) (\S{1,2048})/.exec(raw?.subarray(0, 2100).toString('utf8') ?? '');
  return line ? { method: line[1]!, target: line[2]! } : { method: '-', target: '-' };
};

/** Statuses that never carry a body, and so no Content-Length (RFC 9110 8.6). */
const mayHaveBody = (status: number): boolean => status >= 200 && status !== 204 && status !== 304;

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
  const addressOf = clientAddress(options.trustedProxies ?? ['loopback']);
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  let inFlight = 0;
  let closing = false;
  let drainedResolve: (() => void) | undefined;
  // Connections with no request being answered: what a shutdown must not cut while a request may be on its way.
  // A connection's requests are counted until their answers close (pipelined ones included): it is idle at none.
  const idle = new Set<Socket>();
  const unanswered = Symbol('unanswered');
  type Counted = Socket & { [unanswered]: number };
  let idleGone: (() => void) | undefined;

  /**
   * Answers are written at the end of the event loop's turn (setImmediate), together, in the order they were
   * given. Written one by one as each finished, every write found the peer (nginx, a load generator) asleep and
   * paid for waking it, inside this process's write call: with 50 connections on the tenant benchmark that was a
   * fifth of the server's CPU on a metered POST. Back to back, one wake-up serves the batch. Measured, interleaved
   * builds: metered POST 13,300-13,900 -> 20,700-24,400 req/s, server CPU 70-74 -> 40-47 us a request, p99 not worse.
   */
  let queued: Array<{ res: ServerResponse; result: V2Result; head: boolean }> = [];
  const flush = (): void => {
    const batch = queued;
    queued = [];
    for (const { res, result, head } of batch) {
      try {
        write(res, result, head);
      } catch (error) {
        // An answer node refuses to write (a header value it rejects) ends its connection, never the others.
        logger.error('answer not written', { error: (error as Error).message, status: result.statusCode });
        // An answer still waiting behind a pipelined one has no socket yet, and node's destroy would then leave
        // the connection open, stalled on it: end the connection when the answers before it are written.
        if (res.socket) res.destroy();
        else res.once('socket', (socket) => socket.destroy());
      }
    }
  };
  const send = (res: ServerResponse, result: V2Result, head: boolean): void => {
    if (queued.length === 0) setImmediate(flush);
    queued.push({ res, result, head });
  };

  const write = (res: ServerResponse, result: V2Result, head: boolean): void => {
    const headers: Record<string, string | string[]> = { ...result.headers };
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    if (closing) headers.connection = 'close';
    const body = result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    // The length, as fastify sends it: without it, writeHead commits node to chunked framing, and every answer
    // went out as a writev of head, chunk size, body and terminator instead of one write.
    if (headers['content-length'] === undefined && mayHaveBody(result.statusCode)) {
      headers['content-length'] = String(body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length);
    }
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
        sourceIp: addressOf(req.socket.remoteAddress ?? '', toHeaders(req)),
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
    // Bytes that are not UTF-8 travel base64, as sent, so the toolkit can refuse them (toString would hide them as U+FFFD).
    const textual = body !== undefined && TEXTUAL.test(headers['content-type'] ?? 'application/json') && isUtf8(body);
    const method = req.method ?? 'GET';
    const event = buildV2Event({
      method,
      rawPath: q === -1 ? url : url.slice(0, q),
      rawQueryString: q === -1 ? '' : url.slice(q + 1),
      headers,
      ...(body !== undefined ? { body: textual ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !textual } : {}),
      sourceIp: addressOf(req.socket.remoteAddress ?? '', headers),
    });
    const abort = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) abort.abort(new Error('client closed the connection'));
    };
    res.once('close', onClose);
    let result: V2Result;
    const page = options.site && (method === 'GET' || method === 'HEAD') ? options.site(event.rawPath) : undefined;
    if (page) return send(res, page, method === 'HEAD');
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
      const socket = req.socket as Counted;
      socket[unanswered]++;
      idle.delete(socket);
      if (closing && idle.size === 0) idleGone?.();
      res.once('close', () => {
        inFlight--;
        // While closing, answers carry `Connection: close`: the socket goes away rather than back to idle. A
        // request pipelined behind this one may still be being answered: the socket is idle once it is too.
        if (--socket[unanswered] === 0 && !closing && !socket.destroyed) idle.add(socket);
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
  server.on('connection', (socket: Socket) => {
    (socket as Counted)[unanswered] = 0;
    idle.add(socket);
    socket.once('close', () => {
      idle.delete(socket);
      if (closing && idle.size === 0) idleGone?.();
    });
  });

  // A request node's parser refuses never reaches a handler: answer it as one (problem, request id, access line) and
  // close, since the rest of the stream cannot be trusted to be HTTP.
  server.on('clientError', (error: Error & { code?: string; reason?: string; rawPacket?: Buffer }, socket: Socket) => {
    // A reset is no request; and once an answer has started on this socket, any bytes written would corrupt it.
    const answering = (socket as { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
      socket.destroy();
      return;
    }
    // An answer is due on this socket but waits for the end of the turn: a 400 written now would reach the client
    // as the answer to the earlier request. The due answer goes out instead, and the connection closes after it.
    if (answering && !answering.writableEnded) {
      answering.setHeader('connection', 'close');
      return;
    }
    const { method, target } = requestLineOf(error.rawPacket);
    const known = CLIENT_ERRORS[error.code ?? ''];
    let problem: ProblemError;
    if (known) problem = new ProblemError(known.key, known.detail);
    else {
      const reason = error.reason ?? 'not a valid HTTP/1.1 request';
      // The commonest case: a client sent UTF-8 (a Korean keyword) in the path or query without percent-encoding it.
      const hint = /[^\x00-\x7f]/.test(target)
        ? " Percent-encode the path and query (UTF-8), e.g. curl -G --data-urlencode 'query=캠핑의자'."
        : '';
      problem = new ProblemError('invalid', `The request could not be parsed as HTTP: ${reason}.${hint}`, { parserCode: error.code ?? null });
    }
    const result = unroutedAnswer(
      problem,
      { requestIdHeader: undefined, method, path: target.split('?', 1)[0]!, sourceIp: socket.remoteAddress ?? '', started: performance.now() },
      { logger, accessLog: options.accessLog, service: 'sellpo' },
    );
    const body = result.body ?? '';
    const head = [`HTTP/1.1 ${result.statusCode} ${http.STATUS_CODES[result.statusCode] ?? ''}`];
    for (const [name, value] of Object.entries(result.headers ?? {})) head.push(`${name}: ${value}`);
    head.push(`content-length: ${Buffer.byteLength(body)}`, 'connection: close');
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
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

  const timer = (ms: number): { done: Promise<false>; cancel: () => void } => {
    let handle: NodeJS.Timeout | undefined;
    const done = new Promise<false>((resolve) => (handle = setTimeout(() => resolve(false), Math.max(0, ms))));
    return { done, cancel: () => clearTimeout(handle) };
  };

  let stopped: Promise<{ drained: boolean }> | undefined;
  const stop = async (): Promise<{ drained: boolean }> => {
    const started = performance.now();
    closing = true;
    // Stop accepting. net's close, not http's: http's also destroys idle keep-alive connections at once, and a
    // request a client has just sent on one would meet a reset. Those stay open for the grace instead.
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
    if (idle.size > 0) {
      const grace = timer(Math.min(options.idleGraceMs ?? 1_000, options.shutdownTimeoutMs));
      await Promise.race([grace.done, new Promise<void>((resolve) => (idleGone = resolve))]);
      grace.cancel();
    }
    // Our idle connections, not node's closeIdleConnections: node counts a connection idle once its current answer
    // is ended, while that answer may still be being written and pipelined requests may wait behind it.
    for (const socket of idle) socket.destroy();
    const drained = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drainedResolve = resolve));
    const timeout = timer(options.shutdownTimeoutMs - (performance.now() - started));
    const ok = await Promise.race([drained.then(() => true), timeout.done]);
    timeout.cancel();
    if (!ok) server.closeAllConnections();
    // Every answer has closed (drained): node's check is safe now, and also takes connections answered keep-alive
    // just before the stop began.
    server.closeIdleConnections();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000).unref())]);
    return { drained: ok };
  };
  const shutdown = (): Promise<{ drained: boolean }> => (stopped ??= stop());

  return { server, url: `http://${host}:${port}`, shutdown };
};
