import { createServer, type Server } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Invocation {
  result: unknown;
  error?: { errorType: string; errorMessage: string };
}

/**
 * A local AWS Lambda Runtime API (2018-06-01): hands queued events to the runtime client on
 * `invocation/next` and resolves each event's promise with what the function posted back.
 */
export class LocalRuntimeApi {
  readonly #server: Server;
  readonly #queue: { id: string; event: unknown; resolve: (r: Invocation) => void }[] = [];
  readonly #waiting: ((item: { id: string; event: unknown }) => void)[] = [];
  readonly #pending = new Map<string, (r: Invocation) => void>();
  initError: unknown;
  #seq = 0;

  constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        const url = req.url ?? '';
        if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
          const give = (item: { id: string; event: unknown }) => {
            res.writeHead(200, {
              'content-type': 'application/json',
              'lambda-runtime-aws-request-id': item.id,
              'lambda-runtime-deadline-ms': String(Date.now() + 30_000),
              'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:ap-northeast-2:000000000000:function:sellpo',
              'lambda-runtime-trace-id': 'Root=1-00000000-000000000000000000000000;Sampled=0',
            });
            res.end(JSON.stringify(item.event));
          };
          const next = this.#queue.shift();
          if (next) {
            this.#pending.set(next.id, next.resolve);
            give(next);
          } else this.#waiting.push(give);
          return;
        }
        const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
        if (req.method === 'POST' && m) {
          const resolve = this.#pending.get(m[1]!);
          this.#pending.delete(m[1]!);
          const parsed = body ? JSON.parse(body) : null;
          resolve?.(m[2] === 'response' ? { result: parsed } : { result: null, error: parsed });
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end('{"status":"OK"}');
          return;
        }
        if (req.method === 'POST' && url === '/2018-06-01/runtime/init/error') {
          this.initError = body ? JSON.parse(body) : {};
          res.writeHead(202);
          res.end('{}');
          return;
        }
        res.writeHead(404);
        res.end();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  invoke(event: unknown): Promise<Invocation> {
    return new Promise((resolve) => {
      const id = `req-${++this.#seq}`;
      const waiting = this.#waiting.shift();
      if (waiting) {
        this.#pending.set(id, resolve);
        waiting({ id, event });
      } else this.#queue.push({ id, event, resolve });
    });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

/** Starts a built bundle under the real aws-lambda-ric, as the Lambda Node runtime would. */
export const startRic = (runtimeApi: string, handler: string, env: Record<string, string> = {}): ChildProcess =>
  spawn(process.execPath, [`${root}node_modules/aws-lambda-ric/index.mjs`], {
    cwd: `${root}dist`,
    env: {
      PATH: process.env.PATH,
      _HANDLER: handler,
      LAMBDA_TASK_ROOT: `${root}dist`,
      AWS_LAMBDA_RUNTIME_API: runtimeApi,
      AWS_LAMBDA_FUNCTION_NAME: 'sellpo',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/sellpo',
      AWS_LAMBDA_LOG_STREAM_NAME: 'test',
      AWS_REGION: 'ap-northeast-2',
      // Each function process keeps its own embedded database, as separate execution environments do.
      DATA_DIR: 'memory://',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
