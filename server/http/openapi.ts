import { z } from 'zod';
import type { OfficerRole } from '../storage/tables.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export const ANY_OFFICER: readonly OfficerRole[] = ['officer', 'supervisor', 'admin'];
export const MANAGERS: readonly OfficerRole[] = ['supervisor', 'admin'];
export const ADMINS: readonly OfficerRole[] = ['admin'];

/**
 * One HTTP endpoint as the OpenAPI document shows it. The schemas are the ones the route
 * validates with (exported from the route module), so the document cannot drift from them.
 * Statuses every route of a kind answers are added by the builder: 400 when there is input,
 * 401 when an officer token is required, 403 when only some roles may call it.
 */
export interface Operation {
  method: HttpMethod;
  /** OpenAPI path template, e.g. /api/visits/{id} */
  path: string;
  summary: string;
  /** Longer explanation (markdown) when the summary is not enough. */
  description?: string;
  /** Groups the reference page; free text, e.g. 'visits'. */
  tag: string;
  /** An officer token (Authorization: Bearer) is required and the officer's role must be one of these. Absent: public. */
  roles?: readonly OfficerRole[];
  /** A family session token (Authorization: Bearer, from POST /api/family/sign-in) is required instead. */
  family?: boolean;
  /** Path parameters; a {name} of the path without an entry here is a plain string. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  json?: z.ZodType;
  /** The JSON body may be left out (the route reads a missing body as {}). */
  bodyOptional?: boolean;
  multipart?: { schema: z.ZodType; file: string; fileNote: string; fileRequired?: boolean };
  /** The X-Tracking-Code header given at submission (complaints, drive-thru tickets). */
  trackingCode?: boolean;
  success: PlainResponse;
  /** Other answers that are not errors of the shared Error shape (e.g. 206 partial content, 503 with a health body). */
  otherResponses?: PlainResponse[];
  /** Further error statuses, each with the stable error codes it carries (empty: see the status's meaning). */
  errors?: Partial<Record<number, readonly string[]>>;
}

export interface PlainResponse { status: number; schema?: z.ZodType; description?: string; mediaType?: string }

/** Loose: some errors add keys (drive-thru's nextSession next to error; details, lines inside it). */
export const errorBody = z.looseObject({
  error: z.looseObject({
    code: z.string().describe('stable machine code, e.g. validation_failed, not_found, booth_busy'),
    message: z.string().describe('English text for logs and developers; pages show their own text for the code'),
    fields: z.record(z.string(), z.array(z.string())).optional().describe('field path (e.g. visitorIds.0) → what is wrong with it'),
  }),
});

export const errorMeaning: Record<number, string> = {
  400: 'invalid input; error.fields names each bad field and why',
  401: 'officer login required: token missing, invalid, expired or revoked (signed out, disabled, no longer assigned)',
  403: 'the officer\'s role (in the token\'s facility) may not do this',
  404: 'not found; ids of other facilities answer exactly like unknown ones',
  409: 'conflict with the current state (already taken, wrong status, overlapping)',
  410: 'gone',
  422: 'refused by a rule (error.fields says which)',
  429: 'rate limited; see Retry-After',
  503: 'unavailable',
};

const AUTO_CODES: Record<number, readonly string[]> = {
  400: ['validation_failed'],
  401: ['token_missing', 'token_invalid', 'token_expired', 'token_revoked'],
  403: ['forbidden'],
};

type JsonSchema = Record<string, unknown>;

/** Formats whose zod regex (hundreds of characters, e.g. a leap-year-aware date-time) says no more than the format itself. */
const SELF_EXPLAINING_FORMATS = new Set(['uuid', 'date-time', 'date', 'time', 'email', 'uri', 'duration']);

function withoutFormatPatterns(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutFormatPatterns);
  if (!node || typeof node !== 'object') return node;
  const object = node as JsonSchema;
  const dropPattern = typeof object.format === 'string' && SELF_EXPLAINING_FORMATS.has(object.format);
  return Object.fromEntries(
    Object.entries(object).filter(([key]) => !(dropPattern && key === 'pattern')).map(([key, value]) => [key, withoutFormatPatterns(value)]),
  );
}

export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return withoutFormatPatterns(rest) as JsonSchema;
}

/** Every status the operation can answer with an error, with the codes known for it. */
export function errorStatuses(op: Operation): Map<number, string[]> {
  const statuses = new Map<number, string[]>();
  const add = (status: number, codes: readonly string[]) => statuses.set(status, [...new Set([...(statuses.get(status) ?? []), ...codes])]);
  if (op.params || op.query || op.json || op.multipart) add(400, AUTO_CODES[400]!);
  if (op.roles) add(401, AUTO_CODES[401]!);
  if (op.roles && ANY_OFFICER.some((r) => !op.roles!.includes(r))) add(403, AUTO_CODES[403]!);
  for (const [status, codes] of Object.entries(op.errors ?? {})) add(Number(status), codes ?? []);
  return new Map([...statuses].sort(([a], [b]) => a - b));
}

