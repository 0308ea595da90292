import { randomUUID } from 'node:crypto';
import { Migrator, type Kysely, type Migration } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { setOfficerRole } from '../../server/officers/officer-store.ts';
import { migrations } from '../../server/storage/migrations/index.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';
import { storageFixture } from '../helpers/storages.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

// Every account costs argon2 hashes (64 MiB each): slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
  method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(['sqlite', 'postgres'] as const)('roles per facility and account changes across facilities on %s', (kind) => {
  let app: App;
  let dropSchema: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const pg = kind === 'postgres' ? await freshPostgresSchema() : undefined;
    dropSchema = pg?.drop;
    app = await startTestApp(pg ? { DATABASE_URL: pg.url } : {});
  });
  afterAll(async () => {
    await app.close();
    await dropSchema?.();
  });

  const patch = (id: string, body: unknown, auth: Record<string, string>) => fetch(`${app.url}/api/officers/${id}`, json('PATCH', body, auth));
  const login = (username: string, password: string, facilityId?: string) =>
    fetch(`${app.url}/api/auth/login`, json('POST', { username, password, ...(facilityId ? { facilityId } : {}) }));
  async function tokenFor(username: string, password: string, facilityId: string): Promise<string> {
    const res = await login(username, password, facilityId);
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  }

  /** Facilities A and B; an admin of A only; an admin of B only; an officer assigned to both. */
  async function twoFacilities() {
    const a = await createFacility(app);
    const b = await createFacility(app);
    const adminA = await loginOfficer(app, [a.id], 'admin');
    const adminB = await loginOfficer(app, [b.id], 'admin');
    const shared = await loginOfficer(app, [a.id, b.id], 'officer', a.id);
    return { a, b, adminA, adminB, shared };
  }

  it('an admin of A cannot raise an officer shared with B to admin in B: the role changes in A only', async () => {
    const { a, b, adminA, adminB, shared } = await twoFacilities();
    const raised = await patch(shared.officer.id, { role: 'admin', reason: 'naik jabatan di A' }, adminA.auth);
    expect(raised.status).toBe(200);
    expect(await raised.json()).toMatchObject({ officer: { id: shared.officer.id, role: 'admin' } });

    // In B the officer is still an officer: no admin rights, cannot touch B's admin.
    const inB = await tokenFor(shared.username, shared.password, b.id);
    expect(app.ctx.tokens.verify('officer', inB)).toMatchObject({ role: 'officer', fac: b.id });
    expect((await fetch(`${app.url}/api/officers`, { headers: bearer(inB) })).status).toBe(403);
    expect((await patch(adminB.officer.id, { disabled: true, reason: 'ambil alih' }, bearer(inB))).status).toBe(403);
    // Not even by switching from the A token.
    const switched = await fetch(`${app.url}/api/auth/switch-facility`, json('POST', { facilityId: b.id }, shared.auth));
    const switchedBody = (await switched.json()) as Json;
    expect(switchedBody.facilities.find((f: Json) => f.id === b.id).role).toBe('officer');
    expect(app.ctx.tokens.verify('officer', switchedBody.token)).toMatchObject({ role: 'officer', fac: b.id });
    expect((await fetch(`${app.url}/api/officers`, { headers: bearer(switchedBody.token) })).status).toBe(403);

    // Each facility's list shows the role held there.
    const listA = (await (await fetch(`${app.url}/api/officers`, { headers: adminA.auth })).json()) as Json;
    const listB = (await (await fetch(`${app.url}/api/officers`, { headers: adminB.auth })).json()) as Json;
    expect(listA.officers.find((o: Json) => o.id === shared.officer.id).role).toBe('admin');
    expect(listB.officers.find((o: Json) => o.id === shared.officer.id).role).toBe('officer');
    const assigneesB = (await (await fetch(`${app.url}/api/officer/complaint-assignees`, { headers: adminB.auth })).json()) as Json;
    expect(assigneesB.officers.find((o: Json) => o.id === shared.officer.id).role).toBe('officer');
    expect((await fetch(`${app.url}/api/officers`, { headers: bearer(await tokenFor(shared.username, shared.password, a.id)) })).status).toBe(200);
  });

  it('an admin of A cannot reset the password of, or disable, an officer who also belongs to B (403 account_spans_other_facilities)', async () => {
    const { adminA, shared } = await twoFacilities();
    const before = await app.storage.db.selectFrom('officers').select(['password_hash', 'disabled']).where('id', '=', shared.officer.id).executeTakeFirstOrThrow();
    for (const change of [{ password: 'sandi-pengambilalihan-1' }, { disabled: true }, { disabled: true, role: 'supervisor' }]) {
      const res = await patch(shared.officer.id, { ...change, reason: 'coba ambil alih' }, adminA.auth);
      expect(res.status, JSON.stringify(change)).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'account_spans_other_facilities' } });
    }
    const after = await app.storage.db.selectFrom('officers').select(['password_hash', 'disabled']).where('id', '=', shared.officer.id).executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect((await login(shared.username, 'sandi-pengambilalihan-1')).status).toBe(401);
    expect((await fetch(`${app.url}/api/auth/me`, { headers: shared.auth })).status).toBe(200);
    const role = await app.storage.db.selectFrom('officer_facilities').select('role').where('officer_id', '=', shared.officer.id).execute();
    expect(role.map((r) => r.role)).toEqual(['officer', 'officer']);
    const refused = await app.storage.db.selectFrom('audit_log').select('seq').where('subject_id', '=', shared.officer.id).where('action', '=', 'officer.updated').execute();
    expect(refused).toHaveLength(0);
  });

  it('an officer who is supervisor in B and officer in A gets supervisor rights only with a B token', async () => {
    const a = await createFacility(app);
    const b = await createFacility(app);
    const person = await loginOfficer(app, [a.id, b.id], 'officer', a.id);
    await setOfficerRole(app.storage, person.officer.id, b.id, 'supervisor');
    const booth = (auth: Record<string, string>) => fetch(`${app.url}/api/booths`, json('POST', { name: `Bilik ${randomUUID().slice(0, 4)}` }, auth));

    expect((await booth(person.auth)).status).toBe(403);
    const inA = await login(person.username, person.password, a.id);
    expect(await inA.json()).toMatchObject({ officer: { role: 'officer' }, facility: { id: a.id } });

    const inB = await login(person.username, person.password, b.id);
    const inBBody = (await inB.json()) as Json;
    expect(inBBody).toMatchObject({ officer: { role: 'supervisor' }, facility: { id: b.id, role: 'supervisor' } });
    expect(app.ctx.tokens.verify('officer', inBBody.token)).toMatchObject({ role: 'supervisor', fac: b.id });
    expect((await booth(bearer(inBBody.token))).status).toBe(201);
    expect(await (await fetch(`${app.url}/api/auth/me`, { headers: bearer(inBBody.token) })).json()).toMatchObject({ officer: { role: 'supervisor' } });

    // Switching back to A gives an officer token again.
    const back = (await (await fetch(`${app.url}/api/auth/switch-facility`, json('POST', { facilityId: a.id }, bearer(inBBody.token)))).json()) as Json;
    expect(app.ctx.tokens.verify('officer', back.token)).toMatchObject({ role: 'officer', fac: a.id });
    expect((await booth(bearer(back.token))).status).toBe(403);
    // A token forged with the B role but the A facility gets the A role (requireOfficer reads it).
    const forged = app.ctx.tokens.signOfficer({ sub: person.officer.id, role: 'supervisor', fac: a.id }).token;
    expect((await booth(bearer(forged))).status).toBe(403);
    expect(await (await fetch(`${app.url}/api/auth/me`, { headers: bearer(forged) })).json()).toMatchObject({ officer: { role: 'officer' } });
  });

  it('an admin of both facilities can reset and disable the shared officer, audited in each facility; a role change stays in the token\'s facility', async () => {
    const { a, b, shared } = await twoFacilities();
    const adminAB = await loginOfficer(app, [a.id, b.id], 'admin', a.id);
    const newPassword = 'sandi-baru-dari-admin-ab';
    expect((await patch(shared.officer.id, { password: newPassword, reason: 'lupa kata sandi' }, adminAB.auth)).status).toBe(200);
    expect((await login(shared.username, shared.password, b.id)).status).toBe(401);
    expect((await login(shared.username, newPassword, b.id)).status).toBe(200);

    expect((await patch(shared.officer.id, { role: 'supervisor', reason: 'pengawas di A' }, adminAB.auth)).status).toBe(200);
    const roles = await app.storage.db.selectFrom('officer_facilities').select(['facility_id', 'role']).where('officer_id', '=', shared.officer.id).execute();
    expect(Object.fromEntries(roles.map((r) => [r.facility_id, r.role]))).toEqual({ [a.id]: 'supervisor', [b.id]: 'officer' });

    const off = await patch(shared.officer.id, { disabled: true, reason: 'berhenti' }, adminAB.auth);
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ officer: { disabled: true, role: 'supervisor' } });
    expect((await login(shared.username, newPassword, b.id)).status).toBe(401);

    const entries = await app.storage.db.selectFrom('audit_log').selectAll().where('subject_id', '=', shared.officer.id).where('action', '=', 'officer.updated').orderBy('seq').execute();
    const seen = entries.map((e) => ({ facility: e.facility_id, details: JSON.parse(e.details) as Json, reason: e.reason, actor: e.actor_id }));
    expect(seen.every((e) => e.actor === adminAB.officer.id)).toBe(true);
    expect(seen.filter((e) => e.details.passwordReset).map((e) => e.facility).sort()).toEqual([a.id, b.id].sort());
    expect(seen.filter((e) => e.details.disabled === true).map((e) => e.facility).sort()).toEqual([a.id, b.id].sort());
    expect(seen.filter((e) => e.details.role).map((e) => [e.facility, e.details.role])).toEqual([[a.id, { from: 'officer', to: 'supervisor' }]]);
    expect(JSON.stringify(seen)).not.toContain(newPassword);
  });

  it('creates accounts only in facilities the admin is admin of, with the role in each, audited in each', async () => {
    const a = await createFacility(app);
    const b = await createFacility(app);
    const admin = await loginOfficer(app, [a.id, b.id], 'admin', a.id);
    await setOfficerRole(app.storage, admin.officer.id, b.id, 'officer');
    const body = (facilityIds: string[]) => ({ username: `baru-${randomUUID().slice(0, 8)}`, displayName: 'Baru', password: 'kata-sandi-baru-123', role: 'supervisor', facilityIds });
    const refused = await fetch(`${app.url}/api/officers`, json('POST', body([a.id, b.id]), admin.auth));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'validation_failed', fields: { facilityIds: expect.any(Array) } } });

    await setOfficerRole(app.storage, admin.officer.id, b.id, 'admin');
    const created = await fetch(`${app.url}/api/officers`, json('POST', body([a.id, b.id]), admin.auth));
    expect(created.status).toBe(201);
    const officer = ((await created.json()) as Json).officer;
    const roles = await app.storage.db.selectFrom('officer_facilities').select(['facility_id', 'role']).where('officer_id', '=', officer.id).execute();
    expect(roles.map((r) => r.role)).toEqual(['supervisor', 'supervisor']);
    const audits = await app.storage.db.selectFrom('audit_log').select('facility_id').where('subject_id', '=', officer.id).where('action', '=', 'officer.created').execute();
    expect(audits.map((r) => r.facility_id).sort()).toEqual([a.id, b.id].sort());
    expect((await verifyAuditChain(app.storage)).ok).toBe(true);
  });
});

