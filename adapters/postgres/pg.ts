/**
 * The `Database` over a `pg` pool: PostgreSQL itself, or PGlite served on loopback (see pglite.ts).
 *
 * Cancellation: a query given an AbortSignal runs on a client of its own. When the signal aborts, the promise
 * rejects at once with the signal's reason, PostgreSQL is sent a protocol CancelRequest for that backend (so the
 * statement stops instead of running on unobserved), and the client is discarded rather than returned to the pool,
 * since its connection may still be busy. PGlite ignores CancelRequest, so there the statement finishes in the
 * background on the discarded connection.
 */
import { connect } from 'node:net';
import pg from 'pg';
import type { ChannelHandlers, Database, Listening, QueryOptions, QueryResult } from './database.ts';
import { isNetworkFailure, unavailable } from '../outage.ts';
import { pipelines } from './pipeline.ts';

export interface PgDatabaseOptions {
  engine: 'postgres' | 'pglite';
  /** postgres://user@host:port/db; or host/port below. */
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  database?: string;
  /** Connections in the pool; 1 for PGlite, which serves one connection at a time. */
  max: number;
  /** Server-side bound on every statement (0 = none). */
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /** Schema put first on the search_path of every connection (tests use a throwaway schema). */
  schema?: string;
  /** How the connections name themselves to the server (pg_stat_activity); default `sellpo`, listeners `<it>-listen`. */
  applicationName?: string;
  /** Runs after the pool has ended (the embedded engine stops its server here). */
  onClose?: () => Promise<void>;
  /**
   * Sends statements with parameters as named (prepared) statements, parsed and planned once per connection
   * (default: on for PostgreSQL). Off for PGlite, whose connections all share one server session, so a name
   * prepared by a discarded connection would collide; off too behind a pooler that cannot keep them.
   */
  preparedStatements?: boolean;
  /**
   * Connections in pipeline mode shared by single statements with parameters outside a transaction (pipeline.ts);
   * default 0. PostgreSQL only: PGlite's server answers one connection's statement at a time anyway.
   */
  pipelinedConnections?: number;
}

const CANCEL_REQUEST_CODE = 80877102;

/** A client that must take no more statements (`value`: a cancelled one may still run) or must not be pooled again. */
interface Broken {
  value: boolean;
  doubt: boolean;
}

interface BackendKey {
  processID?: number;
  secretKey?: number;
  host?: string;
  port?: number;
}

/** Sends the wire-protocol CancelRequest for a busy backend, on a connection of its own; best effort. */
const sendCancel = (client: pg.PoolClient): void => {
  const k = client as unknown as BackendKey;
  if (k.processID === undefined || k.secretKey === undefined || !k.host || !k.port) return;
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  packet.writeInt32BE(k.processID, 8);
  packet.writeInt32BE(k.secretKey, 12);
  const socket = connect({ host: k.host, port: k.port }, () => socket.end(packet));
  socket.setTimeout(5_000, () => socket.destroy());
  socket.on('error', () => socket.destroy());
};

/** SQLSTATEs of a server that is going away or cannot take us: class 08 (connection exception) and these. */
const OUTAGE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What pg (and the embedded engine) say when the connection, the pool or the engine is gone. */
const OUTAGE_MESSAGES = /^Connection terminated|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client has encountered a connection error|Client was closed and is not queryable|PGlite is closed|^the database is closed$/;

/** True for a failure to reach or keep the database, as opposed to an error of the statement itself. */
export const isDatabaseOutage = (error: unknown): boolean => {
  if (isNetworkFailure(error)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('08') || OUTAGE_STATES.has(code))) return true;
  return error instanceof Error && OUTAGE_MESSAGES.test(error.message);
};

/** Rethrows an outage as the domain's `unavailable` (503 with Retry-After); anything else unchanged. */
export const translateOutage = (error: unknown): never => {
  throw isDatabaseOutage(error) ? unavailable(error) : error;
};

const abortError = (signal: AbortSignal): unknown =>
  signal.reason ?? Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Distinct statement texts named per database; texts past it go unnamed (the SQL in the code is a fixed set). */
const MAX_NAMED_STATEMENTS = 2_000;

/**
 * Names for statement texts. PostgreSQL then parses and plans a statement once per connection and later calls send
 * only its parameters: measured on `GET /v1/members` (one indexed query), PostgreSQL's CPU per request went from
 * about 130 to 65 us. A text whose cached plan goes stale in a way PostgreSQL cannot replan (a column's type
 * changed by a migration while this process runs) loses its name and is sent unnamed from then on.
 */
export const statementNames = (enabled: boolean) => {
  const names = new Map<string, string | null>();
  return {
    of: (text: string, params: readonly unknown[] | undefined): string | undefined => {
      // No parameters: the simple protocol, which also takes several statements in one text (pg-boss sends such).
      if (!enabled || params === undefined || params.length === 0) return undefined;
      let name = names.get(text);
      if (name === undefined) {
        name = names.size < MAX_NAMED_STATEMENTS ? `sellpo_${names.size}` : null;
        names.set(text, name);
      }
      return name ?? undefined;
    },
    forget: (text: string): void => void names.set(text, null),
  };
};

