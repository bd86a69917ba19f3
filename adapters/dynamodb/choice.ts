/**
 * Whether DynamoDB holds the key-value stores, decided from configuration alone: this module imports no AWS SDK,
 * so processes that do not use DynamoDB never load it (about 50 ms of start-up).
 */
import type { Config } from '../config.ts';

export const DEFAULT_TABLE_PREFIX = 'sellpo_';

/** DynamoDB holds the key-value stores when chosen explicitly, or when its endpoint or table prefix is configured. */
export const useDynamo = (config: Config): boolean =>
  config.KEY_VALUE_STORE ? config.KEY_VALUE_STORE === 'dynamodb' : Boolean(config.DYNAMODB_ENDPOINT || config.DYNAMODB_TABLE_PREFIX);

export const tablePrefix = (config: Config): string => config.DYNAMODB_TABLE_PREFIX ?? DEFAULT_TABLE_PREFIX;