export function operationId(op: Pick<Operation, 'method' | 'path'>): string {
  return `${op.method}${op.path.replace(/^\/api/, '').replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`;
}

function parameters(op: Operation): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const placeholder of op.path.match(/\{(\w+)\}/g) ?? []) {
    const name = placeholder.slice(1, -1);
    const schema = op.params?.shape[name] as z.ZodType | undefined;
    list.push({ name, in: 'path', required: true, schema: schema ? jsonSchema(schema, 'input') : { type: 'string' } });
  }
  for (const [name, schema] of Object.entries(op.query?.shape ?? {})) {
    const field = schema as z.ZodType;
    const described = jsonSchema(field, 'input');
    list.push({
      name, in: 'query', required: !field.safeParse(undefined).success, schema: described,
      ...(typeof described.description === 'string' ? { description: described.description } : {}),
    });
  }
  if (op.trackingCode) list.push({ name: 'X-Tracking-Code', in: 'header', required: true, schema: { type: 'string' }, description: 'tracking code given at submission' });
  return list;
}

function requestBody(op: Operation): JsonSchema | undefined {
  const content: JsonSchema = {};
  if (op.json) content['application/json'] = { schema: jsonSchema(op.json, 'input') };
  if (op.multipart) {
    const base = jsonSchema(op.multipart.schema, 'input') as { properties?: JsonSchema; required?: string[] };
    content['multipart/form-data'] = {
      schema: {
        type: 'object',
        properties: { ...(base.properties ?? {}), [op.multipart.file]: { type: 'string', format: 'binary', description: op.multipart.fileNote } },
        required: [...(base.required ?? []), ...(op.multipart.fileRequired ? [op.multipart.file] : [])],
      },
    };
  }
  return Object.keys(content).length ? { required: !op.bodyOptional, content } : undefined;
}

/** 401 and 403 of a public operation (a login refused, a link no longer valid) are not about an officer token or role. */
const publicMeaning: Record<number, string> = { 401: 'not accepted: see error.code', 403: 'refused: see error.code' };

function errorResponse(status: number, codes: string[], isPublic: boolean): JsonSchema {
  const ref = { $ref: '#/components/schemas/Error' };
  const meaning = (isPublic ? publicMeaning[status] : undefined) ?? errorMeaning[status] ?? 'error';
  if (codes.length === 0) return isPublic && publicMeaning[status] ? { description: meaning, content: { 'application/json': { schema: ref } } } : { $ref: `#/components/responses/E${status}` };
  return {
    description: `${meaning}. error.code: ${codes.join(', ')}`,
    'x-error-codes': codes,
    content: {
      'application/json': {
        schema: { allOf: [ref, { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: codes } } } } }] },
      },
    },
  };
}

function plainResponse(answer: PlainResponse): JsonSchema {
  return {
    description: answer.description ?? 'OK',
    ...(answer.schema
      ? { content: { 'application/json': { schema: jsonSchema(answer.schema, 'output') } } }
      : answer.mediaType ? { content: { [answer.mediaType]: {} } } : {}),
  };
}

function operationObject(op: Operation): JsonSchema {
  const params = parameters(op);
  const body = requestBody(op);
  const responses: JsonSchema = {};
  for (const answer of [op.success, ...(op.otherResponses ?? [])]) responses[answer.status] = plainResponse(answer);
  for (const [status, codes] of errorStatuses(op)) responses[status] = errorResponse(status, codes, !op.roles);
  const roleNote = op.roles ? `Officer token required; roles: ${op.roles.join(', ')}.` : undefined;
  const description = [op.description, roleNote].filter(Boolean).join('\n\n');
  return {
    operationId: operationId(op),
    summary: op.summary,
    ...(description ? { description } : {}),
    tags: [op.tag],
    ...(op.roles ? { security: [{ officerToken: [] }], 'x-roles': [...op.roles] } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

export interface DocumentInfo {
  title: string;
  description: string;
  version?: string;
  /** Tag name → what it groups; tags without an entry are listed after these, in order of appearance. */
  tags?: Record<string, string>;
  serverUrl?: string;
}

/** An OpenAPI 3.1 document of these operations, built from the zod schemas the routes validate with. */
export function openApiDocument(operations: readonly Operation[], info: DocumentInfo): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`operation listed twice: ${op.method.toUpperCase()} ${op.path}`);
    item[op.method] = operationObject(op);
  }
  const used = [...new Set(operations.map((op) => op.tag))];
  const tagOrder = [...Object.keys(info.tags ?? {}).filter((t) => used.includes(t)), ...used.filter((t) => !(t in (info.tags ?? {})))];
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version ?? '1.0.0', description: info.description },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    tags: tagOrder.map((name) => ({ name, ...(info.tags?.[name] ? { description: info.tags[name] } : {}) })),
    paths,
    components: {
      securitySchemes: { officerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'token from POST /api/auth/login' } },
      schemas: { Error: jsonSchema(errorBody, 'output') },
      responses: Object.fromEntries(
        Object.entries(errorMeaning).map(([status, description]) => [
          `E${status}`,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
}
