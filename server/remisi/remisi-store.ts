import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { appendAuditIn, type AuditEntryInput } from '../audit/audit-log.ts';
import type { Storage } from '../storage/database.ts';
import type { RemisiKind } from '../storage/tables.ts';
import type { ImportedRemisi } from './csv-import.ts';

const CHUNK = 200;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Replaces the facility's records for every registration number in the file, in one
 * transaction: either the whole file is stored or nothing is.
 */
export async function replaceRemisiRecords(
  storage: Storage,
  facilityId: string,
  records: ImportedRemisi[],
  audit: (importId: string) => AuditEntryInput,
): Promise<{ importId: string }> {
  const importId = randomUUID();
  const importedAt = new Date().toISOString();
  await storage.db.transaction().execute(async (trx) => {
    for (const part of chunks(records)) {
      await trx
        .deleteFrom('remisi_records')
        .where('facility_id', '=', facilityId)
        .where('registration_number', 'in', part.map((r) => r.registrationNumber))
        .execute();
      const rows = part.map((r) => ({
        id: randomUUID(),
        facility_id: facilityId,
        registration_number: r.registrationNumber,
        inmate_name: r.name,
        expected_release_date: r.expectedReleaseDate,
        pb_eligible_date: r.pbEligibleDate,
        cb_eligible_date: r.cbEligibleDate,
        import_id: importId,
        imported_at: importedAt,
      }));
      await trx.insertInto('remisi_records').values(rows).execute();
      const entries = part.flatMap((r, i) =>
        r.entries.map((e) => ({ id: randomUUID(), record_id: rows[i]!.id, kind: e.kind, year: e.year, days: e.days, decree_number: e.decreeNumber })),
      );
      for (const ep of chunks(entries)) await trx.insertInto('remisi_entries').values(ep).execute();
    }
    await appendAuditIn(trx, storage.kind, audit(importId));
  });
  return { importId };
}

/** Which of these registration numbers have no registered inmate in the facility (they cannot be looked up yet). */
export async function unknownRegistrations(storage: Storage, facilityId: string, registrationNumbers: string[]): Promise<string[]> {
  const known = new Set<string>();
  for (const part of chunks(registrationNumbers)) {
    const rows = await storage.db
      .selectFrom('inmates')
      .select(sql<string>`upper(registration_number)`.as('reg'))
      .where('facility_id', '=', facilityId)
      .where(sql<string>`upper(registration_number)`, 'in', part)
      .execute();
    for (const r of rows) known.add(r.reg);
  }
  return registrationNumbers.filter((r) => !known.has(r));
}

export interface RemisiView {
  registrationNumber: string;
  name: string;
  facility: { name: string };
  remissions: Array<{ type: RemisiKind; year: number; days: number; decreeNumber: string }>;
  totalDays: number;
  expectedReleaseDate: string | null;
  pbEligibleDate: string | null;
  cbEligibleDate: string | null;
  updatedAt: string;
}

/**
 * The record of the inmate with this registration number, only when the NIK is a registered
 * family member of that inmate (nikHash: NikVault.lookupHash of the NIK given). Anything else
 * is undefined, indistinguishably.
 */
export async function lookupRemisi(storage: Storage, registrationNumber: string, nikHash: string): Promise<RemisiView | undefined> {
  const found = await storage.db
    .selectFrom('inmates')
    .innerJoin('visitors', 'visitors.inmate_id', 'inmates.id')
    .innerJoin('remisi_records', (join) =>
      join
        .onRef('remisi_records.facility_id', '=', 'inmates.facility_id')
        .on('remisi_records.registration_number', '=', registrationNumber),
    )
    .innerJoin('facilities', 'facilities.id', 'inmates.facility_id')
    .selectAll('remisi_records')
    .select('facilities.name as facility_name')
    .where(sql<string>`upper(inmates.registration_number)`, '=', registrationNumber)
    .where('visitors.nik_hash', '=', nikHash)
    .executeTakeFirst();
  if (!found) return undefined;
  const entries = await storage.db
    .selectFrom('remisi_entries')
    .selectAll()
    .where('record_id', '=', found.id)
    .orderBy('year')
    .orderBy('kind')
    .execute();
  return {
    registrationNumber: found.registration_number,
    name: found.inmate_name,
    facility: { name: found.facility_name },
    remissions: entries.map((e) => ({ type: e.kind, year: Number(e.year), days: Number(e.days), decreeNumber: e.decree_number })),
    totalDays: entries.reduce((sum, e) => sum + Number(e.days), 0),
    expectedReleaseDate: found.expected_release_date,
    pbEligibleDate: found.pb_eligible_date,
    cbEligibleDate: found.cb_eligible_date,
    updatedAt: found.imported_at,
  };
}
