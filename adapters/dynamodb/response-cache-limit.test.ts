import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type TestDynamo } from '../../tests/helpers/dynamodb.ts';
import { dynamoResponseCache } from './key-value.ts';

// DynamoDB refuses items above 400 KB; the cache keeps each stored JSON text at most 390,000 bytes.
// A string of n ASCII characters serialises as n + 2 bytes (the two quotes).
describe('DynamoDB response cache size limit', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.close();
  });
  const clock = { now: () => new Date('2026-05-01T00:00:00Z') };

  it('stores a value of exactly 390,000 bytes', async () => {
    const cache = dynamoResponseCache(dynamo.client, dynamo.prefix, clock);
    const value = 'a'.repeat(389_998);
    await cache.put('at-limit', value, 60_000);
    expect((await cache.get<string>('at-limit'))?.value).toBe(value);
  });

  it('refuses a value of 390,001 bytes and stores nothing', async () => {
    const cache = dynamoResponseCache(dynamo.client, dynamo.prefix, clock);
    await expect(cache.put('over-limit', 'a'.repeat(389_999), 60_000)).rejects.toThrow(/390001 bytes is above DynamoDB's item limit \(390000\)/);
    expect(await cache.get('over-limit')).toBeNull();
  });
});
