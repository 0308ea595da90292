import { randomUUID } from 'node:crypto';
import { appendAuditIn, type AuditEntryInput } from '../audit/audit-log.ts';
import { hashTrackingCode, newTicket, newTrackingCode } from '../public-services/codes.ts';
import { isUniqueViolation } from '../storage/unique-violation.ts';
import type { Storage } from '../storage/database.ts';
import type { ComplaintStatus, ComplaintsTable } from '../storage/tables.ts';

export interface NewComplaint {
  facilityId: string;
  category: string;
  description: string;
  anonymous: boolean;
  reporterName?: string;
  contact?: string;
  dueAt: Date;
  attachment?: { mediaType: string; data: Buffer };
}

/** Stores a complaint with its first history entry (and image) atomically; retries the rare ticket collision. */
export async function createComplaint(
  storage: Storage,
  input: NewComplaint,
  audit: (created: { id: string; ticket: string }) => AuditEntryInput,
): Promise<{ id: string; ticket: string; trackingCode: string }> {
  const trackingCode = newTrackingCode();
  for (let attempt = 1; ; attempt++) {
    const now = new Date().toISOString();
    const row: ComplaintsTable = {
      id: randomUUID(),
      ticket: newTicket('ADU'),
      tracking_code_hash: hashTrackingCode(trackingCode),
      facility_id: input.facilityId,
      category: input.category,
      description: input.description,
      anonymous: input.anonymous ? 1 : 0,
      reporter_name: input.anonymous ? null : (input.reporterName ?? null),
      contact: input.anonymous ? null : (input.contact ?? null),
      status: 'new',
      assigned_to: null,
      due_at: input.dueAt.toISOString(),
      created_at: now,
      updated_at: now,
    };
    try {
      await storage.db.transaction().execute(async (trx) => {
        await trx.insertInto('complaints').values(row).execute();
        await trx.insertInto('complaint_events').values({ id: randomUUID(), complaint_id: row.id, status: 'new', public_response: null, officer_id: null, at: now }).execute();
        if (input.attachment) {
          await trx
            .insertInto('complaint_attachments')
            .values({
              id: randomUUID(),
              complaint_id: row.id,
              media_type: input.attachment.mediaType,
              size_bytes: input.attachment.data.length,
              data_base64: input.attachment.data.toString('base64'),
              created_at: now,
            })
            .execute();
        }
        await appendAuditIn(trx, storage.kind, audit({ id: row.id, ticket: row.ticket }));
      });
      return { id: row.id, ticket: row.ticket, trackingCode };
    } catch (err) {
      if (attempt >= 5 || !isUniqueViolation(err)) throw err;
    }
  }
}

export function findComplaintByTicket(storage: Storage, ticket: string) {
  return storage.db
    .selectFrom('complaints')
    .innerJoin('facilities', 'facilities.id', 'complaints.facility_id')
    .selectAll('complaints')
    .select('facilities.name as facility_name')
    .where('complaints.ticket', '=', ticket)
    .executeTakeFirst();
}

export function complaintHistory(storage: Storage, complaintId: string) {
  return storage.db.selectFrom('complaint_events').selectAll().where('complaint_id', '=', complaintId).orderBy('at').orderBy('id').execute();
}

/** The transitions officers may make; closing needs a public response (checked by the body schema). */
export const ALLOWED_TRANSITIONS: Record<ComplaintStatus, ComplaintStatus[]> = {
  new: ['in_progress', 'rejected'],
  in_progress: ['resolved', 'rejected'],
  resolved: [],
  rejected: [],
};

/**
 * Moves a complaint from one of the statuses that allow `to`, guarded by the current status so
 * two officers racing cannot both close it. Returns the status it left, or undefined if none matched.
 */
export async function transitionComplaint(
  storage: Storage,
  complaintId: string,
  to: ComplaintStatus,
  officerId: string,
  publicResponse: string | null,
  audit: (from: ComplaintStatus) => AuditEntryInput,
): Promise<ComplaintStatus | undefined> {
  const from = (Object.keys(ALLOWED_TRANSITIONS) as ComplaintStatus[]).filter((s) => ALLOWED_TRANSITIONS[s].includes(to));
  return storage.db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('complaints').select('status').where('id', '=', complaintId).executeTakeFirst();
    if (!current || !from.includes(current.status)) return undefined;
    const now = new Date().toISOString();
    const updated = await trx
      .updateTable('complaints')
      .set((eb) => ({
        status: to,
        updated_at: now,
        // Taking a complaint up without an assignee makes the officer its assignee.
        assigned_to: to === 'in_progress' ? eb.fn.coalesce('assigned_to', eb.val(officerId)) : eb.ref('assigned_to'),
      }))
      .where('id', '=', complaintId)
      .where('status', '=', current.status)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return undefined;
    await trx.insertInto('complaint_events').values({ id: randomUUID(), complaint_id: complaintId, status: to, public_response: publicResponse, officer_id: officerId, at: now }).execute();
    await appendAuditIn(trx, storage.kind, audit(current.status));
    return current.status;
  });
}
