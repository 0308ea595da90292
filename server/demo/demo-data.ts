import { randomBytes, randomUUID } from 'node:crypto';
import { appendAudit, type AuditEntryInput } from '../audit/audit-log.ts';
import type { TokenService } from '../auth/tokens.ts';
import { createBooth, enrolBoothDevice } from '../facilities/booth-store.ts';
import { createOfficer, findOfficerByUsername, officerAssignments, setOfficerRole } from '../officers/officer-store.ts';
import { hashPassword } from '../officers/passwords.ts';
import type { Storage } from '../storage/database.ts';
import { createInmate, createVisitor, findVisitorByNik } from '../visits/inmate-store.ts';
import type { NikVault } from '../visits/nik-vault.ts';
import { boothUrl, familyUrl, officerUrl } from '../visits/links.ts';
import { createVisit } from '../visits/schedule.ts';
import { transitionVisit } from '../visits/visit-store.ts';

export const DEMO = {
  facilityCode: 'DEMO',
  facilityName: 'Lapas Demo Kunjungan Video',
  boothName: 'Bilik 1',
  deviceLabel: 'Perangkat demo',
  inmate: { registrationNumber: 'DEMO/001', name: 'Budi Santoso', block: 'Blok A' },
  // Plausible but made up: DKI Jakarta, a woman born 5 January 1990.
  visitor: { name: 'Siti Aminah', nik: '3171014501900001', relationship: 'suami_istri' as const },
  officerUsername: 'demo',
  visitMinutes: 15,
};

export interface DemoLinks {
  familyUrl: string;
  boothUrl: string;
  officerUrl: string;
  officerUsername: string;
  officerPassword: string;
  visitId: string;
}

const audit = (storage: Storage, facilityId: string, entry: Omit<AuditEntryInput, 'actorKind' | 'actorId' | 'facilityId'>) =>
  appendAudit(storage, { actorKind: 'system', actorId: 'demo-seed', facilityId, ...entry });

/**
 * Seeds (or reuses) the demo facility with one booth, device, inmate, visitor and officer,
 * resets the officer's password, replaces any open demo visit with one starting now, and
 * returns fresh links. Safe to run again and again.
 */
