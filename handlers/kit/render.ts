import type * as z from 'zod';
import { deprecationHeaders } from './deprecation.ts';
import type { AnyEndpoint } from './endpoint.ts';
import type { V2Result } from './gateway-event.ts';
import type { HandlerOptions } from './options.ts';
import type { RequestScope } from './request.ts';

/** What a use case returns, with its types erased. */
export type AnyReply = { status: number; body: unknown; headers?: Record<string, string> };

/** The use case's reply as a result: JSON unless it brings its own encoded body; checked against its schema on request. */
export const renderReply = (def: AnyEndpoint, options: HandlerOptions, reply: AnyReply): V2Result => {
  const schema = def.responses[reply.status];
  if (options.validateResponses) {
    if (!schema) throw new Error(`${def.id} answered ${reply.status}, which it does not declare`);
    const checked = (schema as z.ZodType).safeParse(reply.body);
    if (!checked.success) throw new Error(`${def.id} answered ${reply.status} with a body that breaks its schema: ${checked.error.message}`);
  }
  const contentType = reply.headers?.['content-type'];
  const deprecation = def.deprecated ? deprecationHeaders(def) : undefined;
  // A string body with its own content type is already encoded (YAML, a pre-rendered JSON document): send as is.
  if (contentType && typeof reply.body === 'string') {
    return { statusCode: reply.status, headers: { ...reply.headers, ...deprecation }, body: reply.body };
  }
  return {
    statusCode: reply.status,
    headers: { 'content-type': 'application/json', ...reply.headers, ...deprecation },
    body: reply.body === undefined ? '' : JSON.stringify(reply.body),
  };
};

/**
 * The pipeline's last step: the use case, its reply rendered. A synchronous use case answers without a promise,
 * so middy awaits nothing for it.
 */
export const useCase =
  (def: AnyEndpoint, options: HandlerOptions) =>
  (_event: unknown, s: RequestScope): V2Result | Promise<V2Result> => {
    const reply: AnyReply | Promise<AnyReply> = def.run(s.input as never, s);
    return reply instanceof Promise ? reply.then((r) => renderReply(def, options, r)) : renderReply(def, options, reply);
  };
