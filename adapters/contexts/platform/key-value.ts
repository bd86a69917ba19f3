/**
 * Where the key-value stores (idempotency records, rate counters, the response cache) live: DynamoDB when
 * configured, else the relational database, whose expired rows a background process purges hourly.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { HealthCheck } from '../../../core/platform/health.ts';
import type { PlatformPorts } from '../../../core/ports.ts';
import type { Clock } from '../../../core/shared/clock.ts';
import type { Config } from '../../config.ts';
import { tablePrefix, useDynamo } from '../../dynamodb/choice.ts';
import type { Database } from '../../postgres/database.ts';
import { postgresIdempotencyStore, postgresRateCounter, postgresResponseCache, purgeExpired } from '../../postgres/key-value.ts';
import { every, PURGE_EVERY_MS } from '../context.ts';

export interface KeyValueStores {
  ports: Pick<PlatformPorts, 'idempotency' | 'rateCounter' | 'responseCache'>;
  healthChecks: HealthCheck[];
  close(): void;
}

export const keyValueStores = async (config: Config, deps: { database: Database; clock: Clock; logger: Logger; background: boolean }): Promise<KeyValueStores> => {
  const { database, clock, logger } = deps;
  const policy = { ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS, lockSeconds: config.IDEMPOTENCY_LOCK_SECONDS };
  if (useDynamo(config)) {
    // Loaded only here: the AWS SDK is most of the bundle's start-up cost.
    const { openDynamoStores } = await import('../../dynamodb/open.ts');
    const opened = openDynamoStores(config, tablePrefix(config), clock);
    return {
      ports: { idempotency: { store: opened.idempotency, ...policy }, rateCounter: opened.rateCounter, responseCache: opened.responseCache },
      healthChecks: [opened.healthCheck],
      close: () => opened.client.destroy(),
    };
  }
  const stopPurge = deps.background
    ? every(PURGE_EVERY_MS, async () => {
        try {
          const removed = await purgeExpired(database, clock.now());
          if (removed) logger.info('expired key-value rows purged', { removed });
        } catch (error) {
          logger.warn('could not purge expired key-value rows', { error: error as Error });
        }
      })
    : undefined;
  return {
    ports: {
      idempotency: { store: postgresIdempotencyStore(database, clock), ...policy },
      rateCounter: postgresRateCounter(database, clock),
      responseCache: postgresResponseCache(database, clock),
    },
    healthChecks: [],
    close: () => stopPurge?.(),
  };
};