export async function seedDemo(storage: Storage, tokens: TokenService, nikVault: NikVault, baseUrl: string, log: (line: string) => void = () => {}): Promise<DemoLinks> {
  const db = storage.db;
  const now = new Date();

  let facility = await db.selectFrom('facilities').selectAll().where('code', '=', DEMO.facilityCode).executeTakeFirst();
  if (!facility) {
    facility = { id: randomUUID(), code: DEMO.facilityCode, name: DEMO.facilityName, kind: 'lapas', timezone: 'Asia/Jakarta', created_at: now.toISOString() };
    await db.insertInto('facilities').values(facility).execute();
    log(`created facility ${facility.code}`);
  }
  const facilityId = facility.id;

  let booth = await db.selectFrom('booths').selectAll().where('facility_id', '=', facilityId).where('name', '=', DEMO.boothName).executeTakeFirst();
  if (!booth) {
    booth = await createBooth(storage, facilityId, DEMO.boothName);
    await audit(storage, facilityId, { action: 'booth.created', subjectKind: 'booth', subjectId: booth.id, details: { name: booth.name } });
    log(`created booth ${booth.name}`);
  }

  let device = await db
    .selectFrom('booth_devices')
    .selectAll()
    .where('booth_id', '=', booth.id)
    .where('label', '=', DEMO.deviceLabel)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!device) {
    device = await enrolBoothDevice(storage, booth.id, DEMO.deviceLabel, 'demo-seed');
    await audit(storage, facilityId, { action: 'booth_device.enrolled', subjectKind: 'booth_device', subjectId: device.id, details: { boothId: booth.id, label: device.label } });
    log(`enrolled booth device ${device.label}`);
  }

  let inmate = await db
    .selectFrom('inmates')
    .selectAll()
    .where('facility_id', '=', facilityId)
    .where('registration_number', '=', DEMO.inmate.registrationNumber)
    .executeTakeFirst();
  if (!inmate) {
    inmate = await createInmate(storage, facilityId, DEMO.inmate);
    await audit(storage, facilityId, { action: 'inmate.created', subjectKind: 'inmate', subjectId: inmate.id, details: { registrationNumber: inmate.registration_number } });
    log(`created inmate ${inmate.name}`);
  }

  let visitor = await findVisitorByNik(storage, nikVault, inmate.id, DEMO.visitor.nik);
  if (!visitor) {
    visitor = await createVisitor(storage, nikVault, inmate.id, DEMO.visitor);
    await audit(storage, facilityId, { action: 'visitor.registered', subjectKind: 'visitor', subjectId: visitor.id, details: { inmateId: inmate.id, relationship: visitor.relationship } });
    log(`registered visitor ${visitor.name}`);
  }

  // A fresh password every run: the demo never leaves a known default credential behind.
  const officerPassword = randomBytes(12).toString('base64url');
  const existing = await findOfficerByUsername(storage, DEMO.officerUsername);
  if (existing) {
    // Its password is the account's in every facility: reset it only when the demo facility is its only one.
    const assignments = await officerAssignments(storage, existing.id);
    if (assignments.length !== 1 || assignments[0]!.facilityId !== facilityId) {
      throw new Error(`officer "${DEMO.officerUsername}" exists outside the demo facility; refusing to reset its password`);
    }
    await db.updateTable('officers').set({ password_hash: await hashPassword(officerPassword), disabled: 0 }).where('id', '=', existing.id).execute();
    await audit(storage, facilityId, { action: 'officer.password_reset', subjectKind: 'officer', subjectId: existing.id });
    if (assignments[0]!.role !== 'supervisor') {
      await setOfficerRole(storage, existing.id, facilityId, 'supervisor');
      await audit(storage, facilityId, { action: 'officer.updated', subjectKind: 'officer', subjectId: existing.id, details: { role: { from: assignments[0]!.role, to: 'supervisor' } } });
    }
    log(`reset the password of officer ${DEMO.officerUsername}`);
  } else {
    const officer = await createOfficer(storage, {
      username: DEMO.officerUsername, displayName: 'Petugas Demo', password: officerPassword, role: 'supervisor', facilityIds: [facilityId],
    });
    await audit(storage, facilityId, { action: 'officer.created', subjectKind: 'officer', subjectId: officer.id, details: { username: officer.username, role: officer.role } });
    log(`created officer ${DEMO.officerUsername}`);
  }

  // Clear the booth and the inmate for a visit starting now.
  const open = await db
    .selectFrom('visits')
    .select(['id', 'status'])
    .where('facility_id', '=', facilityId)
    .where('status', 'in', ['scheduled', 'live'])
    .where((eb) => eb.or([eb('booth_id', '=', booth.id), eb('inmate_id', '=', inmate.id)]))
    .execute();
  for (const old of open) {
    const to = old.status === 'live' ? 'ended' : 'cancelled';
    if (await transitionVisit(storage, old.id, [old.status], to, { ended_at: now.toISOString(), end_reason: 'demo_reset' })) {
      await audit(storage, facilityId, { action: to === 'ended' ? 'visit.ended' : 'visit.cancelled', subjectKind: 'visit', subjectId: old.id, reason: 'replaced by a new demo visit' });
      log(`${to} previous demo visit ${old.id}`);
    }
  }

  const durationSeconds = DEMO.visitMinutes * 60;
  const visit = await createVisit(storage, {
    facilityId, inmateId: inmate.id, boothId: booth.id, visitorIds: [visitor.id], scheduledStart: now, durationSeconds, privileged: false, createdBy: 'demo-seed',
  });
  await audit(storage, facilityId, {
    action: 'visit.created', subjectKind: 'visit', subjectId: visit.id,
    details: { inmateId: inmate.id, boothId: booth.id, visitorIds: [visitor.id], scheduledStart: visit.scheduled_start, durationSeconds, privileged: false },
  });
  await audit(storage, facilityId, { action: 'visit.links_issued', subjectKind: 'visit', subjectId: visit.id, details: { visitorIds: [visitor.id] } });
  log(`scheduled visit ${visit.id} from ${visit.scheduled_start} for ${DEMO.visitMinutes} minutes`);

  return {
    familyUrl: familyUrl(baseUrl, tokens.signJoin(visitor.id, { id: visit.id, scheduledStart: now, durationSeconds })),
    boothUrl: boothUrl(baseUrl, tokens.signBooth(device.id, booth.id, facilityId)),
    officerUrl: officerUrl(baseUrl),
    officerUsername: DEMO.officerUsername,
    officerPassword,
    visitId: visit.id,
  };
}
