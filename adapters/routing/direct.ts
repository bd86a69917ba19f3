import { buildV2Event, fillPath } from './build-event.ts';
import type { AnyEndpoint, HttpHandler, V2Event, V2Result } from '../../handlers/toolkit.ts';

/** One request to an endpoint, given by its parts rather than as a URL: what the CLI and the tests send. */
export interface RequestSpec {
  path?: Record<string, string>;
  query?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Direct calls identify themselves as the CLI, their first caller, does. */
const DIRECT_USER_AGENT = 'sellpo-cli';

/** The headers a direct request carries: its user agent, then the spec's, lowercased. */
export const requestHeaders = (spec: RequestSpec): Record<string, string> => {
  const headers: Record<string, string> = { 'user-agent': DIRECT_USER_AGENT };
  for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = v;
  return headers;
};

export const toQueryString = (query: RequestSpec['query']): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  return params.toString();
};

/** What a spec lacks to address its endpoint, said as the CLI flags that would supply it. */
export const missingPathMessage = (def: AnyEndpoint, missing: readonly string[]): string =>
  `${def.id} needs path value${missing.length > 1 ? 's' : ''} ${missing.map((m) => `--path ${m}=...`).join(', ')}`;

/** The v2 event an HTTP request for the spec would have produced, or the path values it lacks. */
export const directEvent = (def: AnyEndpoint, spec: RequestSpec): { event: V2Event; missing?: undefined } | { missing: string[] } => {
  const pathValues = spec.path ?? {};
  const { path, missing } = fillPath(def.path, pathValues);
  if (missing.length) return { missing };
  const headers = requestHeaders(spec);
  const hasBody = spec.body !== undefined;
  if (hasBody) headers['content-type'] ??= 'application/json';
  const event = buildV2Event({
    method: def.method,
    rawPath: path,
    rawQueryString: toQueryString(spec.query),
    headers,
    ...(hasBody ? { body: JSON.stringify(spec.body) } : {}),
    pathParameters: pathValues,
    routeKey: `${def.method} ${def.path}`,
  });
  return { event };
};

/** Calls the endpoint's handler directly, without routing, with the event an HTTP request would have produced. */
export const invokeDirect = async (def: AnyEndpoint, handler: HttpHandler, spec: RequestSpec): Promise<V2Result> => {
  const request = directEvent(def, spec);
  if (request.missing) throw new Error(missingPathMessage(def, request.missing));
  return handler(request.event, {});
};
