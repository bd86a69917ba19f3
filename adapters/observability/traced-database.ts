import { SpanKind, type Span } from '@opentelemetry/api';
import type { Database, QueryOptions, QueryResult } from '../postgres/database.ts';
import { failSpan } from './span-error.ts';
import type { Tracing } from './tracing.ts';

// Long statements are cut: a span attribute is for recognising the query, not for storing it.
const MAX_STATEMENT_CHARS = 2_000;

/** The statement's leading keyword (SELECT, INSERT, WITH, ...), the span's name. */
const operationOf = (text: string): string => {
  const m = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/.exec(text);
  return m ? m[1]!.toUpperCase() : 'QUERY';
};

/**
 * A Database whose queries and transactions are child spans of the active request. The statement text is
 * recorded (parameters never are: values travel as bind parameters, and they may be personal data).
 */
export const tracedDatabase = (db: Database, tracing: Tracing): Database => {
  const attributes = {
    'db.system.name': 'postgresql',
    'sellpo.db.engine': db.engine,
  };
  const settle = <T>(span: Span, promise: Promise<T>, rows?: (value: T) => number): Promise<T> =>
    promise.then(
      (value) => {
        if (rows) span.setAttribute('db.response.returned_rows', rows(value));
        span.end();
        return value;
      },
      (error: unknown) => {
        failSpan(span, error);
        span.end();
        throw error;
      },
    );

  const wrap = (inner: Database): Database => ({
    engine: inner.engine,
    query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      const operation = operationOf(text);
      const span = tracing.startSpan(operation, {
        kind: SpanKind.CLIENT,
        attributes: { ...attributes, 'db.operation.name': operation, 'db.query.text': text.length > MAX_STATEMENT_CHARS ? text.slice(0, MAX_STATEMENT_CHARS) : text },
      });
      let promise: Promise<QueryResult<R>>;
      try {
        promise = inner.query<R>(text, params, options);
      } catch (error) {
        promise = Promise.reject(error);
      }
      return settle(span, promise, (r) => r.rowCount);
    },
    transaction<T>(work: (tx: Database) => Promise<T>, options?: QueryOptions): Promise<T> {
      const span = tracing.startSpan('transaction', { kind: SpanKind.CLIENT, attributes: { ...attributes, 'db.operation.name': 'TRANSACTION' } });
      // The queries of the transaction run with its span active, so they nest under it.
      return settle(span, tracing.withSpan(span, () => inner.transaction((tx) => work(wrap(tx)), options)));
    },
    ...(inner.listen ? { listen: inner.listen.bind(inner) } : {}),
    close: () => inner.close(),
  });
  return wrap(db);
};
