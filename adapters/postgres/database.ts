/**
 * The relational database as the adapters see it: one interface over PostgreSQL (pg pool) and the embedded
 * PGlite (served to pg over the wire protocol on loopback), so every repository has one implementation.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface QueryOptions {
  /** Aborts the statement (the request's signal): the query is cancelled and the promise rejects. */
  signal?: AbortSignal;
}

export interface Database {
  readonly engine: 'postgres' | 'pglite';
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
  /** Runs `work` in one transaction on one connection; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: Database) => Promise<T>, options?: QueryOptions): Promise<T>;
  close(): Promise<void>;
}
