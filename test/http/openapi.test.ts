import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { App } from '../../server/app.ts';
import { localToday } from '../../server/facilities/local-day.ts';
import { apiOperations } from '../../server/http/api-operations.ts';
import { errorBody, operationId, type Operation } from '../../server/http/openapi.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Layer { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] }; rawPath?: unknown }

/** "GET /api/visits/{id}" for every route the express app really has, however deeply its routers nest. */
function registeredRoutes(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      return Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m.toUpperCase()} ${(prefix + layer.route!.path).replace(/:(\w+)/g, '{$1}')}`);
    }
    if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      return registeredRoutes(layer.handle.stack, prefix + mount);
    }
    return [];
  });
}

const schemaObject: z.ZodType = z.lazy(() =>
  z.union([
    z.strictObject({ $ref: z.string().regex(/^#\/components\/schemas\/\w+$/) }),
    z.looseObject({
      type: z.union([z.enum(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']), z.array(z.string()).min(1)]).optional(),
      properties: z.record(z.string(), schemaObject).optional(),
      items: schemaObject.optional(),
      required: z.array(z.string()).optional(),
      allOf: z.array(schemaObject).optional(),
      anyOf: z.array(schemaObject).optional(),
      oneOf: z.array(schemaObject).optional(),
    }),
  ]),
);
const responseObject = z.union([
  z.strictObject({ $ref: z.string().regex(/^#\/components\/responses\/E\d{3}$/) }),
  z.looseObject({ description: z.string().min(1), content: z.record(z.string(), z.looseObject({ schema: schemaObject.optional() })).optional() }),
]);
const parameterObject = z.looseObject({ name: z.string().min(1), in: z.enum(['path', 'query', 'header', 'cookie']), required: z.boolean(), schema: schemaObject });
const operationObject = z.looseObject({
  operationId: z.string().regex(/^\w+$/),
  summary: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string()).length(1),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  parameters: z.array(parameterObject).optional(),
  requestBody: z.looseObject({ required: z.boolean(), content: z.record(z.string(), z.looseObject({ schema: schemaObject })) }).optional(),
  responses: z.record(z.string().regex(/^[1-5]\d\d$/), responseObject).refine((r) => Object.keys(r).some((s) => s.startsWith('2')), 'needs a 2xx response'),
});
/** The parts of OpenAPI 3.1 a client generator or the reference page relies on. */
const openApi31 = z.looseObject({
  openapi: z.string().regex(/^3\.1\.\d+$/),
  info: z.looseObject({ title: z.string().min(1), version: z.string().min(1), description: z.string().optional() }),
  tags: z.array(z.looseObject({ name: z.string(), description: z.string().optional() })),
  paths: z.record(z.string().regex(/^\/[\w./{}-]*$/), z.partialRecord(z.enum(['get', 'post', 'put', 'patch', 'delete']), operationObject)),
  components: z.looseObject({
    schemas: z.record(z.string(), schemaObject),
    responses: z.record(z.string(), responseObject),
    securitySchemes: z.record(z.string(), z.looseObject({ type: z.enum(['http', 'apiKey', 'oauth2', 'openIdConnect']) })),
  }),
});

/** A plausible NIK: DKI Jakarta, woman born 5 January 1990, serial n. */
const nik = (n: number) => `317101450190${String(n).padStart(4, '0')}`;

describe.each(['sqlite', 'postgres'] as const)('OpenAPI document of the whole HTTP API on %s', (kind) => {
  let app: App;
  let dropSchema: (() => Promise<void>) | undefined;
  let doc: Json;
  let operations: Operation[];
  let admin: Awaited<ReturnType<typeof loginOfficer>>;
  let seeded: { boothId: string; inmateId: string; visitorId: string };
  let facilityId: string;

  async function call(method: string, path: string, body?: unknown, auth: Record<string, string> = admin.auth) {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, body: type.includes('json') ? ((await res.json()) as Json) : (await res.arrayBuffer(), undefined) };
  }
  const opOf = (method: string, path: string) => operations.find((o) => o.method === method && o.path === path)!;

  beforeAll(async () => {
    const pg = kind === 'postgres' ? await freshPostgresSchema() : undefined;
    dropSchema = pg?.drop;
    app = await startTestApp(pg ? { DATABASE_URL: pg.url } : {});
    operations = apiOperations(app.config);
    const res = await fetch(`${app.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = await res.json();
    facilityId = (await createFacility(app)).id;
    admin = await loginOfficer(app, [facilityId], 'admin');
    // Through the API, so the data is what the routes produce.
    const booth = await call('POST', '/api/booths', { name: 'Bilik 1' });
    const inmate = await call('POST', '/api/inmates', { registrationNumber: `B-${randomUUID().slice(0, 8)}`, name: 'Budi Santoso', block: 'A' });
    const visitor = await call('POST', `/api/inmates/${inmate.body.inmate.id}/visitors`, { name: 'Siti Aminah', nik: nik(1), relationship: 'suami_istri' });
    expect([booth.status, inmate.status, visitor.status]).toEqual([201, 201, 201]);
    seeded = { boothId: booth.body.booth.id, inmateId: inmate.body.inmate.id, visitorId: visitor.body.visitor.id };
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema?.();
  });

  it('has the structure of an OpenAPI 3.1 document: unique operation ids, declared tags, path parameters matching the templates, resolvable $refs', () => {
    const parsed = openApi31.safeParse(doc);
    expect(parsed.success ? [] : parsed.error.issues.slice(0, 5)).toEqual([]);
    const ids: string[] = [];
    const tags = new Set(doc.tags.map((t: Json) => t.name));
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries<Json>(item)) {
        ids.push(op.operationId);
        expect(tags.has(op.tags[0]), `${method} ${path} tag ${op.tags[0]}`).toBe(true);
        const pathParams = (op.parameters ?? []).filter((p: Json) => p.in === 'path');
        expect(pathParams.map((p: Json) => p.name).sort(), `${method} ${path}`).toEqual(templated);
        expect(pathParams.every((p: Json) => p.required)).toBe(true);
        for (const s of op.security ?? []) for (const scheme of Object.keys(s)) expect(doc.components.securitySchemes).toHaveProperty(scheme);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = ref[1]!.split('/').reduce<Json>((node, key) => node?.[key], doc);
      expect(target, ref[1]).toBeTruthy();
    }
  });

  it('documents every route the server has, and no route it does not have', () => {
    const documented = Object.entries<Json>(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    const registered = registeredRoutes((app.web as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(registered.length).toBeGreaterThan(40);
    expect(registered.filter((r) => !documented.includes(r)), 'routes missing from the document').toEqual([]);
    expect(documented.filter((d) => !registered.includes(d)), 'documented routes that do not exist').toEqual([]);
    expect(new Set(registered).size, 'a route registered twice').toBe(registered.length);
  });

  it('officer operations carry the bearer requirement and roles; public ones do not', () => {
    const visitsPost = doc.paths['/api/visits'].post;
    expect(visitsPost.security).toEqual([{ officerToken: [] }]);
    expect(Object.keys(visitsPost.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '409']));
    expect(visitsPost.responses['409']['x-error-codes']).toEqual(expect.arrayContaining(['booth_busy', 'inmate_busy', 'inmate_inactive', 'visitor_banned']));
    expect(doc.paths['/api/officers'].post['x-roles']).toEqual(['admin']);
    expect(doc.paths['/api/officers'].post.responses['403']['x-error-codes']).toContain('forbidden');
    expect(doc.paths['/api/remisi/lookup'].post.security).toBeUndefined();
    expect(doc.paths['/api/inmates/{id}'].get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', schema: { type: 'string', format: 'uuid' } })]);
    expect(doc.paths['/api/visits'].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'date', in: 'query', required: false, schema: expect.objectContaining({ format: 'date' }) })]),
    );
  });

  it('POST /api/visits: the documented body is the one the route enforces (each required field, unknown fields, a valid body)', async () => {
    const schema = doc.paths['/api/visits'].post.requestBody.content['application/json'].schema;
    expect(schema.required.sort()).toEqual(['boothId', 'inmateId', 'scheduledStart', 'visitorIds']);
    expect(schema.additionalProperties).toBe(false);
    const start = `${localToday('Asia/Jakarta', new Date(Date.now() + 2 * 86_400_000))}T10:00:00+07:00`;
    const valid = { inmateId: seeded.inmateId, boothId: seeded.boothId, visitorIds: [seeded.visitorId], scheduledStart: start, durationMinutes: 30 };
    for (const field of schema.required as string[]) {
      const { [field]: _left, ...body } = valid as Record<string, unknown>;
      const res = await call('POST', '/api/visits', body);
      expect(res.status, `without ${field}`).toBe(400);
      expect(Object.keys(res.body.error.fields), `without ${field}`).toContain(field);
    }
    const stray = await call('POST', '/api/visits', { ...valid, notDocumented: 1 });
    expect(stray.status).toBe(400);
    expect(schema.properties).not.toHaveProperty('notDocumented');
    const tooMany = await call('POST', '/api/visits', { ...valid, visitorIds: [randomUUID(), randomUUID(), randomUUID(), randomUUID()] });
    expect(schema.properties.visitorIds.maxItems).toBe(3);
    expect(tooMany.status).toBe(400);
    expect(Object.keys(tooMany.body.error.fields)).toContain('visitorIds');

    const created = await call('POST', '/api/visits', valid);
    expect(created.status).toBe(201);
    expect(() => opOf('post', '/api/visits').success.schema!.parse(created.body)).not.toThrow();
    const again = await call('POST', '/api/visits', valid);
    expect(again.status).toBe(409);
    expect(doc.paths['/api/visits'].post.responses['409']['x-error-codes']).toContain(again.body.error.code);
  });

  it('POST /api/inmates and POST /api/booths: each documented required field is required by the route', async () => {
    for (const [path, valid] of [
      ['/api/inmates', { registrationNumber: `B-${randomUUID().slice(0, 8)}`, name: 'Joko', block: 'C' }],
      ['/api/booths', { name: `Bilik ${randomUUID().slice(0, 4)}` }],
    ] as const) {
      const schema = doc.paths[path].post.requestBody.content['application/json'].schema;
      expect(schema.required.sort()).toEqual(Object.keys(valid).sort());
      for (const field of schema.required as string[]) {
        const { [field]: _left, ...body } = valid as Record<string, unknown>;
        const res = await call('POST', path, body);
        expect(res.status, `${path} without ${field}`).toBe(400);
        expect(Object.keys(res.body.error.fields)).toContain(field);
      }
      const created = await call('POST', path, valid);
      expect(created.status).toBe(201);
      expect(() => opOf('post', path).success.schema!.parse(created.body)).not.toThrow();
    }
  });

  it('every documented operation reaches its route, answers with a documented status, and a documented success body', async () => {
    const ids = { id: seeded.inmateId, visitId: randomUUID(), ticket: 'X', token: 'X' };
    const concrete = (op: Operation) =>
      op.path
        .replace('/api/inmates/{id}', `/api/inmates/${seeded.inmateId}`)
        .replace('/api/booths/{id}', `/api/booths/${seeded.boothId}`)
        .replace(/\{(\w+)\}/g, (_, name: keyof typeof ids) => (name === 'id' ? randomUUID() : ids[name]));
    // Signing out ends the token, so it goes last.
    const ordered = [...operations].sort((a, b) => Number(a.path === '/api/auth/logout') - Number(b.path === '/api/auth/logout'));
    const checkedBodies: string[] = [];
    for (const op of ordered) {
      const sendsBody = op.method !== 'get' && op.method !== 'delete';
      const res = await call(op.method.toUpperCase(), concrete(op), sendsBody ? {} : undefined, op.roles ? admin.auth : {});
      const name = `${op.method.toUpperCase()} ${op.path} → ${res.status} ${JSON.stringify(res.body?.error ?? '')}`;
      expect(res.body?.error?.message ?? '', name).not.toMatch(/^no route for/);
      const documented = doc.paths[op.path][op.method].responses;
      expect(Object.keys(documented), name).toContain(String(res.status));
      if (res.body?.error) {
        expect(errorBody.safeParse(res.body).success, name).toBe(true);
        const codes = documented[String(res.status)]['x-error-codes'];
        if (codes) expect(codes, name).toContain(res.body.error.code);
      }
      if (res.status === op.success.status && op.success.schema) {
        const parsed = op.success.schema.safeParse(res.body);
        expect(parsed.success ? [] : parsed.error.issues.slice(0, 3), name).toEqual([]);
        checkedBodies.push(operationId(op));
      }
    }
    // The GETs of a facility with data answer 200, so their bodies were compared with the document.
    expect(checkedBodies).toEqual(expect.arrayContaining(['getInmates', 'getInmatesIdVisitors', 'getBooths', 'getBoothsIdDevices', 'getVisits', 'getAuthMe', 'getOfficers', 'getCalls', 'getRecordings']));
   }, 120_000);

  it('the documented roles are the ones the routes enforce: no token → 401, a role left out → 403, a role listed → not 403', async () => {
    // (the admin of the other tests may have signed out)
    const [officer, supervisor, anAdmin] = await Promise.all((['officer', 'supervisor', 'admin'] as const).map((role) => loginOfficer(app, [facilityId], role)));
    const tokens = { officer: officer!.auth, supervisor: supervisor!.auth, admin: anAdmin!.auth };
    const concrete = (path: string) => path.replace(/\{(\w+)\}/g, () => randomUUID());
    for (const op of operations.filter((o) => o.path !== '/api/auth/logout')) {
      const sendsBody = op.method !== 'get' && op.method !== 'delete';
      const anonymous = await call(op.method.toUpperCase(), concrete(op.path), sendsBody ? {} : undefined, {});
      const name = `${op.method.toUpperCase()} ${op.path}`;
      if (op.roles || op.family) expect([anonymous.status, anonymous.body?.error?.code], `${name} without a token`).toEqual([401, 'token_missing']);
      else expect(anonymous.body?.error?.code, `${name} is public`).not.toBe('token_missing');
      if (!op.roles) continue;
      for (const role of ['officer', 'supervisor', 'admin'] as const) {
        const res = await call(op.method.toUpperCase(), concrete(op.path), sendsBody ? {} : undefined, tokens[role]);
        const forbidden = res.status === 403 && res.body?.error?.code === 'forbidden';
        expect(forbidden, `${name} as ${role} (documented: ${op.roles.join(', ')})`).toBe(!op.roles.includes(role));
      }
    }
  }, 120_000);

  it('the public-services document is the same builder over its part, at its old URL', async () => {
    const res = await fetch(`${app.url}/api/public-services/openapi.json`);
    expect(res.status).toBe(200);
    const part = (await res.json()) as Json;
    for (const [path, item] of Object.entries<Json>(part.paths)) expect(doc.paths[path], path).toEqual(item);
    expect(part.paths['/api/visits']).toBeUndefined();
  });
});
