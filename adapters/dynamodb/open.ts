import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.ts';
import { createDynamoClient } from './client.ts';
import { tableName } from './tables.ts';

export const DEFAULT_TABLE_PREFIX = 'sellpo_';

/** DynamoDB holds the key-value stores when chosen explicitly, or when its endpoint or table prefix is configured. */
export const useDynamo = (config: Config): boolean =>
  config.KEY_VALUE_STORE ? config.KEY_VALUE_STORE === 'dynamodb' : Boolean(config.DYNAMODB_ENDPOINT || config.DYNAMODB_TABLE_PREFIX);

export const tablePrefix = (config: Config): string => config.DYNAMODB_TABLE_PREFIX ?? DEFAULT_TABLE_PREFIX;

export const dynamoFromConfig = (config: Config): DynamoDBClient =>
  createDynamoClient({ region: config.AWS_REGION, ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}) });

/** /health: the idempotency table answers (DescribeTable is cheap and needs no item). */
export const dynamoHealthCheck = (client: DynamoDBClient, prefix: string) => ({
  name: 'dynamodb',
  check: async (signal: AbortSignal) => {
    await client.send(new DescribeTableCommand({ TableName: tableName(prefix, 'idempotency') }), { abortSignal: signal });
  },
});
