import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config/load.ts';
import { messageIdFor } from '../../server/notifications/email-channel.ts';
import { notifyVisitCancelled } from '../../server/notifications/events.ts';
import type { Storage } from '../../server/storage/database.ts';
import { withinTransaction } from '../../server/storage/transaction.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { storageFixture, storageKinds, type StorageFixture } from '../helpers/storages.ts';

const FROM = 'Lapas Uji <kunjungan@lapas-uji.example>';
const COUNT = 12;

describe.each(storageKinds)('outbox sender killed mid-batch on %s', (kind) => {
  let fixture: StorageFixture;
  let storage: Storage;
  let smtp: SmtpReceiver;
  const children: ChildProcess[] = [];

  function startSender(extraEnv: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/notifications/sender-process.ts'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...fixture.env, SMTP_PORT: String(smtp.port), ...extraEnv },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }
  const exited = (child: ChildProcess) => new Promise<NodeJS.Signals | number | null>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r(child.signalCode ?? child.exitCode);
    else child.once('exit', (code, signal) => r(signal ?? code));
  });

  /** A batch of COUNT messages (one visit cancelled, COUNT visitors), as a route would write it. */
  async function enqueueBatch(): Promise<string[]> {
    const facility = { id: randomUUID(), code: `LP-${randomUUID().slice(0, 8)}`, name: 'Lapas Uji', kind: 'lapas', timezone: 'Asia/Jakarta', created_at: new Date().toISOString() };
    await storage.db.insertInto('facilities').values(facility).execute();
    const visit = { id: randomUUID(), facilityId: facility.id, scheduledStart: new Date(Date.now() + 86_400_000).toISOString(), durationSeconds: 1800 };
    const recipients = Array.from({ length: COUNT }, (_, i) => ({ ref: `v${String(i).padStart(2, '0')}`, email: `keluarga${i}@example.id` }));
    await withinTransaction(storage, (tx) => notifyVisitCancelled(tx, visit, recipients, 'Bilik rusak'));
    return recipients.map((r) => `visit.cancelled:${visit.id}:${r.ref}`);
  }

  async function statuses(keys: string[]) {
    const rows = await storage.db.selectFrom('notification_outbox').select(['idempotency_key', 'status', 'attempts']).where('idempotency_key', 'in', keys).execute();
    const count: Record<string, number> = {};
    for (const r of rows) count[r.status] = (count[r.status] ?? 0) + 1;
    return { rows, count };
  }

  async function waitAllSent(keys: string[], timeoutMs = 90_000) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if ((await statuses(keys)).count.sent === keys.length) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not all sent: ${JSON.stringify((await statuses(keys)).count)}`);
  }

  /** Deliveries the SMTP server accepted, per idempotency key (through the Message-ID derived from it). */
  function deliveriesPerKey(keys: string[]) {
    const keyOf = new Map(keys.map((k) => [messageIdFor(k, FROM), k]));
    const perKey = Object.fromEntries(keys.map((k) => [k, 0]));
    for (const mail of smtp.received) {
      const key = keyOf.get(mail.messageId);
      if (key) perKey[key]!++;
    }
    return perKey;
  }

  beforeAll(async () => {
    fixture = await storageFixture(kind);
    storage = await fixture.open();
    smtp = await startSmtpReceiver();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await storage?.close();
    await smtp?.close();
    await fixture?.dispose();
  });

  it('kills the sender mid-batch and shows every message delivered exactly once after restart', async () => {
    const keys = await enqueueBatch();
    const killAt = 5;
    let child: ChildProcess | undefined;
    let held: string | undefined;
    // The 5th message reaches the SMTP server, which does not answer it: the sender is killed
    // with the message on the wire, four delivered before it, seven not yet claimed.
    smtp.decide = (mail) => {
      if (!held && smtp.received.length === killAt - 1) {
        held = mail.messageId;
        child!.kill('SIGKILL');
        return 'hold';
      }
      return 'accept';
    };
    child = startSender();
    expect(await exited(child)).toBe('SIGKILL');
    expect(smtp.received).toHaveLength(killAt - 1);
    expect((await statuses(keys)).count).toEqual({ sent: killAt - 1, sending: 1, pending: COUNT - killAt });

    smtp.decide = () => 'accept';
    const restarted = startSender();
    await waitAllSent(keys);
    restarted.kill('SIGTERM');
    await exited(restarted);

    expect(Object.values(deliveriesPerKey(keys))).toEqual(keys.map(() => 1));
    expect(smtp.received.filter((m) => keys.some((k) => messageIdFor(k, FROM) === m.messageId))).toHaveLength(COUNT);
    // the one on the wire was taken up again once its lease ended: claimed twice, delivered once
    const { rows } = await statuses(keys);
    const heldKey = keys.find((k) => messageIdFor(k, FROM) === held)!;
    expect(rows.find((r) => r.idempotency_key === heldKey)!.attempts).toBe(2);
    expect(rows.filter((r) => r.idempotency_key !== heldKey).every((r) => r.attempts === 1)).toBe(true);
  }, 180_000);

  it('a crash after the provider accepted a message but before it was marked sent sends that one again, with the same Message-ID (the documented limit)', async () => {
    smtp.decide = () => 'accept';
    const keys = await enqueueBatch();
    const victim = keys[2]!;
    const child = startSender({ CRASH_AFTER_SEND: victim });
    expect(await exited(child)).toBe('SIGKILL');
    const restarted = startSender();
    await waitAllSent(keys);
    restarted.kill('SIGTERM');
    await exited(restarted);

    const perKey = deliveriesPerKey(keys);
    expect(perKey[victim]).toBe(2);
    expect(keys.filter((k) => k !== victim).map((k) => perKey[k])).toEqual(keys.slice(1).map(() => 1));
    const copies = smtp.received.filter((m) => m.messageId === messageIdFor(victim, FROM));
    expect(copies.map((m) => m.text)).toEqual([copies[0]!.text, copies[0]!.text]);
  }, 180_000);
});
