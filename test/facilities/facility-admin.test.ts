import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { TestCallClient } from '../calls/socket-client.ts';
import { durableDatabase } from '../helpers/public-services.ts';
import { storageKinds } from '../helpers/storages.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

// Every account costs argon2 hashes (64 MiB each): slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(storageKinds)('facilities and assignments from the pages on %s', (kind) => {
  let db: Awaited<ReturnType<typeof durableDatabase>>;
  let app: App;
  beforeAll(async () => {
    db = await durableDatabase(kind);
    app = await startTestApp(db.env);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const send = (method: string, urlPath: string, auth: Record<string, string>, body?: unknown) =>
    fetch(`${app.url}${urlPath}`, { method, headers: { 'content-type': 'application/json', ...auth }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const assign = (officerId: string, facilityId: string, role: string, auth: Record<string, string>) => send('PUT', `/api/officers/${officerId}/facilities/${facilityId}`, auth, { role });
  const unassign = (officerId: string, facilityId: string, auth: Record<string, string>) => send('DELETE', `/api/officers/${officerId}/facilities/${facilityId}`, auth);
  const code = () => `LP-${randomUUID().slice(0, 8).toUpperCase()}`;
  async function loginTo(username: string, password: string, facilityId: string): Promise<Json> {
    const res = await send('POST', '/api/auth/login', {}, { username, password, facilityId });
    return { status: res.status, body: await res.json() };
  }
  async function expectError(res: Response, status: number, errorCode: string) {
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { code: errorCode } });
  }

  it('an admin lists the facilities they are admin of, and adds one they then manage (audited in both)', async () => {
    const a = await createFacility(app);
    const b = await createFacility(app);
    const admin = await loginOfficer(app, [a.id], 'admin');
    await app.storage.db.insertInto('officer_facilities').values({ officer_id: admin.officer.id, facility_id: b.id, role: 'officer' }).execute();

    const before = (await (await send('GET', '/api/facilities', admin.auth)).json()) as Json;
    expect(before.facilities).toEqual([{ id: a.id, code: a.code, name: a.name, kind: 'lapas', timezone: 'Asia/Jakarta', createdAt: a.created_at }]);

    const newCode = code();
    const created = await send('POST', '/api/facilities', admin.auth, { code: newCode.toLowerCase(), name: '  Rutan Kelas IIB Sorong ', kind: 'rutan', timezone: 'Asia/Jayapura' });
    expect(created.status).toBe(201);
    const { facility } = (await created.json()) as Json;
    expect(facility).toEqual({ id: expect.any(String), code: newCode, name: 'Rutan Kelas IIB Sorong', kind: 'rutan', timezone: 'Asia/Jayapura', createdAt: expect.any(String) });
    const after = (await (await send('GET', '/api/facilities', admin.auth)).json()) as Json;
    expect(after.facilities.map((f: Json) => f.id).sort()).toEqual([a.id, facility.id].sort());

    // The creator is admin there: the switch gives an admin token for it.
    const switched = (await (await send('POST', '/api/auth/switch-facility', admin.auth, { facilityId: facility.id })).json()) as Json;
    expect(switched.facility).toMatchObject({ id: facility.id, role: 'admin' });
    expect((await send('GET', '/api/officers', bearer(switched.token))).status).toBe(200);

    const audit = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'facility.created').where('subject_id', '=', facility.id).execute();
    expect(audit.map((e) => e.facility_id).sort()).toEqual([a.id, facility.id].sort());
    expect(audit.every((e) => e.actor_kind === 'officer' && e.actor_id === admin.officer.id)).toBe(true);
    expect((await verifyAuditChain(app.storage)).ok).toBe(true);
  });

  it('refuses a taken code, bad fields and non-admins', async () => {
    const a = await createFacility(app);
    const admin = await loginOfficer(app, [a.id], 'admin');
    const supervisor = await loginOfficer(app, [a.id], 'supervisor');
    const officer = await loginOfficer(app, [a.id], 'officer');

    const taken = await send('POST', '/api/facilities', admin.auth, { code: a.code.toLowerCase(), name: 'Lapas Kembar', kind: 'lapas', timezone: 'Asia/Jakarta' });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ error: { code: 'facility_code_taken', fields: { code: ['this code is taken'] } } });

    const bad = await send('POST', '/api/facilities', admin.auth, { code: '1-x', name: 'L', kind: 'penjara', timezone: 'Asia/Singapore', extra: true });
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as Json).error.fields;
    expect(Object.keys(fields).sort()).toEqual(['(body)', 'code', 'kind', 'name', 'timezone'].sort());

    for (const who of [supervisor, officer]) {
      await expectError(await send('GET', '/api/facilities', who.auth), 403, 'forbidden');
      await expectError(await send('POST', '/api/facilities', who.auth, { code: code(), name: 'Lapas Baru', kind: 'lapas', timezone: 'Asia/Jakarta' }), 403, 'forbidden');
    }
    await expectError(await send('GET', '/api/facilities', {}), 401, 'token_missing');
    const count = await app.storage.db.selectFrom('facilities').select(app.storage.db.fn.countAll().as('n')).where('name', '=', 'Lapas Baru').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('an admin assigns an officer of theirs to another facility they manage, and changes the role there', async () => {
    const a = await createFacility(app);
    const a2 = await createFacility(app);
    const admin = await loginOfficer(app, [a.id, a2.id], 'admin');
    const person = await loginOfficer(app, [a.id]);
    expect((await loginTo(person.username, person.password, a2.id)).status).toBe(400);

    const res = await assign(person.officer.id, a2.id, 'supervisor', admin.auth);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ assignment: { officerId: person.officer.id, facilityId: a2.id, role: 'supervisor' } });
    const there = await loginTo(person.username, person.password, a2.id);
    expect(there.status).toBe(200);
    expect(there.body.officer.role).toBe('supervisor');

    const changed = await assign(person.officer.id, a2.id, 'officer', admin.auth);
    expect(changed.status).toBe(200);
    expect(app.ctx.tokens.verify('officer', there.body.token).role).toBe('supervisor');
    const me = (await (await send('GET', '/api/auth/me', bearer(there.body.token))).json()) as Json;
    expect(me.officer.role).toBe('officer');
    // The same role again changes nothing and writes nothing.
    expect((await assign(person.officer.id, a2.id, 'officer', admin.auth)).status).toBe(200);

    const audit = await app.storage.db.selectFrom('audit_log').selectAll().where('subject_id', '=', person.officer.id).where('facility_id', '=', a2.id).orderBy('seq').execute();
    expect(audit.map((e) => [e.action, JSON.parse(e.details).role])).toEqual([
      ['officer.assigned', { from: null, to: 'supervisor' }],
      ['officer.updated', { from: 'supervisor', to: 'officer' }],
    ]);
  });

  it('refuses anyone but an admin of that facility, and officers the admin does not manage', async () => {
    const a = await createFacility(app);
    const b = await createFacility(app);
    const adminA = await loginOfficer(app, [a.id], 'admin');
    const adminB = await loginOfficer(app, [b.id], 'admin');
    const inA = await loginOfficer(app, [a.id]);
    const inB = await loginOfficer(app, [b.id]);
    const supervisorA = await loginOfficer(app, [a.id], 'supervisor');

    // An admin of A cannot assign anyone to B (not even themselves or their own officers).
    await expectError(await assign(inA.officer.id, b.id, 'officer', adminA.auth), 404, 'not_found');
    await expectError(await assign(adminA.officer.id, b.id, 'admin', adminA.auth), 404, 'not_found');
    await expectError(await unassign(inB.officer.id, b.id, adminA.auth), 404, 'not_found');
    // An admin of B cannot pull in an officer they do not manage: unseen ids look unknown.
    await expectError(await assign(inA.officer.id, b.id, 'officer', adminB.auth), 404, 'not_found');
    await expectError(await assign(randomUUID(), b.id, 'officer', adminB.auth), 404, 'not_found');
    await expectError(await assign(inB.officer.id, randomUUID(), 'officer', adminB.auth), 404, 'not_found');
    // Assigned to B but not admin there: forbidden.
    await app.storage.db.insertInto('officer_facilities').values({ officer_id: adminA.officer.id, facility_id: b.id, role: 'officer' }).execute();
    await expectError(await assign(inA.officer.id, b.id, 'officer', adminA.auth), 403, 'forbidden');
    // Not an admin at all.
    await expectError(await assign(inA.officer.id, a.id, 'admin', supervisorA.auth), 403, 'forbidden');
    await expectError(await unassign(inA.officer.id, a.id, supervisorA.auth), 403, 'forbidden');
    await expectError(await assign(inA.officer.id, a.id, 'admin', inA.auth), 403, 'forbidden');
    // Bad input.
    await expectError(await assign(inA.officer.id, a.id, 'kepala', adminA.auth), 400, 'validation_failed');
    await expectError(await send('PUT', `/api/officers/not-a-uuid/facilities/${a.id}`, adminA.auth, { role: 'officer' }), 400, 'validation_failed');

    const rows = await app.storage.db.selectFrom('officer_facilities').selectAll().where('officer_id', '=', inA.officer.id).execute();
    expect(rows).toEqual([{ officer_id: inA.officer.id, facility_id: a.id, role: 'officer' }]);
    const roleB = await app.storage.db.selectFrom('officer_facilities').select('role').where('officer_id', '=', adminA.officer.id).where('facility_id', '=', b.id).executeTakeFirstOrThrow();
    expect(roleB.role).toBe('officer');
  });

  it('removing an officer from a facility ends their access there at once, open sockets included', async () => {
    const a = await createFacility(app);
    const a2 = await createFacility(app);
    const admin = await loginOfficer(app, [a.id, a2.id], 'admin');
    const person = await loginOfficer(app, [a.id, a2.id], 'officer', a2.id);
    const inA = (await loginTo(person.username, person.password, a.id)).body as Json;
    const socket = await TestCallClient.open(app, { token: person.token, role: 'officer' });
    await socket.ok('hello', {});
    const gone = new Promise<number>((resolve) => socket.socket.once('disconnect', () => resolve(Date.now())));

    const removedAt = Date.now();
    const removed = await unassign(person.officer.id, a2.id, admin.auth);
    expect(removed.status).toBe(204);
    expect((await gone) - removedAt).toBeLessThan(2000);
    expect(socket.notifications.find((n) => n.method === 'sessionRevoked')?.data).toEqual({ code: 'session_revoked' });
    await expectError(await send('GET', '/api/visits', person.auth), 401, 'token_revoked');
    expect(await TestCallClient.refusal(app, { token: person.token, role: 'officer' })).toBe('token_invalid');
    // Still fine in A.
    expect((await send('GET', '/api/visits', bearer(inA.token))).status).toBe(200);

    await expectError(await unassign(person.officer.id, a2.id, admin.auth), 404, 'not_found');
    // An account keeps at least one facility: disable it instead.
    await expectError(await unassign(person.officer.id, a.id, admin.auth), 409, 'only_facility');
    const audit = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'officer.unassigned').where('subject_id', '=', person.officer.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ facility_id: a2.id, actor_id: admin.officer.id });
  });

  it('never leaves a facility without an enabled admin', async () => {
    const a = await createFacility(app);
    const a2 = await createFacility(app);
    const admin = await loginOfficer(app, [a.id, a2.id], 'admin');
    await expectError(await assign(admin.officer.id, a.id, 'supervisor', admin.auth), 409, 'last_admin');
    await expectError(await unassign(admin.officer.id, a.id, admin.auth), 409, 'last_admin');

    // A second admin who is disabled does not count.
    const second = await loginOfficer(app, [a.id], 'admin');
    const disabled = await send('PATCH', `/api/officers/${second.officer.id}`, admin.auth, { disabled: true, reason: 'cuti panjang' });
    expect(disabled.status).toBe(200);
    await expectError(await unassign(admin.officer.id, a.id, admin.auth), 409, 'last_admin');

    // Enabled again, the first admin may step down in A (and their token for A stops working).
    expect((await send('PATCH', `/api/officers/${second.officer.id}`, admin.auth, { disabled: false, reason: 'kembali bertugas' })).status).toBe(200);
    const down = await assign(admin.officer.id, a.id, 'supervisor', admin.auth);
    expect(down.status).toBe(200);
    await expectError(await send('GET', '/api/officers', admin.auth), 403, 'forbidden');
    const rows = await app.storage.db.selectFrom('officer_facilities').select(['officer_id', 'role']).where('facility_id', '=', a.id).where('role', '=', 'admin').execute();
    expect(rows).toEqual([{ officer_id: second.officer.id, role: 'admin' }]);
  });
});
