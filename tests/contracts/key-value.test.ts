/** The key-value contract suites on every adapter: PostgreSQL adapters on PGlite and PostgreSQL, DynamoDB on dynalite. */
import { afterAll, beforeAll, describe } from 'vitest';
import { postgresIdempotencyStore, postgresRateCounter, postgresResponseCache } from '../../adapters/postgres/key-value.ts';
import { dynamoIdempotencyStore, dynamoRateCounter, dynamoResponseCache } from '../../adapters/dynamodb/key-value.ts';
import { databaseEngines, type TestDatabase } from '../helpers/database.ts';
import { startDynalite, type TestDynamo } from '../helpers/dynamodb.ts';
import { idempotencyContract, manualClock, rateCounterContract, responseCacheContract } from './key-value.contracts.ts';

for (const engine of await databaseEngines()) {
  describe.skipIf(engine.skip !== null)(`PostgreSQL adapters on ${engine.name}${engine.skip ? ` (skipped: ${engine.skip})` : ''}`, () => {
    let db: TestDatabase;
    beforeAll(async () => { db = await engine.open(); });
    afterAll(async () => { await db?.close(); });
    idempotencyContract(() => { const clock = manualClock(); return { clock, port: postgresIdempotencyStore(db, clock) }; });
    rateCounterContract(() => { const clock = manualClock(); return { clock, port: postgresRateCounter(db, clock) }; });
    responseCacheContract(() => { const clock = manualClock(); return { clock, port: postgresResponseCache(db, clock) }; });
  });
}

describe('DynamoDB adapters on dynalite', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => { dynamo = await startDynalite(); });
  afterAll(async () => { await dynamo?.close(); });
  idempotencyContract(() => { const clock = manualClock(); return { clock, port: dynamoIdempotencyStore(dynamo.client, dynamo.prefix, clock) }; });
  rateCounterContract(() => { const clock = manualClock(); return { clock, port: dynamoRateCounter(dynamo.client, dynamo.prefix, clock) }; });
  responseCacheContract(() => { const clock = manualClock(); return { clock, port: dynamoResponseCache(dynamo.client, dynamo.prefix, clock) }; });
});
