import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { operations } from '../../server/public-services/openapi.ts';
import { publicServicesRouters } from '../../server/public-services/routes.ts';
import { createFacility, loginOfficer } from '../helpers/test-app.ts';
import { startPublicServicesApp } from '../helpers/public-services.ts';

interface RouteLayer { route?: { path: string; methods: Record<string, boolean> } }

/** "POST /api/complaints/{ticket}" for every route the routers really register. */
function mountedRoutes(app: App): string[] {
  return publicServicesRouters(app.ctx).flatMap((router) =>
    (router.stack as RouteLayer[]).flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} /api${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`)
        : [],
    ),
  );
}

describe('public services OpenAPI document', () => {
  let app: App;
  let doc: { openapi: string; paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown; responses: Record<string, unknown> }>> };
  beforeAll(async () => {
    app = await startPublicServicesApp({});
    const res = await fetch(`${app.url}/api/public-services/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
  });
  afterAll(() => app?.close());

  it('is served as OpenAPI 3.1 and names every mounted route, and only those', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual(mountedRoutes(app).sort());
  });

  it('documents parameters and bodies the way the routes read them', () => {
    const lookup = doc.paths['/api/remisi/lookup']!.post!;
    expect(lookup.requestBody).toMatchObject({
      content: { 'application/json': { schema: { required: expect.arrayContaining(['registrationNumber', 'nik']), additionalProperties: false } } },
    });
    expect(doc.paths['/api/complaints/{ticket}']!.get!.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'ticket', in: 'path' }), expect.objectContaining({ name: 'X-Tracking-Code', in: 'header' })]),
    );
    expect(doc.paths['/api/drive-thru/sessions']!.get!.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'facilityId', in: 'query', required: true })]));
    expect(doc.paths['/api/complaints']!.post!.requestBody).toMatchObject({ content: { 'multipart/form-data': { schema: { properties: { attachment: { format: 'binary' } } } } } });
  });

  it('every documented operation reaches its route and answers with a documented status', async () => {
    const facility = await createFacility(app);
    const officer = await loginOfficer(app, [facility.id], 'supervisor');
    for (const op of operations) {
      const url = `${app.url}${op.path.replace(/\{\w+\}/g, 'X')}`;
      const res = await fetch(url, {
        method: op.method.toUpperCase(),
        headers: { ...(op.roles ? officer.auth : {}), ...(op.method === 'post' ? { 'content-type': 'application/json' } : {}) },
        ...(op.method === 'post' ? { body: '{}' } : {}),
      });
      const body = res.headers.get('content-type')?.includes('json') ? ((await res.json()) as { error?: { message?: string } }) : {};
      expect(body.error?.message ?? '', `${op.method} ${op.path}`).not.toMatch(/^no route for/);
      expect(Object.keys(doc.paths[op.path]![op.method]!.responses), `${op.method} ${op.path} → ${res.status}`).toContain(String(res.status));
    }
  });
});
