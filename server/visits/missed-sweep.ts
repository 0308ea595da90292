import { appendAudit, audited } from '../audit/audit-log.ts';
import { PeriodicTask } from '../background/periodic-task.ts';
import type { Logger } from '../logging/logger.ts';
import { visitorRecipients } from '../notifications/contacts.ts';
import { notifyVisitMissed, visitRef } from '../notifications/events.ts';
import type { Storage } from '../storage/database.ts';
import { familyPortalUrl } from './links.ts';
import { transitionVisit, visitEndsAt, visitorIdsOf } from './visit-store.ts';

const BATCH = 200;
// Past a visit's end, its call has been ended by the server; allow for clock skew and slow shutdowns.
const INTERRUPTED_AFTER_MS = 2 * 60_000;

/**
 * Marks scheduled visits whose window ended without the call ever going live as `missed`, and
 * closes `live` visits left behind by a node that stopped mid-call (the server ends every call
 * at its deadline, so a visit still live well past it has no call anywhere).
 * Safe on several nodes at once: the guarded transition lets exactly one of them win. The
 * visitors of a missed visit are told (with where to book again) in the transaction that marks it.
 */
export class MissedVisitSweep {
  readonly #task: PeriodicTask;

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
    intervalMs = 30_000,
    /** The server's base URL, for the booking link in the missed-visit message. */
    private readonly publicUrl: () => string = () => '',
  ) {
    this.#task = new PeriodicTask(
      async () => {
        await this.runOnce();
        await this.closeInterrupted();
      },
      intervalMs,
      (err) => this.logger.error({ err }, 'missed-visit sweep failed'),
    );
  }

  start(): void {
    this.#task.start();
  }

  /** Stops the timer and waits for a sweep in progress, so storage can close after it. */
  stop(): Promise<void> {
    return this.#task.stop();
  }

  /** One pass; returns how many visits it marked missed. */
  runOnce(now = new Date()): Promise<number> {
    return this.#task.track((async () => {
      let marked = 0;
      const due = await this.storage.db
        .selectFrom('visits')
        .select(['id', 'facility_id', 'scheduled_start', 'duration_seconds'])
        .where('status', '=', 'scheduled')
        .where('scheduled_start', '<', now.toISOString())
        .orderBy('scheduled_start')
        .limit(BATCH)
        .execute();
      for (const visit of due) {
        const endsAt = visitEndsAt(visit);
        if (endsAt > now) continue;
        const missed = await audited(
          this.storage,
          async (tx) => {
            if (!(await transitionVisit(tx, visit.id, ['scheduled'], 'missed', { ended_at: endsAt.toISOString(), end_reason: 'not_started' }))) return false;
            const visitorIds = await visitorIdsOf(tx.db, visit.id);
            await notifyVisitMissed(tx, visitRef(visit), await visitorRecipients(tx, visitorIds), familyPortalUrl(this.publicUrl()));
            return true;
          },
          (done) => done ? { actorKind: 'system', actorId: 'missed-visit-sweep', facilityId: visit.facility_id, action: 'visit.missed', subjectKind: 'visit', subjectId: visit.id } : undefined,
        );
        if (missed) marked++;
      }
      if (marked > 0) this.logger.info({ marked }, 'visits marked missed');
      return marked;
    })());
  }

  /** Live visits whose end passed more than INTERRUPTED_AFTER_MS ago become `ended` (interrupted). */
  async closeInterrupted(now = new Date()): Promise<number> {
    const stale = await this.storage.db
      .selectFrom('visits')
      .select(['id', 'facility_id', 'scheduled_start', 'duration_seconds'])
      .where('status', '=', 'live')
      .orderBy('scheduled_start')
      .limit(BATCH)
      .execute();
    let closed = 0;
    for (const visit of stale) {
      const endsAt = visitEndsAt(visit);
      if (endsAt.getTime() + INTERRUPTED_AFTER_MS > now.getTime()) continue;
      if (!(await transitionVisit(this.storage, visit.id, ['live'], 'ended', { ended_at: endsAt.toISOString(), end_reason: 'interrupted' }))) continue;
      closed++;
      await appendAudit(this.storage, {
        actorKind: 'system', actorId: 'visit-sweep', facilityId: visit.facility_id, action: 'visit.interrupted', subjectKind: 'visit', subjectId: visit.id,
      });
    }
    if (closed > 0) this.logger.warn({ closed }, 'live visits left by a stopped node closed as interrupted');
    return closed;
  }
}
