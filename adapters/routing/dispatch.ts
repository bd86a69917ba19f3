import { Router } from './router.ts';
import {
  createHandler,
  ProblemError,
  unroutedAnswer,
  type AnyEndpoint,
  type HandlerOptions,
  type HttpHandler,
  type InvocationContext,
  type V2Event,
  type V2Result,
} from '../../handlers/toolkit.ts';

export type Dispatch = (event: V2Event, context?: InvocationContext) => Promise<V2Result>;

export interface Dispatcher {
  dispatch: Dispatch;
  handlers: ReadonlyMap<string, HttpHandler>;
  router: Router<{ def: AnyEndpoint; handler: HttpHandler }>;
}

/**
 * Routes a v2 event to the handler of the matching endpoint. Unknown paths (404), known paths with another
 * method (405 with Allow) and undecodable paths (400) get a problem answer and an access line like any request.
 */
export const createDispatcher = (endpoints: readonly AnyEndpoint[], options: HandlerOptions): Dispatcher => {
  const router = new Router<{ def: AnyEndpoint; handler: HttpHandler }>();
  const handlers = new Map<string, HttpHandler>();
  for (const def of endpoints) {
    if (handlers.has(def.id)) throw new Error(`endpoint id ${def.id} is defined twice`);
    const handler = createHandler(def, options);
    handlers.set(def.id, handler);
    router.add(def.method, def.path, { def, handler });
  }

  const answer = (event: V2Event, error: ProblemError): V2Result =>
    unroutedAnswer(
      error,
      {
        requestIdHeader: event.headers?.['x-request-id'],
        method: event.requestContext.http.method,
        path: event.rawPath,
        sourceIp: event.requestContext.http.sourceIp,
        started: performance.now(),
      },
      options,
    );

  const dispatch: Dispatch = async (event, context) => {
    const method = event.requestContext.http.method;
    const match = router.match(method, event.rawPath);
    switch (match.kind) {
      case 'found':
        event.pathParameters = match.params;
        event.routeKey = `${match.value.def.method} ${match.value.def.path}`;
        return match.value.handler(event, context);
      case 'method_not_allowed': {
        const allow = match.allow.join(', ');
        return answer(event, new ProblemError('method_not_allowed', `${method} is not allowed on ${event.rawPath}; use ${allow}.`, { allow: match.allow }, { allow }));
      }
      case 'bad_path':
        return answer(
          event,
          new ProblemError('validation', '1 invalid field; see errors.', {
            errors: [{ in: 'path', field: match.param, message: 'is not validly percent-encoded UTF-8', code: 'invalid_encoding' }],
          }),
        );
      default:
        return answer(event, new ProblemError('route_not_found', `No route for ${method} ${event.rawPath}.`));
    }
  };

  return { dispatch, handlers, router };
};

