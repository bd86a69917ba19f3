import * as z from 'zod';
import type { DomainErrorCode } from '../../core/shared/errors.ts';

/** RFC 9457 problem details. `instance` is the request id so a caller can quote it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface FieldError {
  /** Where the bad value came from. */
  in: 'path' | 'query' | 'body' | 'header';
  /** Dotted path to the field within that part, empty for the part itself. */
  field: string;
  message: string;
  code: string;
}

interface ProblemKind {
  status: number;
  title: string;
}

/** Every problem type the API can answer with, written down once; the `type` URI is `urn:sellpo:problem:<key>`. */
export const problemKinds = {
  validation: { status: 400, title: 'Invalid request' },
  malformed_json: { status: 400, title: 'Malformed JSON body' },
  invalid: { status: 400, title: 'Invalid value' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  limit_exceeded: { status: 403, title: 'Plan limit reached' },
  not_found: { status: 404, title: 'Not found' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  request_timeout: { status: 408, title: 'Request timeout' },
  conflict: { status: 409, title: 'Conflict' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  unprocessable: { status: 422, title: 'Unprocessable request' },
  rate_limited: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal server error' },
  upstream_failed: { status: 502, title: 'Upstream provider failed' },
  unavailable: { status: 503, title: 'Service unavailable' },
  timeout: { status: 504, title: 'Timed out' },
} as const satisfies Record<string, ProblemKind>;

export type ProblemKey = keyof typeof problemKinds;

const domainToProblem: Record<DomainErrorCode, ProblemKey> = {
  invalid: 'invalid',
  unprocessable: 'unprocessable',
  not_found: 'not_found',
  conflict: 'conflict',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  limit_exceeded: 'limit_exceeded',
  rate_limited: 'rate_limited',
  payload_too_large: 'payload_too_large',
  unsupported_media_type: 'unsupported_media_type',
  upstream_failed: 'upstream_failed',
  unavailable: 'unavailable',
};

export const problemKeyFor = (code: DomainErrorCode): ProblemKey => domainToProblem[code];

export const problemType = (key: ProblemKey): string => `urn:sellpo:problem:${key.replaceAll('_', '-')}`;

export const problem = (key: ProblemKey, detail: string, instance: string, extra: Record<string, unknown> = {}): Problem => {
  const kind = problemKinds[key];
  return { type: problemType(key), title: kind.title, status: kind.status, detail, instance, ...extra };
};

/** The problem body as a schema, for endpoints' `responses` and the OpenAPI document. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    errors: z
      .array(z.object({ in: z.enum(['path', 'query', 'body', 'header']), field: z.string(), message: z.string(), code: z.string() }))
      .optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; `instance` is the request id.' });
