import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isNetworkFailure, unavailable } from '../outage.ts';

export interface DynamoOptions {
  /** A local engine (dynalite, DynamoDB Local) when set; AWS's regional endpoint otherwise. */
  endpoint?: string;
  region: string;
}

/**
 * The SDK client. Against a local endpoint it gets fixed dummy credentials (local engines accept any), so
 * development and tests never look for AWS credentials; against AWS the SDK's default chain applies.
 */
export const createDynamoClient = (options: DynamoOptions): DynamoDBClient => {
  const client = new DynamoDBClient({
    region: options.region,
    maxAttempts: 3,
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  // Outermost, so it sees what is left after the SDK's retries: an unreachable or failing service is an outage.
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw isDynamoOutage(error) ? unavailable(error) : error;
      }
    },
    { step: 'initialize', name: 'sellpoOutageTranslation' },
  );
  return client;
};

/**
 * The service cannot be reached (socket errors) or answers with a server-side
 * fault (5xx, throttling after retries). Conditional-check failures, validation errors and the caller's own
 * aborts are not outages and pass through.
 */
export const isDynamoOutage = (error: unknown): boolean => {
  if (isNetworkFailure(error)) return true;
  const e = error as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (!e || e.name === 'AbortError') return false;
  if (e.$fault === 'server') return true;
  return e.name === 'ThrottlingException' || e.name === 'ProvisionedThroughputExceededException' || e.name === 'RequestLimitExceeded';
};
