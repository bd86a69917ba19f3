import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.ts';
import { createDynamoClient } from './client.ts';
import { tableName } from './tables.ts';
import { dynamoIdempotencyStore, dynamoRateCounter, dynamoResponseCache } from './key-value.ts';
import type { Clock } from '../../core/shared/clock.ts';

export const dynamoFromConfig = (config: Config): DynamoDBClient =>
  createDynamoClient({ region: config.AWS_REGION, ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}) });

/** /health: the idempotency table answers (DescribeTable is cheap and needs no item). */
export const dynamoHealthCheck = (client: DynamoDBClient, prefix: string) => ({
  name: 'dynamodb',
  check: async (signal: AbortSignal) => {
    await client.send(new DescribeTableCommand({ TableName: tableName(prefix, 'idempotency') }), { abortSignal: signal });
  },
});

/** The client, its /health check and the three key-value stores on it: what persistence needs, in one import. */
export const openDynamoStores = (config: Config, prefix: string, clock: Clock) => {
  const client = dynamoFromConfig(config);
  return {
    client,
    healthCheck: dynamoHealthCheck(client, prefix),
    idempotency: dynamoIdempotencyStore(client, prefix, clock),
    rateCounter: dynamoRateCounter(client, prefix, clock),
    responseCache: dynamoResponseCache(client, prefix, clock),
  };
};
