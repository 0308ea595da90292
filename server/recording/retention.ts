import { rm } from 'node:fs/promises';
import path from 'node:path';
import { appendAudit } from '../audit/audit-log.ts';
import type { AppContext } from '../context.ts';

const HOUR_MS = 3600_000;

/** Deletes recordings (complete, incomplete or failed) older than recordingRetentionDays; the index row stays, marked purged. */
export class RecordingRetention {
  readonly #ctx: Pick<AppContext, 'config' | 'storage' | 'logger'>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(ctx: Pick<AppContext, 'config' | 'storage' | 'logger'>) {
    this.#ctx = ctx;
  }

  start(intervalMs = HOUR_MS): void {
    this.#timer = setInterval(() => void this.runOnce(), intervalMs);
    this.#timer.unref();
    void this.runOnce();
  }

  /** One pass; resolves to the number of recordings purged. */
  runOnce(now = new Date()): Promise<number> {
    this.#running ??= this.#purge(now)
      .catch((err: unknown) => {
        // A database hiccup must not end the process; the next pass tries again.
        this.#ctx.logger.error({ err: (err as Error).message }, 'recording retention pass failed');
        return 0;
      })
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #purge(now: Date): Promise<number> {
    const { config, storage, logger } = this.#ctx;
    const cutoff = new Date(now.getTime() - config.recordingRetentionDays * 24 * HOUR_MS).toISOString();
    const expired = await storage.db
      .selectFrom('recordings')
      .select(['visit_id', 'facility_id', 'dir', 'ended_at'])
      .where('status', 'in', ['complete', 'incomplete', 'failed'])
      .where('ended_at', '<', cutoff)
      .limit(500)
      .execute();
    const root = path.resolve(config.recordingsDir);
    let purged = 0;
    for (const r of expired) {
      const dir = path.resolve(root, r.dir);
      if (!dir.startsWith(root + path.sep)) {
        logger.error({ visitId: r.visit_id, dir: r.dir }, 'recording index points outside the recordings folder; not deleting');
        continue;
      }
      try {
        await rm(dir, { recursive: true, force: true });
        await storage.db.updateTable('recordings').set({ status: 'purged', purged_at: now.toISOString() }).where('visit_id', '=', r.visit_id).execute();
        await appendAudit(storage, {
          actorKind: 'system',
          actorId: 'retention',
          facilityId: r.facility_id,
          action: 'recording.purged',
          subjectKind: 'visit',
          subjectId: r.visit_id,
          details: { endedAt: r.ended_at, retentionDays: config.recordingRetentionDays },
        });
        purged++;
      } catch (err) {
        logger.error({ visitId: r.visit_id, err: (err as Error).message }, 'recording purge failed');
      }
    }
    if (purged > 0) logger.info({ purged }, 'recording retention pass');
    return purged;
  }

  stop(): Promise<unknown> {
    clearInterval(this.#timer);
    return this.#running ?? Promise.resolve();
  }
}
