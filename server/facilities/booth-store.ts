import { randomUUID } from 'node:crypto';
import type { Storage } from '../storage/database.ts';
import type { BoothDevicesTable, BoothsTable } from '../storage/tables.ts';

export function listBooths(storage: Storage, facilityId: string): Promise<BoothsTable[]> {
  return storage.db.selectFrom('booths').selectAll().where('facility_id', '=', facilityId).orderBy('name').execute();
}

export function findBooth(storage: Storage, boothId: string): Promise<BoothsTable | undefined> {
  return storage.db.selectFrom('booths').selectAll().where('id', '=', boothId).executeTakeFirst();
}

export async function createBooth(storage: Storage, facilityId: string, name: string): Promise<BoothsTable> {
  const row: BoothsTable = { id: randomUUID(), facility_id: facilityId, name, created_at: new Date().toISOString() };
  await storage.db.insertInto('booths').values(row).execute();
  return row;
}

export async function renameBooth(storage: Storage, boothId: string, name: string): Promise<void> {
  await storage.db.updateTable('booths').set({ name }).where('id', '=', boothId).execute();
}

export async function enrolBoothDevice(storage: Storage, boothId: string, label: string, createdBy: string): Promise<BoothDevicesTable> {
  const row: BoothDevicesTable = { id: randomUUID(), booth_id: boothId, label, created_by: createdBy, created_at: new Date().toISOString(), revoked_at: null };
  await storage.db.insertInto('booth_devices').values(row).execute();
  return row;
}

export function listBoothDevices(storage: Storage, boothId: string): Promise<BoothDevicesTable[]> {
  return storage.db.selectFrom('booth_devices').selectAll().where('booth_id', '=', boothId).orderBy('created_at').execute();
}

/** The device with its booth's facility, for scoping checks. */
export function findBoothDevice(storage: Storage, deviceId: string): Promise<(BoothDevicesTable & { facility_id: string }) | undefined> {
  return storage.db
    .selectFrom('booth_devices')
    .innerJoin('booths', 'booths.id', 'booth_devices.booth_id')
    .selectAll('booth_devices')
    .select('booths.facility_id')
    .where('booth_devices.id', '=', deviceId)
    .executeTakeFirst();
}

/** Revokes once; false when it was already revoked (or is unknown). */
export async function revokeBoothDevice(storage: Storage, deviceId: string, at = new Date()): Promise<boolean> {
  const result = await storage.db
    .updateTable('booth_devices')
    .set({ revoked_at: at.toISOString() })
    .where('id', '=', deviceId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export const boothView = (b: BoothsTable) => ({ id: b.id, name: b.name, createdAt: b.created_at });

export const boothDeviceView = (d: BoothDevicesTable) => ({
  id: d.id,
  boothId: d.booth_id,
  label: d.label,
  createdBy: d.created_by,
  createdAt: d.created_at,
  revokedAt: d.revoked_at,
  active: d.revoked_at === null,
});
