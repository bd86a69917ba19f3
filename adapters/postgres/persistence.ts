/**
 * Wires persistence for the composition root: the relational database (PostgreSQL or embedded PGlite, opened
 * lazily and migrated on open), the key-value ports on DynamoDB or PostgreSQL, their /health checks, and the
 * periodic purge of expired key-value rows and of Toss webhook events past their retention.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { HealthCheck } from '../../core/platform/health.ts';
import type { Ports } from '../../core/ports.ts';
import type { Clock } from '../../core/shared/clock.ts';
import type { Config } from '../config.ts';
import { tablePrefix, useDynamo } from '../dynamodb/choice.ts';
import { purgeWebhookEvents } from './billing.ts';
import type { Database } from './database.ts';
import { postgresIdempotencyStore, postgresRateCounter, postgresResponseCache, purgeExpired } from './key-value.ts';
import { openConfiguredDatabase, type LazyDatabase } from './open.ts';

export interface Persistence {
  database: Database;
  ports: Pick<Ports, 'idempotency' | 'rateCounter' | 'responseCache'>;
  healthChecks: HealthCheck[];
  /** Opens and migrates now, so a server with a broken database or an edited migration fails at start. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface PersistenceOptions {
  clock: Clock;
  logger: Logger;
  /** Use this database instead of the configured one (tests: a fresh PGlite); the caller closes it. */
  database?: Database;
  /** Purge expired key-value rows and webhook events hourly (the long-running server). */
  purge?: boolean;
}

const PURGE_EVERY_MS = 60 * 60 * 1000;

export const buildPersistence = async (config: Config, options: PersistenceOptions): Promise<Persistence> => {
  const { clock, logger } = options;
  const owned: LazyDatabase | undefined = options.database
    ? undefined
    : openConfiguredDatabase(
        config,
        (applied) => {
          if (applied.length) logger.info('migrations applied', { migrations: applied.map((m) => m.file) });
        },
        (message) => logger.warn(message),
      );
  const database = options.database ?? owned!;

  let dynamo: { destroy(): void } | undefined;
  const healthChecks: HealthCheck[] = [{ name: 'database', check: async (signal) => void (await database.query('SELECT 1', [], { signal })) }];
  let stores: Persistence['ports'];
  const policy = { ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS, lockSeconds: config.IDEMPOTENCY_LOCK_SECONDS };
  if (useDynamo(config)) {
    // Loaded only here: the AWS SDK is most of the bundle's start-up cost.
    const { openDynamoStores } = await import('../dynamodb/open.ts');
    const opened = openDynamoStores(config, tablePrefix(config), clock);
    dynamo = opened.client;
    healthChecks.push(opened.healthCheck);
    stores = {
      idempotency: { store: opened.idempotency, ...policy },
      rateCounter: opened.rateCounter,
      responseCache: opened.responseCache,
    };
  } else {
    stores = {
      idempotency: { store: postgresIdempotencyStore(database, clock), ...policy },
      rateCounter: postgresRateCounter(database, clock),
      responseCache: postgresResponseCache(database, clock),
    };
  }

  let timer: NodeJS.Timeout | undefined;
  const purge = async () => {
    try {
      const removed = dynamo ? 0 : await purgeExpired(database, clock.now());
      if (removed) logger.info('expired key-value rows purged', { removed });
    } catch (error) {
      logger.warn('could not purge expired key-value rows', { error: error as Error });
    }
    try {
      // Toss webhook events (raw bodies) past their retention; billing lives in this database whatever holds the key-value stores.
      const removed = await purgeWebhookEvents(database, clock.now());
      if (removed) logger.info('expired webhook events purged', { removed });
    } catch (error) {
      logger.warn('could not purge expired webhook events', { error: error as Error });
    }
  };

  return {
    database,
    ports: stores,
    healthChecks,
    start: async () => {
      await owned?.open();
      if (options.purge) {
        timer = setInterval(() => void purge(), PURGE_EVERY_MS);
        timer.unref();
      }
    },
    close: async () => {
      if (timer) clearInterval(timer);
      dynamo?.destroy();
      await owned?.close();
    },
  };
};
