/**
 * No store keeps a secret shown once: the stored Idempotency-Key answer of `POST /v1/api-keys` is read raw from
 * DynamoDB (PostgreSQL and PGlite: tests/platform/replay.test.ts), and migration 0030 strips the key from
 * answers stored before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { systemClock } from '../../core/shared/clock.ts';
import { dynamoIdempotencyStore } from '../../adapters/dynamodb/key-value.ts';
import { tableName } from '../../adapters/dynamodb/tables.ts';
import { loadMigrations, migrate, migrationsDirectory } from '../../adapters/postgres/migrations.ts';
import { memoryAccessStore } from '../../adapters/memory/access.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { postgresUnavailable, withPglite, withPostgres, type TestDatabase } from '../helpers/database.ts';
import { startDynalite, type TestDynamo } from '../helpers/dynamodb.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';

describe('Idempotency-Key answers on DynamoDB (dynalite)', () => {
  let dynamo: TestDynamo;
  let rt: TestRuntime;
  beforeAll(async () => {
    dynamo = await startDynalite();
    rt = await testRuntime({
      overrides: { access: memoryAccessStore(), idempotency: { store: dynamoIdempotencyStore(dynamo.client, dynamo.prefix, systemClock), ttlSeconds: 86_400, lockSeconds: 120 } },
    });
  });
  afterAll(async () => { await rt?.close(); await dynamo?.close(); });

  it('the stored item of a key creation holds no key; the replay gives the metadata and a note', async () => {
    const t = await seedTenant(rt.ports);
    const headers = { ...bearer(t.secret), 'idempotency-key': 'dyn-1' };
    const first = await rt.call('platform.createApiKey', { headers, body: { name: 'sync', role: 'member' } });
    expect(first.status).toBe(201);
    const pk = [t.tenant.id, 'platform.createApiKey', 'dyn-1'].map(encodeURIComponent).join('|');
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: tableName(dynamo.prefix, 'idempotency'), Key: { pk: { S: pk } }, ConsistentRead: true }));
    expect(Item?.state?.S).toBe('completed');
    const raw = JSON.stringify(Item);
    expect(raw).toContain(first.body.apiKey.id);
    expect(raw).not.toContain((first.body.key as string).slice(-32));
    const replay = await rt.call('platform.createApiKey', { headers, body: { name: 'sync', role: 'member' } });
    expect(replay).toMatchObject({ status: 201, body: { apiKey: first.body.apiKey, note: expect.any(String) } });
    expect(replay.body.key).toBeUndefined();
  });
});

const SECRET = `sp_live_Ab3dE9xQ_${'S'.repeat(32)}`;

const other = JSON.stringify({ id: 'order-1', key: 'not a secret here' });

/** Every migration before 0030, then rows stored as the code before it stored them. */
const storedBefore0030 = async (db: TestDatabase) => {
  await migrate(db, loadMigrations(migrationsDirectory()).filter((m) => m.version < 30));
  const body = JSON.stringify({ apiKey: { id: 'k-1', prefix: 'Ab3dE9xQ' }, key: SECRET });
  const insert = 'INSERT INTO idempotency_keys VALUES ($1, $2, $3, \'fp\', \'t\', \'completed\', $4, now(), now() + interval \'1 day\', now())';
  await db.query(insert, ['tenant-a', 'platform.createApiKey', 'old-1', JSON.stringify({ status: 201, headers: { 'cache-control': 'no-store' }, body })]);
  await db.query(insert, ['tenant-a', 'billing.other', 'old-2', JSON.stringify({ status: 201, headers: {}, body: other })]);
};

/** The rest of the migrations strip the key and leave everything else. */
const scrubbed = async (db: TestDatabase) => {
  await migrate(db, loadMigrations(migrationsDirectory()));
  const { rows } = await db.query<{ key: string; response: { status: number; headers: Record<string, string>; body: string } }>(
    'SELECT key, response FROM idempotency_keys ORDER BY key',
  );
  expect(JSON.stringify(rows)).not.toContain(SECRET);
  const kept = rows[0]!.response;
  expect(kept.status).toBe(201);
  expect(kept.headers).toEqual({ 'cache-control': 'no-store' });
  expect(JSON.parse(kept.body)).toEqual({ apiKey: { id: 'k-1', prefix: 'Ab3dE9xQ' }, note: expect.stringMatching(/shown only in the first answer/) });
  // Other endpoints' answers are left as they were.
  expect(rows[1]!.response.body).toBe(other);
};

const engines = [
  { name: 'PGlite', skip: false, open: () => withPglite({ migrated: false }) },
  { name: 'PostgreSQL', skip: (await postgresUnavailable()) !== null, open: () => withPostgres({ migrated: false }) },
];

for (const engine of engines) {
  describe.skipIf(engine.skip)(`migration 0030 on ${engine.name}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await engine.open();
      await storedBefore0030(db);
    });
    afterAll(async () => { await db?.close(); });
    it('strips the key from answers stored before it', () => scrubbed(db));
  });
}
