/**
 * Checks actual HTTP answers against the committed OpenAPI document with an independent JSON Schema validator
 * (ajv, draft 2020-12 as OpenAPI 3.1 uses it): the status must be declared for the operation, the media type
 * declared for that status, and the body valid against that media type's schema.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

// ajv-formats is CommonJS: its default export arrives wrapped under Node's ESM loader.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Operation {
  id: string;
  method: HttpMethod;
  path: string;
  spec: OperationObject;
}

export interface OperationObject {
  operationId: string;
  parameters?: { name: string; in: 'path' | 'query'; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown>; example?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
  security?: unknown[];
  'x-access'?: string;
  'x-feature-flag'?: string;
}

export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
}

const root = fileURLToPath(new URL('../..', import.meta.url));

export const loadDocument = (): Record<string, any> => parse(readFileSync(`${root}openapi.yaml`, 'utf8'));

export const operationsOf = (doc: Record<string, any>): Operation[] =>
  Object.entries(doc.paths as Record<string, Record<string, OperationObject>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, spec]) => ({ id: spec.operationId, method: method as HttpMethod, path, spec })),
  );

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

export const documentValidator = (doc: Record<string, any> = loadDocument()) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // The document is one schema resource, so `#/components/schemas/X` inside it resolves as in the document.
  ajv.addSchema(doc, 'openapi.json');
  const compiled = new Map<string, ValidateFunction>();
  const validatorAt = (path: string): ValidateFunction => {
    let fn = compiled.get(path);
    if (!fn) {
      fn = ajv.compile({ $ref: `openapi.json#/${path}` });
      compiled.set(path, fn);
    }
    return fn;
  };

  /** Every way `answer` breaks the document for `op`; empty when it conforms. */
  const check = (op: Operation, answer: Answer): string[] => {
    const where = `${op.id} ${answer.status}`;
    const response = op.spec.responses[String(answer.status)] ?? op.spec.responses.default;
    if (!response) return [`${where}: status not declared (declared: ${Object.keys(op.spec.responses).join(', ')})`];
    const media = (answer.contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (!response.content) return answer.text === '' ? [] : [`${where}: a body was sent where none is declared`];
    if (!response.content[media]) return [`${where}: media type '${media}' not declared (declared: ${Object.keys(response.content).join(', ')})`];
    let value: unknown = answer.text;
    if (media === 'application/json' || media.endsWith('+json')) {
      try {
        value = JSON.parse(answer.text);
      } catch {
        return [`${where}: body is not the JSON its media type says`];
      }
    }
    const status = op.spec.responses[String(answer.status)] ? String(answer.status) : 'default';
    const validate = validatorAt(pointer('paths', op.path, op.method, 'responses', status, 'content', media, 'schema'));
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${where} ${media}: ${e.instancePath || '(body)'} ${e.message}`);
  };

  /** Whether a request body conforms to the operation's declared JSON body (to tell valid examples from broken ones). */
  const checkRequestBody = (op: Operation, body: unknown): string[] => {
    if (!op.spec.requestBody) return [];
    const validate = validatorAt(pointer('paths', op.path, op.method, 'requestBody', 'content', 'application/json', 'schema'));
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${op.id} request: ${e.instancePath || '(body)'} ${e.message}`);
  };

  return { check, checkRequestBody };
};
