/**
 * The relational database as the adapters see it: one interface over PostgreSQL (pg pool) and the embedded
 * PGlite (served to pg over the wire protocol on loopback), so every repository has one implementation.
 */
/** DATA_DIR for an embedded database in memory (lost on close): tests and throwaway runs. */
export const IN_MEMORY = 'memory://';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface QueryOptions {
  /** Aborts the statement (the request's signal): the query is cancelled and the promise rejects. */
  signal?: AbortSignal;
}

/** What a listener hears on a channel (PostgreSQL LISTEN/NOTIFY). */
export interface ChannelHandlers {
  /** One NOTIFY's payload, delivered after the notifying transaction committed. */
  onNotify(payload: string): void;
  /**
   * Notifications may have been missed: the listening connection was lost (called then, and again once it is
   * back). Whatever the notifications keep fresh must be dropped.
   */
  onGap(): void;
  /** The LISTEN is in place (the first time, and again after each reconnect, right after `onGap`). */
  onListening?(): void;
  /** Why the connection was lost or could not be made again (it keeps retrying). */
  onError?(error: unknown): void;
}

export interface Listening {
  /** Resolves once the first LISTEN is in place; until then (and while reconnecting) nothing is heard. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface Database {
  readonly engine: 'postgres' | 'pglite';
  /**
   * Listens on `channel` on a connection of its own, reconnecting when it is lost (PostgreSQL), or in the
   * engine itself (the embedded PGlite: it hears only what is raised on the engine directly, not through its
   * socket). Absent where the database cannot deliver notifications to this process.
   */
  listen?(channel: string, handlers: ChannelHandlers): Listening;
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
  /** Runs `work` in one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: Database) => Promise<T>, options?: QueryOptions): Promise<T>;
  close(): Promise<void>;
}
