import * as z from 'zod';
import { OpenApiBuilder, type OperationObject, type ParameterObject, type ResponsesObject, type SchemaObject } from 'openapi3-ts/oas31';
import { API_VERSION, checkDeprecation, deprecationLink, isIdempotent, isMetered, problemKinds, problemSchema, problemType, type AnyEndpoint } from '../handlers/toolkit.ts';

type Json = Record<string, unknown>;

/**
 * zod -> JSON Schema (2020-12, which OpenAPI 3.1 uses as is) for one schema; named sub-schemas (`.meta({id})`)
 * are hoisted into components and referenced from there.
 */
const toSchema = (schema: z.ZodType, io: 'input' | 'output', components: Map<string, string>, out: Record<string, SchemaObject>): SchemaObject => {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Json;
  const defs = (json.$defs ?? {}) as Record<string, Json>;
  delete json.$defs;
  delete json.$schema;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      const obj: Json = {};
      for (const [k, v] of Object.entries(value)) {
        obj[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? `#/components/schemas/${v.slice(8)}` : rewrite(v);
      }
      return obj;
    }
    return value;
  };
  // A named schema read as input (defaults optional, coercions) can differ from the same schema as output;
  // the input form then becomes its own component, `<Name>Input`.
  const renamed = new Map<string, string>();
  for (const [name, def] of Object.entries(defs)) {
    const text = JSON.stringify(rewrite(def));
    const seen = components.get(name);
    if (seen === undefined || seen === text) continue;
    if (io === 'input') renamed.set(name, `${name}Input`);
    else throw new Error(`two different schemas are named ${name}`);
  }
  const rename = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rename);
    if (value && typeof value === 'object') {
      const obj: Json = {};
      for (const [k, v] of Object.entries(value)) {
        const target = k === '$ref' && typeof v === 'string' ? renamed.get(v.slice('#/components/schemas/'.length)) : undefined;
        obj[k] = target ? `#/components/schemas/${target}` : rename(v);
      }
      return obj;
    }
    return value;
  };
  for (const [name, def] of Object.entries(defs)) {
    const finalName = renamed.get(name) ?? name;
    const body = rename(rewrite(def)) as SchemaObject;
    const text = JSON.stringify(body);
    const seen = components.get(finalName);
    if (seen !== undefined && seen !== text) throw new Error(`two different schemas are named ${finalName}`);
    components.set(finalName, text);
    out[finalName] = body;
  }
  // A top-level schema with an id comes back as a $ref to its own entry in $defs, now a component.
  return rename(rewrite(json)) as SchemaObject;
};

const PROBLEM = 'application/problem+json';
const problemContent = { [PROBLEM]: { schema: { $ref: '#/components/schemas/Problem' } } };
const wwwAuthenticate = {
  'WWW-Authenticate': { description: 'Bearer realm="sellpo", with error="invalid_token" when a credential was sent and refused (RFC 6750).', schema: { type: 'string' } },
};
const retryAfter = {
  'Retry-After': { description: 'Seconds after which a retry may succeed.', schema: { type: 'integer', minimum: 0 } },
};

/**
 * Statuses the toolkit answers for an endpoint, derived from what its definition says (handlers/kit/handler.ts
 * and idempotency.ts), so no endpoint lists them by hand. A status the endpoint also declares keeps the
 * endpoint's description and gains the problem body as a second media type.
 */