/**
 * One result for the caller. A text of several statements (simple protocol) gives pg one result per statement:
 * their rows follow each other, as pg-boss, which sends such texts, reads them.
 */
const resultOf = <R>(r: pg.QueryResult | pg.QueryResult[]): QueryResult<R> =>
  Array.isArray(r)
    ? { rows: r.flatMap((each) => each.rows ?? []) as R[], rowCount: r.reduce((sum, each) => sum + (each.rowCount ?? 0), 0) }
    : { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };

/**
 * An error pg raised itself rather than PostgreSQL's answer. Its connection is in doubt: a parameter pg cannot
 * serialise (a BigInt inside a JSON value) fails after the Parse of a named statement is written, and pg then closes
 * that statement while still marking it parsed, so every later use of the text on that connection would fail with
 * 26000 (prepared statement does not exist). Such a connection is discarded, as the pool does after pool.query.
 */
const raisedByPg = (error: unknown): boolean => !(error instanceof pg.DatabaseError);

/**
 * PostgreSQL's refusal to run a prepared statement whose result type changed under it: SQLSTATE 0A000 raised by
 * RevalidateCachedQuery. Told by the routine, which lc_messages does not translate, not by the message, which it does.
 */
const isStalePlan = (error: unknown): boolean => {
  const e = error as { code?: unknown; routine?: unknown } | null;
  return e?.code === '0A000' && e.routine === 'RevalidateCachedQuery';
};

