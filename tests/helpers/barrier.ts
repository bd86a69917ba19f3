/**
 * Barriers a test controls, in place of "sleep, then assume it is in flight": code under test calls
 * `gate(name).pass()`, which counts its arrival and holds it until the test calls `release()`. The test awaits
 * `arrived(n)` to know that n callers are in flight. Gates are per process (the code must run in the test's
 * process); names keep parallel tests apart.
 */
export interface Gate {
  /** Called by the code under test: counts the arrival, resolves once the gate is released. */
  pass(): Promise<void>;
  /** Resolves once `count` callers have arrived (counting those already there). */
  arrived(count: number): Promise<void>;
  /** How many have arrived so far. */
  readonly count: number;
  /** Lets every caller (present and future) through. */
  release(): void;
}

const gates = new Map<string, Gate>();

const makeGate = (): Gate => {
  let count = 0;
  let open = false;
  let releaseAll!: () => void;
  const released = new Promise<void>((resolve) => (releaseAll = resolve));
  const watchers: Array<{ count: number; resolve: () => void }> = [];
  return {
    get count() {
      return count;
    },
    pass() {
      count += 1;
      for (const w of watchers.filter((w) => count >= w.count)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
      return open ? Promise.resolve() : released;
    },
    arrived(target) {
      if (count >= target) return Promise.resolve();
      return new Promise((resolve) => watchers.push({ count: target, resolve }));
    },
    release() {
      open = true;
      releaseAll();
    },
  };
};

/** The gate of that name, made on first use (by the test or by the code under test, whichever comes first). */
export const gate = (name: string): Gate => {
  let g = gates.get(name);
  if (!g) gates.set(name, (g = makeGate()));
  return g;
};

/** Releases and forgets a gate (so nothing stays held after a test). */
export const dropGate = (name: string): void => {
  gates.get(name)?.release();
  gates.delete(name);
};
