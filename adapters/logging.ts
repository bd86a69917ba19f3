import { writeSync } from 'node:fs';
import { Console } from 'node:console';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LineSink } from '../handlers/toolkit.ts';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

type Printer = Pick<Console, 'info' | 'warn' | 'error' | 'debug' | 'log' | 'trace'>;
type LoggerOptions = ConstructorParameters<typeof Logger>[0];

/**
 * A powertools Logger that prints where it is told, and whose children (one per request) print there too:
 * powertools gives every new instance its own stdout console, so the destination must travel through
 * `createLogger`, the factory `createChild` uses.
 */
export class SellpoLogger extends Logger {
  readonly #printer: Printer | undefined;

  constructor(options: LoggerOptions, printer?: Printer) {
    super(options);
    this.#printer = printer;
    // `console` is where powertools prints each formatted line.
    if (printer) (this as unknown as { console: Printer }).console = printer;
  }

  protected override createLogger(options?: LoggerOptions): Logger {
    return new SellpoLogger(options, this.#printer);
  }
}

/** The root logger; `toStderr` keeps stdout clean for the CLI's results. */
export const createRootLogger = (level: LogLevel, options: { toStderr?: boolean; printer?: Printer } = {}): Logger => {
  const printer = options.printer ?? (options.toStderr ? new Console({ stdout: process.stderr, stderr: process.stderr }) : undefined);
  return new SellpoLogger({ serviceName: 'sellpo', logLevel: level }, printer);
};

/** Where a line sink writes: a synchronous write to the descriptor, and the stream that queues what it could not take. */
export interface LineOutput {
  writeSync(buffer: Buffer): number;
  stream: Pick<NodeJS.WritableStream, 'write'> & { readonly writableLength: number };
}

const fdOutput = (fd: number): LineOutput => ({
  writeSync: (buffer) => writeSync(fd, buffer),
  get stream() {
    return fd === 2 ? process.stderr : process.stdout;
  },
});

/**
 * Access lines gathered per event-loop turn and written with one syscall: a write per line to a pipe costs more
 * than the line itself. Lines still pending at exit are flushed synchronously.
 */
export const bufferedLineSink = (fd: number, output: LineOutput = fdOutput(fd)): LineSink & { flush(): void } => {
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    let buffer = Buffer.from(pending.join(''));
    pending = [];
    // While the stream still holds what a full pipe left it, later lines queue behind it: they stay in order, and
    // no write is tried that would fail again (each EAGAIN builds an exception: 2-3% of server CPU in the bench).
    if (output.stream.writableLength > 0) {
      output.stream.write(buffer);
      return;
    }
    while (buffer.length > 0) {
      try {
        buffer = buffer.subarray(output.writeSync(buffer));
      } catch (error) {
        // EAGAIN on a full non-blocking pipe: hand the rest to the stream, which queues it.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        output.stream.write(buffer);
        return;
      }
    }
  };
  const sink = (line: string): void => {
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  process.once('exit', flush);
  return Object.assign(sink, { flush });
};
