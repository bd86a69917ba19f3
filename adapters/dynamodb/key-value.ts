/**
 * DynamoDB adapters of the platform's key-value ports (tables in tables.ts). Correctness rests on conditional
 * writes: a key is claimed, a counter incremented, only when the condition holds at the moment of the write.
 * Expiry is checked against the application's clock on every read; DynamoDB's TTL only tidies up later.
 */
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../core/shared/clock.ts';
import type { BeginResult, IdempotencyKey, IdempotencyStore, StoredResponse } from '../../core/platform/idempotency.ts';
import { checkConsumeRequest, windowBounds, type RateCounter } from '../../core/platform/rate-counter.ts';
import { encodeCacheValue, type CachedValue, type ResponseCache } from '../../core/platform/response-cache.ts';
import { tableName } from './tables.ts';

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });
const num = (value: AttributeValue | undefined): number => Number(value?.N ?? 0);
const epochSeconds = (ms: number) => Math.ceil(ms / 1000);

/** Ignores the one failure that means "the condition did not hold", which callers treat as an answer. */
const conditional = async <T>(write: Promise<T>): Promise<T | null> => {
  try {
    return await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return null;
    throw error;
  }
};

// Components are percent-encoded so a separator inside a tenant id or key cannot make two keys collide.
const idempotencyPk = (k: IdempotencyKey) => [k.scope, k.operation, k.key].map(encodeURIComponent).join('|');

export const dynamoIdempotencyStore = (client: DynamoDBClient, prefix: string, clock: Clock): IdempotencyStore => {
  const TableName = tableName(prefix, 'idempotency');
  return {
    begin: async (k, options): Promise<BeginResult> => {
      const pk = idempotencyPk(k);
      for (let attempt = 0; attempt < 5; attempt++) {
        const now = clock.now().getTime();
        const token = randomUUID();
        const expiresAt = now + options.ttlSeconds * 1000;
        const put = await conditional(
          client.send(
            new PutItemCommand({
              TableName,
              Item: {
                pk: S(pk), tenantId: S(k.scope), operation: S(k.operation), fingerprint: S(options.fingerprint), token: S(token),
                state: S('in_progress'), lockedUntil: N(now + options.lockSeconds * 1000), expiresAt: N(expiresAt),
                createdAt: N(now), ttl: N(epochSeconds(expiresAt)),
              },
              ConditionExpression:
                'attribute_not_exists(pk) OR expiresAt <= :now OR (#state = :running AND lockedUntil <= :now AND fingerprint = :fp)',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: { ':now': N(now), ':running': S('in_progress'), ':fp': S(options.fingerprint) },
            }),
          ),
        );
        if (put) return { state: 'new', token };
        const { Item } = await client.send(new GetItemCommand({ TableName, Key: { pk: S(pk) }, ConsistentRead: true }));
        if (!Item) continue; // released between the two calls: try to claim again
        if (Item.fingerprint?.S !== options.fingerprint) return { state: 'mismatch' };
        if (Item.state?.S === 'completed' && Item.response?.S) return { state: 'completed', response: JSON.parse(Item.response.S) as StoredResponse };
        return { state: 'in_progress' };
      }
      throw new Error(`idempotency key ${k.key}: could not claim or read it after 5 attempts`);
    },
    complete: async (k, token, response) => {
      await conditional(
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: { pk: S(idempotencyPk(k)) },
            UpdateExpression: 'SET #state = :completed, #response = :response',
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#state': 'state', '#response': 'response', '#token': 'token' },
            ExpressionAttributeValues: { ':completed': S('completed'), ':response': S(JSON.stringify(response)), ':token': S(token) },
          }),
        ),
      );
    },
    release: async (k, token) => {
      await conditional(
        client.send(
          new DeleteItemCommand({
            TableName,
            Key: { pk: S(idempotencyPk(k)) },
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':token': S(token) },
          }),
        ),
      );
    },
  };
};

