/**
 * DynamoDB tables, defined once in code: `sellpo dynamodb create-tables` creates them and the adapters read their
 * names from here. Every table has one string partition key `pk`, on-demand billing, and a `ttl` attribute
 * (epoch seconds) that DynamoDB's TTL uses to delete expired items; reads never rely on TTL having run.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export interface TableDefinition {
  /** Logical name; the physical name is `<prefix><name>`. */
  name: 'idempotency' | 'rate_counters' | 'response_cache';
  description: string;
}

export const tables: readonly TableDefinition[] = [
  { name: 'idempotency', description: 'Idempotency-Key records: one item per tenant, endpoint and key' },
  { name: 'rate_counters', description: 'fixed-window counters: one item per counter name and window' },
  { name: 'response_cache', description: 'provider responses cached with a TTL' },
];

export const tableName = (prefix: string, name: TableDefinition['name']): string => `${prefix}${name}`;

export interface CreateResult {
  table: string;
  status: 'created' | 'exists';
  ttl: 'enabled' | 'unsupported';
}

const waitActive = async (client: DynamoDBClient, table: string, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`table ${table} is still ${Table?.TableStatus ?? 'unknown'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

/** Creates every table that does not exist yet (idempotent) and turns on TTL where the engine supports it. */
export const createTables = async (client: DynamoDBClient, prefix: string, timeoutMs = 60_000): Promise<CreateResult[]> => {
  const results: CreateResult[] = [];
  for (const def of tables) {
    const table = tableName(prefix, def.name);
    let status: CreateResult['status'] = 'created';
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      status = 'exists';
    }
    await waitActive(client, table, timeoutMs);
    let ttl: CreateResult['ttl'] = 'enabled';
    try {
      await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }));
    } catch (error) {
      const name = (error as Error).name;
      // Already on (real DynamoDB answers ValidationException), or a local engine without TTL (dynalite).
      if (name === 'ValidationException' && /already enabled/i.test((error as Error).message)) ttl = 'enabled';
      else if (name === 'UnknownOperationException' || name === 'UnrecognizedClientException' || /unknown ?operation/i.test((error as Error).message)) ttl = 'unsupported';
      else throw error;
    }
    results.push({ table, status, ttl });
  }
  return results;
};
