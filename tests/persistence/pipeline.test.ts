import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgDatabase, isDatabaseOutage } from '../../adapters/postgres/pg.ts';
import { pipelines } from '../../adapters/postgres/pipeline.ts';
import { postgresUnavailable, TEST_POSTGRES_URL, withPostgres, type TestDatabase } from '../helpers/database.ts';

/** A stand-in for pg.Client: connects when told, and records what it was asked. */
class FakeClient extends EventEmitter {
  ended = false;
  connected!: () => void;
  failed!: (error: Error) => void;
  readonly connecting = new Promise<void>((resolve, reject) => {
    this.connected = resolve;
    this.failed = reject;
  });
  connection = { stream: { cork: () => {}, uncork: () => {} } };
  connect = () => this.connecting;
  end = async () => void (this.ended = true);
}

const fakeLanes = (connections: number) => {
  let time = 0;
  const clients: FakeClient[] = [];
  const lanes = pipelines({
    connections,
    open: () => {
      const c = new FakeClient();
      c.connecting.catch(() => {});
      clients.push(c);
      return c as unknown as pg.Client;
    },
    lost: (error) => (error as Error).message === 'connection lost',
    maxWaitMs: 10,
    maxDepth: 3,
    retryMs: 1_000,
    now: () => time,
  });
  const pending = () => {
    let settle!: () => void;
    return { promise: new Promise<void>((r) => (settle = r)), settle: () => settle() };
  };
  /** Lets every lane opened so far finish connecting (a lane takes statements only once connected). */
  const connect = async () => {
    for (const c of clients) c.connected();
    await new Promise((r) => setImmediate(r));
  };
  /** The first lane, opened and connected. */
  const first = async () => {
    expect(lanes.take()).toBeUndefined(); // opens it
    await connect();
    return lanes.take()!;
  };
  return { lanes, clients, pending, connect, first, advance: (ms: number) => (time += ms) };
};

