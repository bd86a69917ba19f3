/** dynalite (an in-process DynamoDB) on a free loopback port, with the service's tables under a fresh prefix. */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../adapters/dynamodb/client.ts';
import { createTables } from '../../adapters/dynamodb/tables.ts';

const require = createRequire(import.meta.url);

export interface TestDynamo {
  endpoint: string;
  client: DynamoDBClient;
  prefix: string;
  close(): Promise<void>;
}

export const startDynalite = async (options: { createTables?: boolean } = {}): Promise<TestDynamo> => {
  const dynalite = require('dynalite') as (opts: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createDynamoClient({ endpoint, region: 'ap-northeast-2' });
  const prefix = `test_${randomBytes(4).toString('hex')}_`;
  if (options.createTables !== false) await createTables(client, prefix);
  return {
    endpoint,
    client,
    prefix,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
