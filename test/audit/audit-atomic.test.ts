import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { facilityNow } from '../../server/drive-thru/facility-clock.ts';
import { storageKinds } from '../helpers/storages.ts';
import { createFacility, loginOfficer } from '../helpers/test-app.ts';
import { durableDatabase, makeNik, postJson, seedInmate, startPublicServicesApp } from '../helpers/public-services.ts';

/** Makes the database refuse audit entries of one action, as a full disk or a broken chain lock would. */
async function breakAuditFor(app: App, action: string): Promise<void> {
  if (app.storage.kind === 'sqlite') {
    await sql.raw(`create trigger audit_down before insert on audit_log when new.action = '${action}' begin select raise(abort, 'audit down'); end`).execute(app.storage.db);
  } else {
    await sql.raw(`create function audit_down() returns trigger language plpgsql as $$ begin raise exception 'audit down'; end $$`).execute(app.storage.db);
    await sql.raw(`create trigger audit_down before insert on audit_log for each row when (new.action = '${action}') execute function audit_down()`).execute(app.storage.db);
  }
}

async function repairAudit(app: App): Promise<void> {
  await sql.raw(app.storage.kind === 'sqlite' ? 'drop trigger audit_down' : 'drop trigger audit_down on audit_log; drop function audit_down()').execute(app.storage.db);
}

describe.each(storageKinds)('an action and its audit entry are stored together, on %s', (kind) => {
  let db: Awaited<ReturnType<typeof durableDatabase>>;
  let app: App;
  let facilityId: string;
  let supervisor: Awaited<ReturnType<typeof loginOfficer>>;

  beforeAll(async () => {
    db = await durableDatabase(kind);
    app = await startPublicServicesApp(db.env);
    facilityId = (await createFacility(app)).id;
    supervisor = await loginOfficer(app, [facilityId], 'supervisor');
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const count = async (table: 'complaints' | 'drive_thru_tickets' | 'drive_thru_sessions') =>
    Number((await app.storage.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('a complaint whose audit entry cannot be written is not stored, and the next one is', async () => {
    const body = { facilityId, category: 'layanan', description: 'Antrean kunjungan terlalu lama.', anonymous: true };
    await breakAuditFor(app, 'complaint.submit');
    const refused = await postJson(app, '/api/complaints', body);
    expect(refused.status).toBe(500);
    expect(await count('complaints')).toBe(0);
    await repairAudit(app);
    expect((await postJson(app, '/api/complaints', body)).status).toBe(201);
    expect(await count('complaints')).toBe(1);
  });

  it('a drive-thru booking whose audit entry cannot be written takes no place in the session', async () => {
    const family = await seedInmate(app, facilityId, 'C.II-3/2025', [makeNik()]);
    const date = facilityNow('Asia/Jakarta', new Date(Date.now() + 24 * 3600_000)).date;
    const session = (await (await postJson(app, '/api/officer/drive-thru/sessions', { date, startTime: '08:00', endTime: '10:00', capacity: 1 }, supervisor.auth)).json()) as { id: string };
    const booking = { sessionId: session.id, registrationNumber: 'C.II-3/2025', visitorNik: family.niks[0], items: [{ category: 'makanan', description: 'Roti', quantity: 1 }] };
    await breakAuditFor(app, 'drive_thru.book');
    expect((await postJson(app, '/api/drive-thru/tickets', booking)).status).toBe(500);
    expect(await count('drive_thru_tickets')).toBe(0);
    const place = await app.storage.db.selectFrom('drive_thru_sessions').select('booked').where('id', '=', session.id).executeTakeFirstOrThrow();
    expect(Number(place.booked)).toBe(0);
    await repairAudit(app);
    // the single place is still free for the family
    expect((await postJson(app, '/api/drive-thru/tickets', booking)).status).toBe(201);
  });

  it('a complaint transition whose audit entry cannot be written leaves the complaint as it was', async () => {
    const officer = await loginOfficer(app, [facilityId]);
    const complaint = await app.storage.db.selectFrom('complaints').select(['id', 'status']).executeTakeFirstOrThrow();
    await breakAuditFor(app, 'complaint.transition');
    expect((await postJson(app, `/api/officer/complaints/${complaint.id}/transition`, { to: 'in_progress' }, officer.auth)).status).toBe(500);
    const after = await app.storage.db.selectFrom('complaints').select('status').where('id', '=', complaint.id).executeTakeFirstOrThrow();
    expect(after.status).toBe('new');
    await repairAudit(app);
    expect((await postJson(app, `/api/officer/complaints/${complaint.id}/transition`, { to: 'in_progress' }, officer.auth)).status).toBe(200);
  });

  it('an officer action whose audit entry cannot be written does not happen: a booth device stays enrolled until its revocation is audited', async () => {
    const booth = (await (await postJson(app, '/api/booths', { name: 'Bilik Uji' }, supervisor.auth)).json()) as { booth: { id: string } };
    const device = (await (await postJson(app, `/api/booths/${booth.booth.id}/devices`, { label: 'PC uji' }, supervisor.auth)).json()) as { deviceId: string };
    await breakAuditFor(app, 'booth_device.revoked');
    expect((await postJson(app, `/api/booth-devices/${device.deviceId}/revoke`, {}, supervisor.auth)).status).toBe(500);
    const row = await app.storage.db.selectFrom('booth_devices').select('revoked_at').where('id', '=', device.deviceId).executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeNull();
    await repairAudit(app);
    expect((await postJson(app, `/api/booth-devices/${device.deviceId}/revoke`, {}, supervisor.auth)).status).toBe(200);
    const entries = await app.storage.db.selectFrom('audit_log').select('action').where('subject_id', '=', device.deviceId).execute();
    expect(entries.map((e) => e.action).sort()).toEqual(['booth_device.enrolled', 'booth_device.revoked']);
  });
});
