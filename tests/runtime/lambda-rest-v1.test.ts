/**
 * API Gateway REST API (payload 1.0) events through the Lambda handler: the translator turns them into the v2
 * event the endpoints take (path, decoded query values, single- and multi-value headers, body, base64 body, the
 * caller's IP) and the answer back into the v1 result (statusCode, headers, multiValueHeaders with cookies).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../adapters/lambda/serve.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { testEndpoints } from '../helpers/test-endpoints.ts';

let rt: TestRuntime;
let handle: ReturnType<typeof lambdaHandler>;
beforeAll(async () => {
  rt = await testRuntime({ endpoints: testEndpoints });
  handle = lambdaHandler(rt);
});
afterAll(async () => rt.close());

/** A REST API proxy event as API Gateway sends it: both header forms, both query forms, decoded values. */
const restEvent = (over: Record<string, unknown> = {}) => ({
  resource: '/{proxy+}',
  path: '/test/items/chair-1',
  httpMethod: 'POST',
  headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'rest-1', Host: 'api.example.com' },
  multiValueHeaders: { 'Content-Type': ['application/json'], 'X-Request-Id': ['rest-1'], Host: ['api.example.com'] },
  queryStringParameters: { limit: '7', tag: '여름 캠핑' },
  multiValueQueryStringParameters: { limit: ['7'], tag: ['캠핑 의자', '여름 캠핑'] },
  pathParameters: { proxy: 'test/items/chair-1' },
  stageVariables: null,
  requestContext: {
    resourcePath: '/{proxy+}',
    httpMethod: 'POST',
    path: '/prod/test/items/chair-1',
    stage: 'prod',
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    identity: { sourceIp: '203.0.113.9', userAgent: 'curl/8' },
  },
  body: JSON.stringify({ name: '캠핑의자', price: 39_000 }),
  isBase64Encoded: false,
  ...over,
});

type RestResult = { statusCode: number; headers: Record<string, string>; multiValueHeaders: Record<string, string[]>; body: string; isBase64Encoded: boolean };
const call = async (event: unknown) => (await handle(event, {})) as RestResult;

describe('API Gateway REST API (v1) events', () => {
  it('routes by path and method, with decoded multi-value query values, and answers in the v1 shape', async () => {
    const res = await call(restEvent());
    expect(res.statusCode).toBe(201);
    expect(res.isBase64Encoded).toBe(false);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-request-id']).toBe('rest-1');
    expect(res.multiValueHeaders).toEqual({});
    expect(JSON.parse(res.body)).toEqual({ itemId: 'chair-1', limit: 7, tag: ['캠핑 의자', '여름 캠핑'], name: '캠핑의자', price: 39_000 });
    // The caller's address comes from requestContext.identity.
    // The request id is the server's own; the caller's x-request-id is kept as clientRequestId.
    expect(rt.captured.access.at(-1)).toMatchObject({ clientRequestId: 'rest-1', sourceIp: '203.0.113.9', status: 201 });
  });

  it('takes single-value headers and query when the multi-value forms are absent', async () => {
    const res = await call(restEvent({ multiValueHeaders: undefined, multiValueQueryStringParameters: undefined, headers: { 'content-type': 'application/json', 'x-request-id': 'rest-2' } }));
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-request-id']).toBe('rest-2');
    expect(JSON.parse(res.body)).toMatchObject({ limit: 7, tag: '여름 캠핑' });
  });

  it('decodes a base64 body', async () => {
    const body = Buffer.from(JSON.stringify({ name: 'base64', price: 1 })).toString('base64');
    const res = await call(restEvent({ body, isBase64Encoded: true }));
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ name: 'base64', price: 1 });
  });

  it('answers validation failures as problem+json naming each field, in the v1 shape', async () => {
    const res = await call(restEvent({ path: '/test/items/BAD ID', queryStringParameters: { limit: '500' }, multiValueQueryStringParameters: { limit: ['500'] }, body: JSON.stringify({ name: '', price: -1 }) }));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body).errors.map((e: { field: string }) => e.field).sort()).toEqual(['itemId', 'limit', 'name', 'price']);
  });

  it('answers GET without a body, unknown paths with 404 and wrong methods with 405', async () => {
    const ok = await call(restEvent({ httpMethod: 'GET', path: '/test/slow', body: null, queryStringParameters: { ms: '0' }, multiValueQueryStringParameters: { ms: ['0'] } }));
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-request-id']).toBe('rest-1');
    expect(JSON.parse(ok.body).requestId).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await call(restEvent({ httpMethod: 'GET', path: '/test/nowhere', body: null }));
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    const wrong = await call(restEvent({ httpMethod: 'DELETE', body: null }));
    expect(wrong.statusCode).toBe(405);
  });
});
