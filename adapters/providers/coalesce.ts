/**
 * Packs concurrent requests of one scope (a tenant) into shared provider calls of up to `maxKeys` keys: a full
 * group goes at once; a partial one once a window passes without new keys and no other call of its scope is out
 * (Nagle-style). A group first waits for `ready` (a rate slot) and keeps taking keys while it waits, so a
 * saturated rate fills calls instead of sending them half empty.
 */

export interface CoalescerOptions<R> {
  maxKeys: number;
  /** How long a partial group waits for more keys after its last one joined. */
  windowMs: number;
  /** Under steady traffic a scope may never be idle: no group waits longer than this. */
  maxHoldMs: number;
  /** Resolves when the call may go (a rate slot); a rejection fails every request of the group. */
  ready: () => Promise<void>;
  /** The shared call, with the group's keys in the order they joined. */
  send: (keys: string[]) => Promise<R>;
}

export interface Shared<R> {
  result: R;
  /** Every key the call carried, the request's own included. */
  keys: string[];
}

/** A request on its way to a group: while it is (reading a cache, say), a due group of its scope waits for it. */
export interface Arrival<R> {
  /** Joins the scope's open group (opening one when needed) and waits for the call's answer. */
  join(keys: readonly string[], signal?: AbortSignal): Promise<Shared<R>>;
  /** It was answered otherwise: the scope's due group need not wait for it. */
  leave(): void;
}

export interface Coalescer<R> {
  arrive(scope: string): Arrival<R>;
  /** Requests that shared a call with at least one other. */
  stats(): { packedRequests: number };
}

interface Waiter<R> {
  resolve: (value: Shared<R>) => void;
  reject: (error: unknown) => void;
}

interface Group<R> {
  keys: Set<string>;
  waiters: Waiter<R>[];
  timer?: ReturnType<typeof setTimeout> | undefined;
  /** Waiting for `ready` (still open to keys until full). */
  sending?: boolean;
  /** Its window has passed: it goes as soon as no other call of its scope is in flight. */
  due?: boolean;
  holdTimer?: ReturnType<typeof setTimeout>;
}

const bump = (map: Map<string, number>, scope: string, by: number) => {
  const n = (map.get(scope) ?? 0) + by;
  if (n > 0) map.set(scope, n);
  else map.delete(scope);
};

export const coalescer = <R>(options: CoalescerOptions<R>): Coalescer<R> => {
  const groups = new Map<string, Group<R>>();
  const inFlight = new Map<string, number>();
  const arriving = new Map<string, number>();
  let packedRequests = 0;

  /** Sends a due partial group once nothing more is arriving and no call of its scope is out. */
  const release = (scope: string) => {
    const group = groups.get(scope);
    if (group?.due && !group.sending && !arriving.get(scope) && !inFlight.get(scope)) flush(scope, group);
  };

  /** A full group leaves the table at once; the keys are read when `ready` resolves. */
  const flush = (scope: string, group: Group<R>) => {
    if (group.timer) clearTimeout(group.timer);
    if (group.holdTimer) clearTimeout(group.holdTimer);
    group.timer = undefined;
    if (group.sending) return;
    group.sending = true;
    bump(inFlight, scope, 1);
    const done = () => {
      bump(inFlight, scope, -1);
      // Give the callers this call answered one window (after their continuations have run) to send more keys
      // before a partial group held back meanwhile goes.
      setTimeout(() => release(scope), options.windowMs);
    };
    // The shared call is not tied to any one caller's signal: one caller leaving must not fail the others.
    options
      .ready()
      .then(async () => {
        if (groups.get(scope) === group) groups.delete(scope);
        const keys = [...group.keys];
        if (group.waiters.length > 1) packedRequests += group.waiters.length;
        const result = await options.send(keys);
        for (const w of group.waiters) w.resolve({ result, keys });
      })
      .catch((error: unknown) => {
        if (groups.get(scope) === group) groups.delete(scope);
        for (const w of group.waiters) w.reject(error);
      })
      .finally(done);
  };

  const join = (scope: string, keys: readonly string[], signal?: AbortSignal) =>
    new Promise<Shared<R>>((resolve, reject) => {
      let group = groups.get(scope);
      if (group && new Set([...group.keys, ...keys]).size > options.maxKeys) {
        // It cannot take these keys: close it to newcomers (it is sent as it is) and open another.
        groups.delete(scope);
        flush(scope, group);
        group = undefined;
      }
      if (!group) {
        const g: Group<R> = { keys: new Set(), waiters: [] };
        g.holdTimer = setTimeout(() => {
          if (groups.get(scope) === g) groups.delete(scope);
          flush(scope, g);
        }, options.maxHoldMs);
        groups.set(scope, g);
        group = g;
      }
      for (const k of keys) group.keys.add(k);
      group.waiters.push({ resolve, reject });
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      if (group.keys.size >= options.maxKeys) {
        groups.delete(scope);
        flush(scope, group);
      } else if (!group.sending) {
        // Due one window after its last key joined; it goes then when its scope has no call out, else one window
        // after such a call returns (by then a batch has sent more keys).
        const g = group;
        g.due = false;
        if (g.timer) clearTimeout(g.timer);
        g.timer = setTimeout(() => {
          g.timer = undefined;
          g.due = true;
          release(scope);
        }, options.windowMs);
      }
    });

  return {
    stats: () => ({ packedRequests }),
    arrive: (scope) => {
      bump(arriving, scope, 1);
      let here = true;
      const arrived = () => {
        if (here) bump(arriving, scope, -1);
        here = false;
      };
      return {
        join: (keys, signal) => {
          arrived();
          return join(scope, keys, signal);
        },
        leave: () => {
          arrived();
          release(scope);
        },
      };
    },
  };
};