describe('pipelined lanes: which lane a statement takes', () => {
  it('takes none when turned off', () => {
    expect(fakeLanes(0).lanes.take()).toBeUndefined();
  });

  it('opens a second lane only when the first is busy, and never more than asked', async () => {
    const { lanes, clients, pending, connect, first } = fakeLanes(2);
    const a = await first();
    expect(lanes.take()).toBe(a); // idle: reused
    expect(clients).toHaveLength(1);
    const held = pending();
    const running = a.run(() => held.promise);
    expect(lanes.take()).toBe(a); // busy: a second opens, and this statement waits on a meanwhile
    expect(clients).toHaveLength(2);
    await connect();
    const b = lanes.take()!;
    expect(b).not.toBe(a);
    expect(clients).toHaveLength(2);
    const held2 = pending();
    const running2 = b.run(() => held2.promise);
    // Both busy, no room for a third: the one with fewer statements out (a tie: the first).
    expect(lanes.take()).toBe(a);
    expect(clients).toHaveLength(2);
    held.settle();
    held2.settle();
    await Promise.all([running, running2]);
  });

  it('sends nothing more to a lane whose oldest statement has waited maxWaitMs, or that is full', async () => {
    const { lanes, pending, advance, first } = fakeLanes(1);
    const a = await first();
    const held = pending();
    const running = a.run(() => held.promise);
    advance(9);
    expect(lanes.take()).toBe(a);
    advance(1);
    expect(lanes.take()).toBeUndefined(); // to the pool
    held.settle();
    await running;
    expect(lanes.take()).toBe(a); // free again

    const holds = [pending(), pending(), pending()];
    const runs = holds.map((h) => a.run(() => h.promise));
    expect(lanes.take()).toBeUndefined(); // three out: full
    for (const h of holds) h.settle();
    await Promise.all(runs);
    expect(lanes.take()).toBe(a);
  });

  it('frees the slot of a statement that failed', async () => {
    const { lanes, first } = fakeLanes(1);
    const a = await first();
    await expect(a.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    for (let i = 0; i < 3; i++) await a.run(async () => i);
    expect(lanes.take()).toBe(a);
  });

  it('sends nothing to a lane still connecting: the pool answers, and a refused connection fails no statement', async () => {
    // PostgreSQL at its connection limit refuses the lane while the pool's connections still answer: the
    // statements meanwhile must not wait on the lane and fail with it.
    const { lanes, clients } = fakeLanes(1);
    expect(lanes.take()).toBeUndefined(); // opens one, in the background
    expect(lanes.take()).toBeUndefined();
    expect(clients).toHaveLength(1);
    clients[0]!.failed(new Error('too many connections'));
    await new Promise((r) => setImmediate(r));
    expect(lanes.open).toBe(0);
  });

  it('drops a lane whose connection fails, and opens none for retryMs', async () => {
    const { lanes, clients, advance } = fakeLanes(1);
    lanes.take();
    clients[0]!.failed(new Error('connection refused'));
    await new Promise((r) => setImmediate(r));
    expect(lanes.open).toBe(0);
    expect(clients[0]!.ended).toBe(true);
    expect(lanes.take()).toBeUndefined();
    advance(999);
    expect(lanes.take()).toBeUndefined();
    expect(clients).toHaveLength(1);
    advance(1);
    expect(lanes.take()).toBeUndefined(); // opens the next one
    expect(clients).toHaveLength(2);
  });

  it('drops a lane at once when a statement on it finds the connection lost', async () => {
    const { lanes, first } = fakeLanes(1);
    const a = await first();
    await expect(a.run(() => Promise.reject(new Error('a statement error')))).rejects.toThrow();
    expect(lanes.open).toBe(1);
    await expect(a.run(() => Promise.reject(new Error('connection lost')))).rejects.toThrow();
    expect(lanes.open).toBe(0);
    expect(lanes.take()).toBeUndefined();
  });

  it('drops a connected lane that errors or ends', async () => {
    const { lanes, clients, first } = fakeLanes(2);
    const a = await first();
    clients[0]!.emit('error', new Error('terminating connection due to administrator command'));
    expect(lanes.open).toBe(0);
    expect(lanes.take()).toBeUndefined();
    expect(a.client).toBe(clients[0]);

    const other = fakeLanes(1);
    other.lanes.take();
    other.clients[0]!.emit('end');
    expect(other.lanes.open).toBe(0);
    expect(other.clients[0]!.ended).toBe(true);
  });

  it('closes a lane idle for idleMs when next looked at and opens a fresh one at once (no failure pause)', async () => {
    const { lanes, clients, first, connect, advance } = fakeLanes(1);
    const a = await first();
    await a.run(async () => 1);
    advance(29_999);
    expect(lanes.take()).toBe(a);
    advance(1);
    expect(lanes.take()).toBeUndefined(); // idle 30 s: closed, a new one opening
    expect(clients[0]!.ended).toBe(true);
    expect(clients).toHaveLength(2);
    await connect();
    const b = lanes.take()!;
    expect(b.client).toBe(clients[1]);
  });

  it('keeps a lane with a statement out however long ago the last answer was', async () => {
    const { lanes, clients, first, pending, advance } = fakeLanes(1);
    const a = await first();
    advance(40_000);
    const held = pending();
    const running = a.run(() => held.promise);
    advance(5);
    expect(lanes.take()).toBe(a);
    expect(clients[0]!.ended).toBe(false);
    held.settle();
    await running;
  });

  it('ends its connections on close and takes nothing after', async () => {
    const { lanes, clients } = fakeLanes(2);
    lanes.take();
    await lanes.close();
    expect(clients[0]!.ended).toBe(true);
    expect(lanes.take()).toBeUndefined();
  });
});

const skip = await postgresUnavailable();

/** Opens the lanes: the first statement goes to the pool and opens one; a lane takes statements once connected. */
const warm = async (db: { query: TestDatabase['query'] }) => {
  await db.query('SELECT $1::int', [0]);
  await new Promise((r) => setTimeout(r, 200));
};

describe.skipIf(skip !== null)('pipelined statements on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await withPostgres({ migrated: false, max: 2, pipelinedConnections: 2 });
    await warm(db);
  });
  afterAll(() => db?.close());

  it('answers each of many concurrent statements with its own rows', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => db.query<{ n: number; s: string }>('SELECT $1::int AS n, $2::text AS s', [i, `김${i}`])));
    answers.forEach((a, i) => expect(a.rows).toEqual([{ n: i, s: `김${i}` }]));
  });

  it("keeps a failing statement's error to itself: the statements around it answer", async () => {
    const texts = [1, 2, 0, 4, 5].map((d) => db.query<{ q: number }>('SELECT 10 / $1::int AS q', [d]));
    const settled = await Promise.allSettled(texts);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason.code).toBe('22012');
    expect((settled[4] as PromiseFulfilledResult<{ rows: { q: number }[] }>).value.rows).toEqual([{ q: 2 }]);
  });

  it('keeps answering a named statement after a parameter that pg cannot serialise', async () => {
    // pg fails such a statement before sending its Bind but after its Parse, and closes the statement it just
    // named while still marking it parsed: every later use of that text on the connection failed with 26000
    // ("prepared statement does not exist"). The pool discards a connection after any error of pool.query.
    const text = 'SELECT $1::jsonb AS j /* unserialisable */';
    const bad = await Promise.allSettled([1, 2].map(() => db.query(text, [{ n: 1n }])));
    expect(bad.map((b) => b.status)).toEqual(['rejected', 'rejected']);
    await new Promise((r) => setTimeout(r, 1_100)); // a dropped lane is replaced after a second
    await warm(db);
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([1, 2, 3, 4].map((n) => db.query<{ j: { n: number } }>(text, [{ n }])));
      expect(answers.map((a) => a.rows[0]!.j.n)).toEqual([1, 2, 3, 4]);
    }
  });

  it('sends a statement past lanes held by slow ones to the pool, so it is not answered after them', async () => {
    const slow = [db.query('SELECT pg_sleep($1::float8)', [1]), db.query('SELECT pg_sleep($1::float8)', [1])];
    await new Promise((r) => setTimeout(r, 50));
    // Behind a slow statement on its lane, the quick one would be answered after it (a connection answers in order).
    let slowDone = false;
    for (const s of slow) void s.then(() => (slowDone = true));
    const quick = await db.query<{ n: number }>('SELECT $1::int AS n', [7]);
    expect(quick.rows).toEqual([{ n: 7 }]);
    expect(slowDone).toBe(false);
    await Promise.all(slow);
  });
});