describe.each(['sqlite', 'postgres'] as const)('migration 0005 on %s', (kind) => {
  it('gives every existing assignment the officer\'s former role, and goes back down', async () => {
    const fixture = await storageFixture(kind);
    const storage = await fixture.open();
    try {
      const db = storage.db as unknown as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations as Record<string, Migration> } });
      const down = await migrator.migrateTo('0004_recordings');
      expect(down.error).toBeUndefined();
      const now = new Date().toISOString();
      const facilities = [randomUUID(), randomUUID()];
      await db.insertInto('facilities').values(facilities.map((id, i) => ({ id, code: `M-${i}-${id.slice(0, 6)}`, name: 'Lapas', kind: 'lapas', timezone: 'Asia/Jakarta', created_at: now }))).execute();
      const officers = [
        { id: randomUUID(), role: 'supervisor', facilities },
        { id: randomUUID(), role: 'admin', facilities: [facilities[0]] },
        { id: randomUUID(), role: 'officer', facilities: [facilities[1]] },
      ];
      for (const o of officers) {
        await db.insertInto('officers').values({ id: o.id, username: `m-${o.id.slice(0, 8)}`, display_name: 'M', password_hash: 'x', role: o.role, disabled: 0, created_at: now }).execute();
        await db.insertInto('officer_facilities').values(o.facilities.map((facility_id) => ({ officer_id: o.id, facility_id }))).execute();
      }

      const up = await migrator.migrateToLatest();
      expect(up.error).toBeUndefined();
      const rows = await storage.db.selectFrom('officer_facilities').select(['officer_id', 'facility_id', 'role']).where('officer_id', 'in', officers.map((o) => o.id)).execute();
      expect(rows).toHaveLength(4);
      for (const r of rows) expect(r.role).toBe(officers.find((o) => o.id === r.officer_id)!.role);
      const columns = Object.keys((await db.selectFrom('officers').selectAll().where('id', '=', officers[0]!.id).executeTakeFirstOrThrow()) as object);
      expect(columns).not.toContain('role');

      // Down again: one role per officer, the highest held anywhere.
      await setOfficerRole(storage, officers[2]!.id, facilities[0]!, 'admin');
      expect((await migrator.migrateTo('0004_recordings')).error).toBeUndefined();
      const back = await db.selectFrom('officers').select(['id', 'role']).where('id', 'in', officers.map((o) => o.id)).execute();
      expect(Object.fromEntries(back.map((r: Json) => [r.id, r.role]))).toEqual({ [officers[0]!.id]: 'supervisor', [officers[1]!.id]: 'admin', [officers[2]!.id]: 'admin' });
    } finally {
      await storage.close();
      await fixture.dispose();
    }
  });
});
