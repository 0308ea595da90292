import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

const json = (method: string, body: unknown, headers: Record<string, string>) => ({
  method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
});

describe('officer accounts: an admin disables, re-enables, changes roles and resets passwords', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  const patch = (id: string, body: unknown, auth: Record<string, string>) => fetch(`${app.url}/api/officers/${id}`, json('PATCH', body, auth));

  it('a disabled officer is refused at the next request, although the token has not expired; re-enabled, it works again', async () => {
    const facility = await createFacility(app);
    const admin = await loginOfficer(app, [facility.id], 'admin');
    const officer = await loginOfficer(app, [facility.id]);
    expect((await fetch(`${app.url}/api/visits`, { headers: officer.auth })).status).toBe(200);

    const off = await patch(officer.officer.id, { disabled: true, reason: 'pindah tugas' }, admin.auth);
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ officer: { id: officer.officer.id, disabled: true } });
    for (const path of ['/api/visits', '/api/calls', '/api/auth/me']) {
      const res = await fetch(`${app.url}${path}`, { headers: officer.auth });
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'token_revoked' } });
    }
    expect((await fetch(`${app.url}/api/auth/refresh`, json('POST', {}, officer.auth))).status).toBe(401);

    expect((await patch(officer.officer.id, { disabled: false, reason: 'kembali bertugas' }, admin.auth)).status).toBe(200);
    expect((await fetch(`${app.url}/api/visits`, { headers: officer.auth })).status).toBe(200);
  });

  it('a lowered role takes effect at once; a raised one too', async () => {
    const facility = await createFacility(app);
    const admin = await loginOfficer(app, [facility.id], 'admin');
    const other = await loginOfficer(app, [facility.id], 'admin');
    expect((await fetch(`${app.url}/api/officers`, { headers: other.auth })).status).toBe(200);
    expect((await patch(other.officer.id, { role: 'officer', reason: 'bukan admin lagi' }, admin.auth)).status).toBe(200);
    expect((await fetch(`${app.url}/api/officers`, { headers: other.auth })).status).toBe(403);
    expect((await patch(other.officer.id, { role: 'admin', reason: 'admin lagi' }, admin.auth)).status).toBe(200);
    expect((await fetch(`${app.url}/api/officers`, { headers: other.auth })).status).toBe(200);
  });

  it('a password reset replaces the old password', async () => {
    const facility = await createFacility(app);
    const admin = await loginOfficer(app, [facility.id], 'admin');
    const officer = await loginOfficer(app, [facility.id]);
    const newPassword = 'sandi-baru-yang-panjang-9';
    expect((await patch(officer.officer.id, { password: newPassword, reason: 'lupa kata sandi' }, admin.auth)).status).toBe(200);
    const login = (password: string) => fetch(`${app.url}/api/auth/login`, json('POST', { username: officer.username, password }, {}));
    expect((await login(officer.password)).status).toBe(401);
    expect((await login(newPassword)).status).toBe(200);
  });

  it('refuses non-admins, other facilities, the admin\'s own account and bad bodies, changing nothing', async () => {
    const facility = await createFacility(app);
    const elsewhere = await createFacility(app);
    const admin = await loginOfficer(app, [facility.id], 'admin');
    const supervisor = await loginOfficer(app, [facility.id], 'supervisor');
    const officer = await loginOfficer(app, [facility.id]);
    const foreign = await loginOfficer(app, [elsewhere.id]);

    expect((await patch(officer.officer.id, { disabled: true, reason: 'coba' }, supervisor.auth)).status).toBe(403);
    expect((await patch(foreign.officer.id, { disabled: true, reason: 'coba' }, admin.auth)).status).toBe(404);
    expect((await patch(admin.officer.id, { disabled: true, reason: 'coba' }, admin.auth)).status).toBe(409);
    const noReason = await patch(officer.officer.id, { disabled: true }, admin.auth);
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ error: { code: 'validation_failed', fields: { reason: expect.any(Array) } } });
    expect((await patch(officer.officer.id, { reason: 'tidak ada perubahan' }, admin.auth)).status).toBe(400);
    expect((await patch(officer.officer.id, { disabled: 'ya', reason: 'coba' }, admin.auth)).status).toBe(400);
    expect((await patch(officer.officer.id, { disabled: true, reason: 'coba', extra: 1 }, admin.auth)).status).toBe(400);
    expect((await patch(officer.officer.id, { password: 'pendek', reason: 'coba' }, admin.auth)).status).toBe(400);
    expect((await patch('bukan-uuid', { disabled: true, reason: 'coba' }, admin.auth)).status).toBe(400);

    for (const who of [officer, foreign]) expect((await fetch(`${app.url}/api/auth/me`, { headers: who.auth })).status).toBe(200);
  });

  it('audits every change with its reason, in a chain that verifies, and never stores the password', async () => {
    const rows = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'officer.updated').execute();
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.every((r) => typeof r.reason === 'string' && r.reason.length > 0)).toBe(true);
    expect(rows.some((r) => JSON.parse(r.details).disabled === true)).toBe(true);
    expect(rows.some((r) => JSON.parse(r.details).role?.to === 'officer')).toBe(true);
    expect(rows.some((r) => JSON.parse(r.details).passwordReset === true)).toBe(true);
    expect(rows.map((r) => r.details).join()).not.toContain('sandi-baru');
    expect((await verifyAuditChain(app.storage)).ok).toBe(true);
  });
});