export const dynamoRateCounter = (client: DynamoDBClient, prefix: string, clock: Clock): RateCounter => {
  const TableName = tableName(prefix, 'rate_counters');
  const read = async (pk: string): Promise<number> => {
    const { Item } = await client.send(new GetItemCommand({ TableName, Key: { pk: S(pk) }, ConsistentRead: true }));
    return num(Item?.count);
  };
  return {
    consume: async (request) => {
      const amount = checkConsumeRequest(request);
      const { start, end } = windowBounds(clock.now().getTime(), request.window);
      const pk = `${encodeURIComponent(request.name)}|${start}`;
      const resetAt = new Date(end);
      if (amount <= request.limit) {
        const updated = await conditional(
          client.send(
            new UpdateItemCommand({
              TableName,
              Key: { pk: S(pk) },
              UpdateExpression: 'SET #ttl = :ttl ADD #count :amount',
              ConditionExpression: 'attribute_not_exists(#count) OR #count <= :max',
              ExpressionAttributeNames: { '#count': 'count', '#ttl': 'ttl' },
              ExpressionAttributeValues: { ':amount': N(amount), ':max': N(request.limit - amount), ':ttl': N(epochSeconds(end) + 60) },
              ReturnValues: 'UPDATED_NEW',
            }),
          ),
        );
        if (updated) return { allowed: true, count: num(updated.Attributes?.count), limit: request.limit, resetAt };
      }
      return { allowed: false, count: await read(pk), limit: request.limit, resetAt };
    },
    peek: async (name, window) => {
      const { start, end } = windowBounds(clock.now().getTime(), window);
      return { count: await read(`${encodeURIComponent(name)}|${start}`), resetAt: new Date(end) };
    },
    release: async ({ name, window, windowStart, amount }) => {
      if (windowStart.getTime() + window.sizeMs <= clock.now().getTime()) return;
      // Never below zero: a count smaller than the amount (it cannot be, unless edited by hand) is left as it is.
      await conditional(
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: { pk: S(`${encodeURIComponent(name)}|${windowStart.getTime()}`) },
            UpdateExpression: 'ADD #count :minus',
            ConditionExpression: '#count >= :amount',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':minus': N(-amount), ':amount': N(amount) },
          }),
        ),
      );
    },
  };
};

/** DynamoDB refuses items above 400 KB; leave room for the other attributes. */
const MAX_CACHE_VALUE_BYTES = 390_000;

export const dynamoResponseCache = (client: DynamoDBClient, prefix: string, clock: Clock): ResponseCache => {
  const TableName = tableName(prefix, 'response_cache');
  return {
    get: async <T>(key: string): Promise<CachedValue<T> | null> => {
      const { Item } = await client.send(new GetItemCommand({ TableName, Key: { pk: S(key) }, ConsistentRead: true }));
      if (!Item?.value?.S || num(Item.expiresAt) <= clock.now().getTime()) return null;
      return { value: JSON.parse(Item.value.S) as T, storedAt: new Date(num(Item.storedAt)), expiresAt: new Date(num(Item.expiresAt)) };
    },
    put: async (key, value, ttlMs) => {
      const text = encodeCacheValue(key, value, ttlMs);
      const bytes = Buffer.byteLength(text);
      if (bytes > MAX_CACHE_VALUE_BYTES) throw new RangeError(`response cache ${key}: ${bytes} bytes is above DynamoDB's item limit (${MAX_CACHE_VALUE_BYTES})`);
      const now = clock.now().getTime();
      await client.send(
        new PutItemCommand({
          TableName,
          Item: { pk: S(key), value: S(text), storedAt: N(now), expiresAt: N(now + ttlMs), ttl: N(epochSeconds(now + ttlMs)) },
        }),
      );
    },
    delete: async (key) => {
      await client.send(new DeleteItemCommand({ TableName, Key: { pk: S(key) } }));
    },
  };
};