const toolkitStatuses = (def: AnyEndpoint): [status: string, description: string][] => {
  const out: [string, string][] = [];
  const idempotent = isIdempotent(def);
  if (def.params || def.query || def.body) out.push(['400', 'Invalid input: every bad field is listed in `errors`.']);
  else if (idempotent) out.push(['400', 'Invalid `Idempotency-Key` header.']);
  if (def.access === 'tenant' || def.access === 'admin') {
    out.push(['401', 'Missing or invalid credentials.']);
    out.push(['403', 'The credentials do not grant this (wrong kind of credential, role or plan limit).']);
  }
  if (def.flag || def.params) out.push(['404', 'Not found (or the feature is not enabled).']);
  if (idempotent) {
    out.push(['409', 'A request with this `Idempotency-Key` is still running; retry after it finishes.']);
    out.push(['422', 'This `Idempotency-Key` was already used with a different request.']);
  }
  if (def.body) {
    out.push(['413', 'Body larger than 1 MiB.']);
    out.push(['415', 'Body is not JSON.']);
  }
  // Failed authentication is throttled per source and key prefix on every credentialed operation.
  if (def.access === 'tenant' || def.access === 'admin') {
    out.push(['429', isMetered(def)
      ? 'Too many failed authentications from this address or with this key prefix, or the plan\'s daily API calls are spent; retry after `Retry-After` seconds.'
      : 'Too many failed authentications from this address or with this key prefix; retry after `Retry-After` seconds.']);
  }
  out.push(['500', 'Unexpected error; quote the request id.']);
  out.push(['503', 'A dependency is unavailable; retry after `Retry-After` seconds.']);
  return out;
};

/**
 * The media type and schema of one declared response. Problems are `application/problem+json`; a string with a
 * `contentMediaType` is a body the endpoint encodes itself (its `contentSchema`, if any, describes the decoded
 * JSON); any other string is text/plain.
 */
const responseContent = (json: SchemaObject): Record<string, { schema: SchemaObject }> => {
  const j = json as Json;
  if (j.$ref === '#/components/schemas/Problem') return { ...problemContent };
  if (j.type === 'string' && typeof j.contentMediaType === 'string') {
    const media = j.contentMediaType;
    if (/[/+]json$/.test(media) && j.contentSchema && typeof j.contentSchema === 'object') {
      return { [media]: { schema: { ...(typeof j.description === 'string' ? { description: j.description } : {}), ...(j.contentSchema as SchemaObject) } } };
    }
    return { [media]: { schema: json } };
  }
  return { [j.type === 'string' ? 'text/plain' : 'application/json']: { schema: json } };
};

