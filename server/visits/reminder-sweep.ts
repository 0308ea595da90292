import { appendAuditIn } from '../audit/audit-log.ts';
import { PeriodicTask } from '../background/periodic-task.ts';
import { auditChainOf } from '../audit/audit-chain.ts';
import type { AppContext } from '../context.ts';
import { visitorRecipients } from '../notifications/contacts.ts';
import { notifyReminder, visitRef } from '../notifications/events.ts';
import { withinTransaction } from '../storage/transaction.ts';
import type { VisitsTable } from '../storage/tables.ts';
import { familyUrl } from './links.ts';
import { visitorIdsOf } from './visit-store.ts';

const BATCH = 200;
export const DAY_BEFORE_MS = 24 * 3600_000;
export const SOON_MS = 15 * 60_000;

type Kind = 'dayBefore' | 'soon';
const COLUMN = { dayBefore: 'day_before_reminded_at', soon: 'soon_reminded_at' } as const;

/**
 * Reminds the visitors of scheduled visits the day before (from 24 h before) and 15 minutes
 * before, each with a fresh personal join link. Each reminder goes once per visit time: a guarded
 * update marks the visit in the transaction that enqueues the messages (their idempotency keys
 * name the visit, its start and the visitor), so two nodes or two ticks never send it twice.
 * A day-before reminder is only for visits booked before it was due (a visit booked for this
 * afternoon got its booking message just now), and none once the 15-minute one is due. Visits
 * that cannot be joined yet (awaiting an officer's confirmation or a privileged approval) wait.
 * The clock is injectable: tests drive it.
 */
export class VisitReminderSweep {
  readonly #task: PeriodicTask;

  constructor(
    private readonly ctx: Pick<AppContext, 'storage' | 'logger' | 'tokens' | 'publicUrl'>,
    private readonly clock: () => Date = () => new Date(),
    intervalMs = 60_000,
  ) {
    this.#task = new PeriodicTask(() => this.runOnce(this.clock()), intervalMs, (err) => this.ctx.logger.error({ err }, 'visit reminder sweep failed'));
  }

  start(): void {
    this.#task.start();
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }

  /** One pass at `now`; returns how many reminders (visits × kind) it sent. */
  runOnce(now = this.clock()): Promise<number> {
    return this.#task.track((async () => (await this.#remind('soon', now)) + (await this.#remind('dayBefore', now)))());
  }

  async #remind(kind: Kind, now: Date): Promise<number> {
    const storage = this.ctx.storage;
    const column = COLUMN[kind];
    let query = storage.db
      .selectFrom('visits')
      .selectAll()
      .where('status', '=', 'scheduled')
      .where(column, 'is', null)
      .where('scheduled_start', '>', new Date(now.getTime() + (kind === 'soon' ? 0 : SOON_MS)).toISOString())
      .where('scheduled_start', '<=', new Date(now.getTime() + (kind === 'soon' ? SOON_MS : DAY_BEFORE_MS)).toISOString())
      .where((w) => w.or([w('confirmation', 'is', null), w('confirmation', '!=', 'pending')]))
      .where((w) => w.or([w('privileged', '=', 0), w('privileged_approval', '=', 'approved')]));
    query = query.orderBy('scheduled_start').limit(BATCH);
    let sent = 0;
    for (const visit of await query.execute()) {
      if (kind === 'dayBefore' && new Date(visit.created_at).getTime() > new Date(visit.scheduled_start).getTime() - DAY_BEFORE_MS) continue;
      if (await this.#send(visit, kind, now)) sent++;
    }
    if (sent > 0) this.ctx.logger.info({ kind, sent }, 'visit reminders enqueued');
    return sent;
  }

  async #send(visit: VisitsTable, kind: Kind, now: Date): Promise<boolean> {
    const storage = this.ctx.storage;
    const done = await withinTransaction(storage, async (tx) => {
      const marked = await tx.db
        .updateTable('visits')
        .set({ [COLUMN[kind]]: now.toISOString() })
        .where('id', '=', visit.id)
        .where('status', '=', 'scheduled')
        .where('scheduled_start', '=', visit.scheduled_start)
        .where(COLUMN[kind], 'is', null)
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return false;
      const visitorIds = await visitorIdsOf(tx.db, visit.id);
      const scheduledStart = new Date(visit.scheduled_start);
      const recipients = (await visitorRecipients(tx, visitorIds)).map((r) => ({
        ...r,
        link: familyUrl(this.ctx.publicUrl(), this.ctx.tokens.signJoin(r.ref, { id: visit.id, scheduledStart, durationSeconds: visit.duration_seconds })),
      }));
      await notifyReminder(tx, visitRef(visit), kind, recipients);
      // a join link handed out, as GET /api/visits/:id/links records it
      await appendAuditIn(tx.db, storage.kind, {
        actorKind: 'system', actorId: 'visit-reminder-sweep', facilityId: visit.facility_id, action: 'visit.links_issued', subjectKind: 'visit', subjectId: visit.id,
        details: { visitorIds, via: `reminder.${kind}` },
      });
      return true;
    });
    if (done && !storage.db.isTransaction) await auditChainOf(storage.db).anchorCommitted();
    return done;
  }
}
