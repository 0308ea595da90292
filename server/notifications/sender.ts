import type { Logger } from '../logging/logger.ts';
import type { Storage } from '../storage/database.ts';
import type { NotificationsConfig } from './config-schema.ts';
import { channelsFor, PermanentDeliveryError, type DeliveryChannel } from './channels.ts';
import { claimNext, expireDue, markAttemptFailed, markManual, markSent, purgeDone, type OutboxRow } from './outbox-store.ts';
import { isTemplateKey, renderMessage, type Language, type TemplateParams } from './templates.ts';

export interface PassResult {
  sent: number;
  retrying: number;
  failed: number;
  manual: number;
}

interface FacilityInfo {
  code: string;
  name: string;
  timezone: string;
}

/** Wait before try `attempts + 1`: base, 2·base, 4·base, … up to max. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Sends the outbox, in-process, on every node.
 *
 * What is guaranteed. A message exists iff the change that caused it committed (enqueueMessage
 * runs in that transaction). Each message is claimed, sent and marked sent on its own (never a
 * batch per commit), so a crash leaves at most one message per sender in doubt:
 * - crash before the provider accepted it: the row stays `sending` until its lease ends, then
 *   is sent again: delivered once;
 * - crash after the provider accepted it but before `sent` was committed (the time of one
 *   UPDATE): it is sent again when the lease ends, so the family can get it twice. The copy
 *   carries the same identity, the e-mail Message-ID derived from the idempotency key (mail
 *   systems that de-duplicate by it keep one) and, on WhatsApp, the key in
 *   biz_opaque_callback_data (the Cloud API has no idempotency key, so it is not de-duplicated).
 * No message is lost: at-least-once, with exactly-once except in that window. A lease is longer
 * than twice the send timeout, so a live sender finishes before anyone else may take its row;
 * marking a row done needs the claim token, so a sender that lost its lease cannot overwrite the
 * outcome of the one that took over.
 */
export class OutboxSender {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PassResult> | undefined;
  #stopping = false;

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly config: NotificationsConfig,
    private readonly channels: Map<string, DeliveryChannel>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  start(): void {
    if (this.#timer || this.#stopping) return;
    this.#timer = setInterval(() => void this.#tick(), this.config.sender.intervalMs);
    this.#timer.unref();
    void this.#tick();
  }

  /**
   * Takes no new message, waits up to `waitMs` for the one being sent, then closes the channels.
   * A send still running after that is left to its lease: the row is sent again later.
   */
  async stop(waitMs = 5000): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#running?.catch(() => undefined),
      new Promise((r) => {
        timer = setTimeout(r, waitMs);
      }),
    ]);
    clearTimeout(timer);
    for (const channel of this.channels.values()) channel.close();
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    try {
      await this.runOnce();
    } catch (err) {
      this.logger.error({ err }, 'outbox pass failed');
    }
  }

  /** One pass: up to batchSize due messages, one after the other. `now` fixes the clock (tests). */
  runOnce(now?: Date): Promise<PassResult> {
    const run = this.#pass(() => now ?? this.clock());
    this.#running = run;
    return run.finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
  }

  async #pass(now: () => Date): Promise<PassResult> {
    const result: PassResult = { sent: 0, retrying: 0, failed: 0, manual: 0 };
    await expireDue(this.storage, now());
    const facilities = new Map<string, FacilityInfo | undefined>();
    for (let i = 0; i < this.config.sender.batchSize && !this.#stopping; i++) {
      const row = await claimNext(this.storage, now(), this.config.sender.leaseMs);
      if (!row) break;
      if (!facilities.has(row.facility_id)) {
        facilities.set(row.facility_id, await this.storage.db.selectFrom('facilities').select(['code', 'name', 'timezone']).where('id', '=', row.facility_id).executeTakeFirst());
      }
      result[await this.#deliver(row, facilities.get(row.facility_id)!, now)]++;
    }
    await purgeDone(this.storage, now(), this.config.sender.keepDays);
    return result;
  }

  async #deliver(row: OutboxRow, facility: FacilityInfo, now: () => Date): Promise<keyof PassResult> {
    const channel = channelsFor(this.config, facility.code)
      .map((name) => this.channels.get(name))
      .find((c): c is DeliveryChannel => !!c && !!(c.address === 'email' ? row.to_email : row.to_phone));
    if (!channel || !isTemplateKey(row.template)) {
      await markManual(this.storage, row, !isTemplateKey(row.template) ? `unknown template ${row.template}` : channelsFor(this.config, facility.code).length === 0 ? 'no channel configured for this facility' : 'no address for the configured channels');
      return 'manual';
    }
    let rendered;
    try {
      rendered = renderMessage(row.template, row.language as Language, JSON.parse(row.params) as TemplateParams, facility);
    } catch (err) {
      await markAttemptFailed(this.storage, row, channel.name, `cannot render: ${(err as Error).message}`, null);
      return 'failed';
    }
    let providerId: string;
    try {
      providerId = await channel.send({
        idempotencyKey: row.idempotency_key,
        template: row.template,
        language: row.language as Language,
        to: (channel.address === 'email' ? row.to_email : row.to_phone)!,
        rendered,
      });
    } catch (err) {
      const message = (err as Error).message;
      const permanent = err instanceof PermanentDeliveryError;
      const giveUp = permanent || row.attempts >= this.config.sender.maxAttempts;
      const retryAt = giveUp ? null : new Date(now().getTime() + backoffMs(row.attempts, this.config.sender.backoffBaseMs, this.config.sender.backoffMaxMs));
      await markAttemptFailed(this.storage, row, channel.name, message, retryAt);
      this.logger.warn({ messageId: row.id, template: row.template, channel: channel.name, attempts: row.attempts, err: message, retryAt }, giveUp ? 'message failed for good' : 'message not sent, will retry');
      return giveUp ? 'failed' : 'retrying';
    }
    if (!(await markSent(this.storage, row, channel.name, providerId, now()))) {
      this.logger.warn({ messageId: row.id }, 'message sent after its lease ended; another sender may send it too');
    }
    return 'sent';
  }
}
