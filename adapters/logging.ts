import { writeSync } from 'node:fs';
import { Console } from 'node:console';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LineSink } from '../handlers/runtime.ts';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/** The root powertools logger; `toStderr` keeps stdout clean for the CLI's results. */
export const createRootLogger = (level: LogLevel, options: { toStderr?: boolean } = {}): Logger => {
  const logger = new Logger({ serviceName: 'sellpo', logLevel: level });
  if (options.toStderr) {
    // The console property is where powertools prints; pointing it at stderr moves every line.
    (logger as unknown as { console: Console }).console = new Console({ stdout: process.stderr, stderr: process.stderr });
  }
  return logger;
};

/**
 * Access lines gathered per event-loop turn and written with one syscall: a write per line to a pipe costs more
 * than the line itself. Lines still pending at exit are flushed synchronously.
 */
export const bufferedLineSink = (fd: number): LineSink & { flush(): void } => {
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    let buffer = Buffer.from(pending.join(''));
    pending = [];
    while (buffer.length > 0) {
      try {
        buffer = buffer.subarray(writeSync(fd, buffer));
      } catch (error) {
        // EAGAIN on a full non-blocking pipe: hand the rest to the stream, which queues it.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        (fd === 2 ? process.stderr : process.stdout).write(buffer);
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