/** The OpenAPI 3.1 document of a set of endpoints: paths, parameters, bodies, every response, problem types. */
export const buildOpenApi = (endpoints: readonly AnyEndpoint[]): Json => {
  const components = new Map<string, string>();
  const schemas: Record<string, SchemaObject> = {};
  toSchema(problemSchema, 'output', components, schemas);
  // Output forms claim the plain component names first, so which name an input form gets never depends on order.
  for (const def of endpoints) {
    for (const schema of Object.values(def.responses as Record<string, z.ZodType>)) toSchema(schema, 'output', components, schemas);
  }

  const builder = OpenApiBuilder.create()
    .addOpenApiVersion('3.1.0')
    .addInfo({
      title: 'Sell-Po API',
      version: API_VERSION,
      description:
        'Keyword demand, market data, sourcing, landed cost and margin, stock and profit for sellers on Naver Smart Store and Coupang.\n\n' +
        'Errors are RFC 9457 problem details (`application/problem+json`); `instance` is the request id, also sent as `x-request-id`. ' +
        `Problem types: ${Object.keys(problemKinds).map((k) => `\`${problemType(k as keyof typeof problemKinds)}\``).join(', ')}.`,
    })
    .addServer({ url: '/' })
    .addSecurityScheme('bearer', {
      type: 'http',
      scheme: 'bearer',
      description: 'An API key (`sp_...`) or a short-lived JWT issued for the web front end.',
    });

  const byPath = new Map<string, AnyEndpoint[]>();
  for (const def of [...endpoints].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))) {
    byPath.set(def.path, [...(byPath.get(def.path) ?? []), def]);
  }

  for (const [path, defs] of byPath) {
    const item: Record<string, OperationObject> = {};
    for (const def of defs) {
      const parameters: ParameterObject[] = [];
      const addParams = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
        if (!schema) return;
        const json = toSchema(schema, 'input', components, schemas) as Json;
        const props = (json.properties ?? {}) as Record<string, Json>;
        const required = new Set((json.required as string[] | undefined) ?? []);
        for (const [name, prop] of Object.entries(props)) {
          const { description, ...rest } = prop;
          parameters.push({
            name,
            in: where,
            required: where === 'path' || required.has(name),
            ...(typeof description === 'string' ? { description } : {}),
            schema: rest as SchemaObject,
            ...(rest.type === 'array' ? { style: 'form', explode: true } : {}),
          });
        }
      };
      addParams(def.params, 'path');
      addParams(def.query, 'query');

      const responses: ResponsesObject = {};
      for (const [status, schema] of Object.entries(def.responses as Record<string, z.ZodType>)) {
        const json = toSchema(schema, 'output', components, schemas);
        responses[status] = {
          description: schema.description ?? (Number(status) < 400 ? 'Success' : 'Failure'),
          content: responseContent(json),
        };
      }
      for (const [status, description] of toolkitStatuses(def)) {
        const declared = responses[status] as { description: string; content: Record<string, unknown> } | undefined;
        if (declared) declared.content[PROBLEM] ??= problemContent[PROBLEM];
        else responses[status] = { description, content: { ...problemContent } };
        if (status === '429' || status === '503') (responses[status] as Json).headers ??= retryAfter;
        if (status === '401') (responses[status] as Json).headers ??= wwwAuthenticate;
      }

      const op: OperationObject = {
        operationId: def.id,
        summary: def.summary,
        ...(def.description ? { description: def.description } : {}),
        tags: def.tags,
        ...(parameters.length ? { parameters } : {}),
        ...(def.access === 'tenant' || def.access === 'admin' ? { security: [{ bearer: [] }] } : { security: [] }),
        responses,
      };
      if (def.body) {
        op.requestBody = {
          required: true,
          content: {
            'application/json': {
              schema: toSchema(def.body, 'input', components, schemas),
              ...(def.example !== undefined ? { example: def.example } : {}),
            },
          },
        };
      }
      const ext = op as Json;
      if (def.deprecated) {
        checkDeprecation(def);
        const fields = def.deprecated.fields;
        if (fields) {
          const marked = new Set<string>();
          const walk = (v: unknown): void => {
            if (Array.isArray(v)) v.forEach(walk);
            else if (v && typeof v === 'object') {
              const props = (v as Json).properties as Record<string, Json> | undefined;
              for (const [name, p] of Object.entries(props ?? {})) if (p && p.deprecated === true) marked.add(name);
              Object.values(v).forEach(walk);
            }
          };
          walk([op, ...Object.values(schemas)]);
          const unmarked = fields.filter((f) => !marked.has(f));
          if (unmarked.length) throw new Error(`${def.id}: deprecated field(s) ${unmarked.join(', ')} need .meta({ deprecated: true }) in their schema`);
        } else op.deprecated = true;
        ext['x-deprecated'] = { since: def.deprecated.since, sunset: def.deprecated.sunset, link: deprecationLink(def.deprecated), ...(fields ? { fields: [...fields] } : {}) };
      }
      ext['x-access'] = def.access;
      if (def.flag) ext['x-feature-flag'] = def.flag;
      item[def.method.toLowerCase()] = op;
    }
    builder.addPath(path, item);
  }
  for (const name of Object.keys(schemas).sort()) builder.addSchema(name, schemas[name]!);
  return builder.getSpec() as unknown as Json;
};

/** The document as YAML. The YAML writer (about 110 kB minified) loads here, only where YAML is served. */
export const openApiYaml = async (doc: Json): Promise<string> => {
  // yaml is CommonJS on Node, so its exports are the default export; bundled, they are only that (no named ones).
  const { stringify } = (await import('yaml')).default;
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
};
