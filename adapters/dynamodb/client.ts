import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoOptions {
  /** A local engine (dynalite, DynamoDB Local) when set; AWS's regional endpoint otherwise. */
  endpoint?: string;
  region: string;
}

/**
 * The SDK client. Against a local endpoint it gets fixed dummy credentials (local engines accept any), so
 * development and tests never look for AWS credentials; against AWS the SDK's default chain applies.
 */
export const createDynamoClient = (options: DynamoOptions): DynamoDBClient =>
  new DynamoDBClient({
    region: options.region,
    maxAttempts: 3,
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
