import { createServer } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoClient, isDynamoOutage } from './client.ts';

/** A loopback port on which nothing listens. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

describe('DynamoDB outages', () => {
  it('an unreachable endpoint is the domain\'s unavailable (503 with Retry-After), not a bare socket error', async () => {
    const client = createDynamoClient({ region: 'ap-northeast-2', endpoint: `http://127.0.0.1:${await closedPort()}` });
    try {
      const error = await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'k' } } })).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'DomainError', code: 'unavailable', retryAfterSeconds: 5 });
    } finally {
      client.destroy();
    }
  });

  it('tells service faults and throttling from the request\'s own errors', () => {
    expect(isDynamoOutage({ name: 'InternalServerError', $fault: 'server' })).toBe(true);
    expect(isDynamoOutage({ name: 'ProvisionedThroughputExceededException', $fault: 'client' })).toBe(true);
    expect(isDynamoOutage({ name: 'ConditionalCheckFailedException', $fault: 'client' })).toBe(false);
    expect(isDynamoOutage({ name: 'ValidationException', $fault: 'client' })).toBe(false);
    expect(isDynamoOutage({ name: 'AbortError' })).toBe(false);
  });
});
