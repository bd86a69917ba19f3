import { describe, expect, it } from 'vitest';
import { bufferedLineSink, type LineOutput } from '../../adapters/logging.ts';

/** A descriptor that refuses writes while `full` (EAGAIN) or takes at most `room` bytes, and the stream behind it. */
const fakeOutput = () => {
  const state = { full: false, room: Infinity, fd: [] as string[], queued: [] as string[], streamed: [] as string[] };
  const output: LineOutput = {
    writeSync: (buffer) => {
      if (state.full) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
      const taken = Math.min(buffer.length, state.room);
      state.fd.push(buffer.subarray(0, taken).toString());
      return taken;
    },
    stream: {
      write: (chunk: string | Uint8Array) => {
        state.queued.push(chunk.toString());
        return false;
      },
      get writableLength() {
        return state.queued.join('').length;
      },
    },
  };
  /** The stream writes what it queued (the pipe has room again). */
  const drain = () => state.streamed.push(...state.queued.splice(0));
  return { state, output, drain };
};

describe('buffered access-line sink', () => {
  it('writes the lines of a turn in one write, and all of a partial write', () => {
    const { state, output } = fakeOutput();
    const sink = bufferedLineSink(1, output);
    sink('a\n');
    sink('b\n');
    sink('c\n');
    state.room = 4;
    sink.flush();
    expect(state.fd).toEqual(['a\nb\n', 'c\n']);
  });

  it('after a full pipe, queues later lines behind the stream until it has written them, keeping their order', () => {
    const { state, output, drain } = fakeOutput();
    const sink = bufferedLineSink(1, output);
    state.full = true;
    sink('1\n');
    sink('2\n');
    sink.flush();
    expect(state.queued).toEqual(['1\n2\n']);
    // The pipe has room again, but the stream still holds lines 1 and 2: line 3 must not overtake them.
    state.full = false;
    sink('3\n');
    sink.flush();
    expect(state.fd).toEqual([]);
    expect(state.queued).toEqual(['1\n2\n', '3\n']);
    drain();
    sink('4\n');
    sink.flush();
    expect([...state.streamed, ...state.fd].join('')).toBe('1\n2\n3\n4\n');
    expect(state.fd).toEqual(['4\n']);
  });
});