export const pgDatabase = (options: PgDatabaseOptions): Database => {
  const session = {
    ...(options.connectionString ? { connectionString: options.connectionString } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.user ? { user: options.user } : {}),
    ...(options.database ? { database: options.database } : {}),
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: options.applicationName ?? 'sellpo',
    ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.schema ? { options: `-c search_path=${quoteIdent(options.schema)},public` } : {}),
  };
  const pool = new pg.Pool({ ...session, max: options.max, idleTimeoutMillis: 30_000 });
  const lanes = pipelines({
    connections: options.engine === 'postgres' ? (options.pipelinedConnections ?? 0) : 0,
    // Named apart in pg_stat_activity; TCP keepalive finds a connection that went away in silence while in use.
    open: () => new pg.Client({ ...session, application_name: `${session.application_name}-pipeline`, pipeline: true, keepAlive: true }),
    // An outage, or an error pg raised itself, which leaves the connection in doubt (raisedByPg).
    lost: (error) => isDatabaseOutage(error) || raisedByPg(error),
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const cancellable = options.engine === 'postgres';
  const names = statementNames(options.preparedStatements ?? options.engine === 'postgres');

  /**
   * One statement on the pool or a client, named when it has parameters. A stale named statement is sent again
   * unnamed outside a transaction; inside one the transaction has already failed, so the error stands.
   */
  const send = async (on: pg.Pool | pg.ClientBase, text: string, params: readonly unknown[] | undefined, inTransaction: boolean) => {
    const name = names.of(text, params);
    if (name === undefined) return on.query(text, params as unknown[] | undefined);
    try {
      return await on.query({ name, text, values: params as unknown[] });
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      names.forget(text);
      if (inTransaction) throw error;
      return on.query(text, params as unknown[]);
    }
  };

  /**
   * Runs one statement on `client`; rejects at once if `signal` aborts, and marks the client as broken (still busy:
   * no more statements) or, after an error pg raised itself, in doubt (discarded when released).
   */
  const run = async <R>(
    client: pg.PoolClient,
    text: string,
    params: readonly unknown[] | undefined,
    signal: AbortSignal | undefined,
    broken: Broken,
    inTransaction: boolean,
  ): Promise<QueryResult<R>> => {
    if (signal?.aborted) throw abortError(signal);
    try {
      return resultOf<R>(await (signal ? sendCancellable(client, text, params, signal, broken, inTransaction) : send(client, text, params, inTransaction)));
    } catch (error) {
      if (raisedByPg(error)) broken.doubt = true;
      throw error;
    }
  };

  /** `send`, rejecting at once if `signal` aborts: the statement is cancelled and the client marked still busy. */
  const sendCancellable = async (
    client: pg.PoolClient,
    text: string,
    params: readonly unknown[] | undefined,
    signal: AbortSignal,
    broken: Broken,
    inTransaction: boolean,
  ) => {
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        broken.value = true;
        if (cancellable) sendCancel(client);
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const pending = send(client, text, params, inTransaction);
    pending.catch(() => {}); // settles later on the discarded connection
    try {
      return await Promise.race([pending, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  };

  const onClient = (client: pg.PoolClient, inheritedSignal: AbortSignal | undefined, broken: Broken, depth: number): Database => {
    const tx: Database = {
      engine: options.engine,
      query: (text, params, opts) => run(client, text, params, opts?.signal ?? inheritedSignal, broken, true),
      transaction: async (work, opts) => {
        // Nested transactions become savepoints on the same connection.
        const name = `sp_${depth + 1}`;
        const signal = opts?.signal ?? inheritedSignal;
        await run(client, `SAVEPOINT ${name}`, undefined, signal, broken, true);
        try {
          const value = await work(onClient(client, signal, broken, depth + 1));
          await run(client, `RELEASE SAVEPOINT ${name}`, undefined, signal, broken, true);
          return value;
        } catch (error) {
          if (!broken.value) await run(client, `ROLLBACK TO SAVEPOINT ${name}`, undefined, undefined, broken, true).catch(() => {});
          throw error;
        }
      },
      close: async () => {
        throw new Error('close the database, not a transaction');
      },
    };
    return tx;
  };

  const connection = {
    ...(options.connectionString ? { connectionString: options.connectionString } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.user ? { user: options.user } : {}),
    ...(options.database ? { database: options.database } : {}),
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: `${options.applicationName ?? 'sellpo'}-listen`,
  };
  const listeners = new Set<Listening>();

  let closed: Promise<void> | undefined;
  const db: Database = {
    engine: options.engine,
    // PGlite raises its notifications in the process that runs it (pglite.ts listens there instead).
    ...(options.engine === 'postgres'
      ? {
          listen: (channel: string, handlers: ChannelHandlers) => {
            const listening = listenOn(connection, channel, handlers, () => listeners.delete(listening));
            listeners.add(listening);
            return listening;
          },
        }
      : {}),
    // Outages leave here as DomainError('unavailable'): every repository gets the translation for free.
    query: <R>(text: string, params?: readonly unknown[], opts?: QueryOptions) => query<R>(text, params, opts).catch(translateOutage),
    transaction: (work, opts) => transaction(work, opts).catch(translateOutage),
    close: () =>
      (closed ??= (async () => {
        await Promise.all([...listeners].map((l) => l.close()));
        await Promise.all([lanes.close(), pool.end()]);
        await options.onClose?.();
      })()),
  };

  const query = async <R>(text: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<R>> => {
    const signal = opts?.signal;
    if (!signal) {
      // A statement with parameters shares a pipelined connection when one has room (pipeline.ts).
      const lane = params !== undefined && params.length > 0 ? lanes.take() : undefined;
      if (lane) return resultOf<R>(await lane.run((client) => send(client, text, params, false)));
      return resultOf<R>(await send(pool, text, params, false));
    }
    if (signal.aborted) throw abortError(signal);
    const client = await pool.connect();
    const broken: Broken = { value: false, doubt: false };
    try {
      return await run<R>(client, text, params, signal, broken, false);
    } finally {
      client.release(broken.value || broken.doubt);
    }
  };

  const transaction: Database['transaction'] = async (work, opts) => {
    const signal = opts?.signal;
    if (signal?.aborted) throw abortError(signal);
    const client = await pool.connect();
    const broken: Broken = { value: false, doubt: false };
    try {
      await run(client, 'BEGIN', undefined, signal, broken, true);
      const value = await work(onClient(client, signal, broken, 0));
      await run(client, 'COMMIT', undefined, signal, broken, true);
      return value;
    } catch (error) {
      // A client whose ROLLBACK fails is in an unknown state: discard it rather than pool it.
      if (!broken.value) await client.query('ROLLBACK').catch(() => { broken.value = true; });
      throw error;
    } finally {
      client.release(broken.value || broken.doubt);
    }
  };
  return db;
};

const LISTEN_RETRY_MS = { first: 100, max: 5_000 };

/**
 * LISTEN on a connection of its own (a pooled one would drop the LISTEN when returned). A lost connection is
 * reported (`onGap`) and made again with backoff (100 ms doubling to 5 s); each new LISTEN is reported
 * (`onListening`), since what was notified in between is lost.
 */
const listenOn = (connection: pg.ClientConfig, channel: string, handlers: ChannelHandlers, onClosed: () => void): Listening => {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let delay = LISTEN_RETRY_MS.first;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const lost = (c: pg.Client, error: unknown): void => {
    if (client !== c) return; // already replaced
    client = undefined;
    c.end().catch(() => {});
    if (stopped) return;
    handlers.onGap();
    handlers.onError?.(error);
    schedule();
  };
  const schedule = (): void => {
    retry = setTimeout(() => void connect(), delay);
    retry.unref();
    delay = Math.min(delay * 2, LISTEN_RETRY_MS.max);
  };
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ ...connection, keepAlive: true });
    client = c;
    c.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotify(message.payload ?? '');
    });
    c.on('error', (error) => lost(c, error));
    c.on('end', () => lost(c, new Error('the listening connection ended')));
    try {
      await c.connect();
      await c.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (error) {
      lost(c, error);
      return;
    }
    if (stopped || client !== c) return;
    delay = LISTEN_RETRY_MS.first;
    handlers.onListening?.();
    markReady();
  };
  void connect();
  return {
    ready,
    close: async () => {
      stopped = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      onClosed();
      await c?.end().catch(() => {});
    },
  };
};