describe.skipIf(skip !== null)('a pipelined connection lost on PostgreSQL', () => {
  const NAME = `sellpo-pipeline-${process.pid}`;
  let db: ReturnType<typeof pgDatabase>;
  let admin: TestDatabase;
  beforeAll(async () => {
    admin = await withPostgres({ migrated: false, pipelinedConnections: 0 });
    db = pgDatabase({ engine: 'postgres', connectionString: TEST_POSTGRES_URL, max: 2, pipelinedConnections: 1, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000, applicationName: NAME });
  });
  afterAll(async () => {
    await db?.close();
    await admin?.close();
  });

  it('fails the statements out on it as an outage, and the next statements answer', async () => {
    await warm(db);
    const held = db.query('SELECT pg_sleep($1::float8)', [5]);
    held.catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    const killed = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 || '-pipeline' AND query LIKE '%pg_sleep%') t`,
      [NAME],
    );
    expect(killed.rows).toEqual([{ n: 1 }]);
    const error = await held.then(() => null, (e: unknown) => e);
    expect(isDatabaseOutage(error) || (error as { code?: string }).code === 'unavailable').toBe(true);
    const after = await Promise.all([1, 2, 3].map((n) => db.query<{ n: number }>('SELECT $1::int AS n', [n])));
    expect(after.map((a) => a.rows[0]!.n)).toEqual([1, 2, 3]);
  });
});

describe.skipIf(skip !== null)('which drivers pipeline their statements', { timeout: 60_000 }, () => {
  let schema: TestDatabase;
  beforeAll(async () => (schema = await withPostgres({ migrated: false, pipelinedConnections: 0 })));
  afterAll(() => schema?.close());

  /** The application name of the connection a statement with a parameter runs on, once the lanes had time to open. */
  const connectionOf = async (pipelinedStatements: boolean): Promise<string> => {
    const { buildRuntime } = await import('../../adapters/composition.ts');
    const { loadConfig } = await import('../../adapters/config.ts');
    const { createRootLogger } = await import('../../adapters/logging.ts');
    const { endpoints } = await import('../../handlers/registry.ts');
    const quiet = () => {};
    const logger = createRootLogger('ERROR', { printer: { info: quiet, warn: quiet, error: quiet, debug: quiet, log: quiet, trace: quiet } });
    const url = `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
    const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'test' });
    const runtime = await buildRuntime(config, { endpoints, eagerProviders: false, background: false, meter: false, metrics: 'off', logSink: 'stderr', logger, accessLog: null, pipelinedStatements });
    try {
      const name = async () =>
        (await runtime.database.query<{ application_name: string }>('SELECT application_name, $1::int AS n FROM pg_stat_activity WHERE pid = pg_backend_pid()', [1])).rows[0]!
          .application_name;
      let seen = await name();
      for (let i = 0; i < 100 && seen === 'sellpo'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        seen = await name();
      }
      return seen;
    } finally {
      await runtime.close();
    }
  };

  it('the server profile sends them on its pipelined connections', async () => {
    expect(await connectionOf(true)).toBe('sellpo-pipeline');
  });

  it('a profile without it (Lambda, the CLI) keeps them on the pool', async () => {
    expect(await connectionOf(false)).toBe('sellpo');
  });
});
