import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logging/logger.ts';
import { buildChannels } from '../../server/notifications/channels.ts';
import { notificationsSchema, type NotificationsConfig } from '../../server/notifications/config-schema.ts';
import { messageIdFor } from '../../server/notifications/email-channel.ts';
import { notifyOneTimeCode, notifyReminder, notifyVisitCancelled, type VisitRef } from '../../server/notifications/events.ts';
import { enqueueMessage, listForDesk } from '../../server/notifications/outbox-store.ts';
import { OutboxSender } from '../../server/notifications/sender.ts';
import type { Storage } from '../../server/storage/database.ts';
import { withinTransaction } from '../../server/storage/transaction.ts';
import { storageFixture, storageKinds, type StorageFixture } from '../helpers/storages.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';

const FROM = 'Lapas Uji <kunjungan@lapas-uji.example>';
const logger = createLogger('silent');

/** Records WhatsApp Cloud API requests; answers each with the next status of `script` (then 200). */
async function startWhatsAppReceiver() {
  const requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: any }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const script: number[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: JSON.parse(text) });
      const status = script.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200
        ? { messaging_product: 'whatsapp', contacts: [{ input: 'x', wa_id: 'x' }], messages: [{ id: `wamid.TEST${requests.length}` }] }
        : { error: { message: `status ${status} from the test receiver`, code: 131000 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    requests,
    script,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function notificationsConfig(over: { channels?: Record<string, unknown>; facilities?: Record<string, string[]>; sender?: Record<string, number> } = {}): NotificationsConfig {
  return notificationsSchema.parse({
    sender: { intervalMs: 1000, batchSize: 50, maxAttempts: 4, backoffBaseMs: 1000, backoffMaxMs: 60_000, leaseMs: 10_000, sendTimeoutMs: 2000, keepDays: 30, ...over.sender },
    channels: over.channels ?? {},
    facilities: over.facilities ?? {},
  });
}

describe.each(storageKinds)('notification outbox on %s', (kind) => {
  let fixture: StorageFixture;
  let storage: Storage;
  let smtp: SmtpReceiver;
  let wa: Awaited<ReturnType<typeof startWhatsAppReceiver>>;
  const senders: OutboxSender[] = [];

  async function facility(timezone = 'Asia/Jakarta') {
    const code = `LP-${randomUUID().slice(0, 8)}`;
    const row = { id: randomUUID(), code, name: `Lapas ${code}`, kind: 'lapas', timezone, created_at: new Date().toISOString() };
    await storage.db.insertInto('facilities').values(row).execute();
    return row;
  }
  function sender(config: NotificationsConfig) {
    const s = new OutboxSender(storage, logger, config, buildChannels(config, { WA_TOKEN: 'token-rahasia-uji' }));
    senders.push(s);
    return s;
  }
  const rowOf = (key: string) => storage.db.selectFrom('notification_outbox').selectAll().where('idempotency_key', '=', key).executeTakeFirstOrThrow();
  const mailConfig = (code: string) => notificationsConfig({
    channels: { mail: { kind: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, from: FROM } },
    facilities: { [code]: ['mail'] },
  });
  const waConfig = (code: string, sender: Record<string, number> = {}) => notificationsConfig({
    channels: {
      wa: { kind: 'whatsapp', baseUrl: wa.baseUrl, apiVersion: 'v23.0', phoneNumberId: '1234567890', tokenEnv: 'WA_TOKEN' },
      mail: { kind: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, from: FROM },
    },
    facilities: { [code]: ['wa', 'mail'] },
    sender,
  });
  // 1 December 2026, 09:00 in Jakarta (WIB) = 10:00 in Makassar (WITA)
  const visit = (facilityId: string): VisitRef => ({ id: randomUUID(), facilityId, scheduledStart: '2026-12-01T02:00:00.000Z', durationSeconds: 1800 });

  beforeAll(async () => {
    fixture = await storageFixture(kind);
    storage = await fixture.open();
    smtp = await startSmtpReceiver();
    wa = await startWhatsAppReceiver();
  });
  afterEach(async () => {
    for (const s of senders.splice(0)) await s.stop();
  });
  afterAll(async () => {
    await storage?.close();
    await smtp?.close();
    await wa?.close();
    await fixture?.dispose();
  });

  it('writes a message only with the transaction that causes it, and once per idempotency key', async () => {
    const fac = await facility();
    const v = visit(fac.id);
    const recipient = { ref: randomUUID(), name: 'Siti', email: 'siti@example.id' };
    await expect(withinTransaction(storage, async (tx) => {
      await notifyVisitCancelled(tx, v, [recipient], 'Bilik rusak');
      throw new Error('the cancellation failed');
    })).rejects.toThrow('the cancellation failed');
    expect(await storage.db.selectFrom('notification_outbox').select('id').where('facility_id', '=', fac.id).execute()).toHaveLength(0);

    expect(await withinTransaction(storage, (tx) => notifyVisitCancelled(tx, v, [recipient], 'Bilik rusak'))).toBe(1);
    expect(await withinTransaction(storage, (tx) => notifyVisitCancelled(tx, v, [recipient], 'Alasan lain'))).toBe(0);
    const rows = await storage.db.selectFrom('notification_outbox').selectAll().where('facility_id', '=', fac.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ idempotency_key: `visit.cancelled:${v.id}:${recipient.ref}`, status: 'pending', template: 'visitCancelled', language: 'id', to_email: 'siti@example.id' });
    expect(JSON.parse(rows[0]!.params)).toEqual({ time: v.scheduledStart, reason: 'Bilik rusak' });
    // a bad address is a programming error, refused before anything is written
    await expect(enqueueMessage(storage, { key: 'x:bad', facilityId: fac.id, recipient: { ref: 'r', phone: '0812' }, template: 'visitCancelled', params: {} })).rejects.toThrow();
  });

  it('sends e-mail through a real SMTP server: Indonesian text, WIB time, Message-ID from the idempotency key; English and WITA where chosen', async () => {
    const jakarta = await facility('Asia/Jakarta');
    const makassar = await facility('Asia/Makassar');
    const vJ = visit(jakarta.id);
    const vM = visit(makassar.id);
    const siti = { ref: randomUUID(), name: 'Siti', email: `siti-${vJ.id}@example.id` };
    const john = { ref: randomUUID(), name: 'John', email: `john-${vM.id}@example.com`, language: 'en' as const };
    await withinTransaction(storage, async (tx) => {
      await notifyVisitCancelled(tx, vJ, [siti], 'Bilik rusak');
      await notifyVisitCancelled(tx, vM, [john], 'Booth out of order');
    });
    const config = notificationsConfig({
      channels: { mail: { kind: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, from: FROM } },
      facilities: { [jakarta.code]: ['mail'], [makassar.code]: ['mail'] },
    });
    expect(await sender(config).runOnce()).toMatchObject({ sent: 2, retrying: 0, failed: 0 });

    const toSiti = smtp.received.find((m) => m.to.includes(siti.email))!;
    expect(toSiti.messageId).toBe(messageIdFor(`visit.cancelled:${vJ.id}:${siti.ref}`, FROM));
    expect(toSiti.headers.get('subject')).toBe(`Kunjungan Video – ${jakarta.name}`);
    expect(toSiti.text).toContain(`Kunjungan video Anda di ${jakarta.name} pada Selasa, 1 Desember 2026 pukul 09.00 WIB dibatalkan oleh petugas. Alasan: Bilik rusak`);
    expect(toSiti.text).toContain('Mohon tidak membalas pesan ini.');
    const toJohn = smtp.received.find((m) => m.to.includes(john.email))!;
    expect(toJohn.text).toContain(`Your video visit at ${makassar.name} on Tuesday, 1 December 2026 at 10:00 WITA was cancelled by an officer. Reason: Booth out of order`);

    const done = await rowOf(`visit.cancelled:${vJ.id}:${siti.ref}`);
    expect(done).toMatchObject({ status: 'sent', channel: 'mail', attempts: 1, provider_id: toSiti.messageId, to_email: null, to_name: null, params: '{}' });
    // nothing is sent twice by a later pass
    await sender(config).runOnce();
    expect(smtp.received.filter((m) => m.to.includes(siti.email))).toHaveLength(1);
  });

  it('sends a WhatsApp template in the shape the Cloud API documents (first channel the recipient has an address for)', async () => {
    const fac = await facility();
    const v = visit(fac.id);
    const r = { ref: randomUUID(), name: 'Siti', phone: '+6281234567890', email: 'siti@example.id' };
    const otpRecipient = { ref: randomUUID(), phone: '+6281298765432' };
    const requestId = randomUUID();
    await withinTransaction(storage, async (tx) => {
      await notifyVisitCancelled(tx, v, [r], 'Bilik rusak');
      await notifyOneTimeCode(tx, { requestId, facilityId: fac.id, recipient: otpRecipient, code: '482913', expiresAt: new Date(Date.now() + 10 * 60_000) });
    });
    const before = wa.requests.length;
    expect(await sender(waConfig(fac.code)).runOnce()).toMatchObject({ sent: 2 });
    const [cancel, otp] = wa.requests.slice(before);
    expect(cancel!.method).toBe('POST');
    expect(cancel!.url).toBe('/v23.0/1234567890/messages');
    expect(cancel!.headers.authorization).toBe('Bearer token-rahasia-uji');
    expect(cancel!.headers['content-type']).toBe('application/json');
    expect(cancel!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '6281234567890',
      type: 'template',
      template: {
        name: 'visit_cancelled',
        language: { code: 'id' },
        components: [{ type: 'body', parameters: [
          { type: 'text', text: fac.name },
          { type: 'text', text: 'Selasa, 1 Desember 2026 pukul 09.00 WIB' },
          { type: 'text', text: 'Bilik rusak' },
        ] }],
      },
      biz_opaque_callback_data: `visit.cancelled:${v.id}:${r.ref}`,
    });
    expect(otp!.body.template).toEqual({
      name: 'one_time_code',
      language: { code: 'id' },
      components: [
        { type: 'body', parameters: [{ type: 'text', text: '482913' }] },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '482913' }] },
      ],
    });
    const row = await rowOf(`visit.cancelled:${v.id}:${r.ref}`);
    expect(row).toMatchObject({ status: 'sent', channel: 'wa', to_phone: null });
    expect(row.provider_id).toMatch(/^wamid\.TEST\d+$/);
    // the one-time code does not stay in the database once sent
    expect((await rowOf(`otp:${requestId}`)).params).toBe('{}');
  });

  it('retries with exponential backoff when the provider fails (500 twice, then 200)', async () => {
    const fac = await facility();
    const v = visit(fac.id);
    const r = { ref: randomUUID(), phone: '+6281234500001' };
    await withinTransaction(storage, (tx) => notifyVisitCancelled(tx, v, [r], 'Bilik rusak'));
    const key = `visit.cancelled:${v.id}:${r.ref}`;
    const s = sender(waConfig(fac.code, { backoffBaseMs: 1000 }));
    const t0 = new Date(Date.now() + 1000);
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const before = wa.requests.length;
    wa.script.push(500, 500);

    expect(await s.runOnce(t0)).toMatchObject({ retrying: 1, sent: 0 });
    expect(await rowOf(key)).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: at(1000).toISOString() });
    expect((await rowOf(key)).last_error).toContain('whatsapp 500');
    expect(await s.runOnce(at(999))).toMatchObject({ retrying: 0, sent: 0 });
    expect(wa.requests.length - before).toBe(1);

    expect(await s.runOnce(at(1000))).toMatchObject({ retrying: 1 });
    // second wait is twice the first
    expect(await rowOf(key)).toMatchObject({ status: 'pending', attempts: 2, next_attempt_at: at(3000).toISOString() });
    expect(await s.runOnce(at(2999))).toMatchObject({ retrying: 0, sent: 0 });

    expect(await s.runOnce(at(3000))).toMatchObject({ sent: 1 });
    expect(await rowOf(key)).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    expect(wa.requests.length - before).toBe(3);
  });

  it('retries e-mail the SMTP server answered 451 (try later), with the same Message-ID', async () => {
    const fac = await facility();
    const v = visit(fac.id);
    const r = { ref: randomUUID(), email: `retry-${v.id}@example.id` };
    await withinTransaction(storage, (tx) => notifyVisitCancelled(tx, v, [r], 'Bilik rusak'));
    let refusals = 0;
    smtp.decide = (mail) => (mail.to.includes(r.email) && refusals++ === 0 ? 'reject' : 'accept');
    try {
      const s = sender(mailConfig(fac.code));
      const t0 = new Date(Date.now() + 1000);
      expect(await s.runOnce(t0)).toMatchObject({ retrying: 1 });
      const key = `visit.cancelled:${v.id}:${r.ref}`;
      expect((await rowOf(key)).last_error).toMatch(/451/);
      expect(await s.runOnce(new Date(t0.getTime() + 1000))).toMatchObject({ sent: 1 });
      expect(refusals).toBe(2);
      expect(smtp.received.filter((m) => m.to.includes(r.email)).map((m) => m.messageId)).toEqual([messageIdFor(key, FROM)]);
    } finally {
      smtp.decide = () => 'accept';
    }
  });

  it('gives up after maxAttempts, or at once on a permanent refusal, and keeps the message for the desk as failed', async () => {
    const fac = await facility();
    const v = visit(fac.id);
    const flaky = { ref: randomUUID(), name: 'Budi', phone: '+6281234500002' };
    await withinTransaction(storage, (tx) => notifyVisitCancelled(tx, v, [flaky], 'Bilik rusak'));
    const s = sender(waConfig(fac.code, { maxAttempts: 3, backoffBaseMs: 10 }));
    const t0 = new Date(Date.now() + 1000);
    wa.script.push(503, 503, 503);
    for (let i = 0; i < 3; i++) await s.runOnce(new Date(t0.getTime() + i * 1000));
    const key = `visit.cancelled:${v.id}:${flaky.ref}`;
    expect(await rowOf(key)).toMatchObject({ status: 'failed', attempts: 3, to_phone: '+6281234500002' });
    expect(await s.runOnce(new Date(t0.getTime() + 10_000))).toMatchObject({ sent: 0, retrying: 0, failed: 0 });

    const refused = { ref: randomUUID(), phone: '+6281234500003' };
    await withinTransaction(storage, (tx) => notifyVisitCancelled(tx, v, [refused], 'Bilik rusak'));
    wa.script.push(400);
    expect(await s.runOnce(new Date(t0.getTime() + 20_000))).toMatchObject({ failed: 1 });
    expect(await rowOf(`visit.cancelled:${v.id}:${refused.ref}`)).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await listForDesk(storage, fac.id, 'failed', 10)).map((m) => m.idempotency_key).sort()).toEqual([key, `visit.cancelled:${v.id}:${refused.ref}`].sort());
  });

  it('leaves messages for the desk when the facility has no channel, or the recipient no address for it; expired ones are dropped', async () => {
    const fac = await facility();
    const v = visit(fac.id);
    const phoneOnly = { ref: randomUUID(), name: 'Ani', phone: '+6281234500004' };
    const requestId = randomUUID();
    await withinTransaction(storage, async (tx) => {
      await notifyVisitCancelled(tx, v, [phoneOnly], 'Bilik rusak');
      await notifyOneTimeCode(tx, { requestId, facilityId: fac.id, recipient: phoneOnly, code: '111222', expiresAt: new Date(Date.now() + 60_000) });
    });
    // only e-mail configured, the recipient has a phone only
    expect(await sender(mailConfig(fac.code)).runOnce()).toMatchObject({ manual: 2, sent: 0 });
    expect(await rowOf(`visit.cancelled:${v.id}:${phoneOnly.ref}`)).toMatchObject({ status: 'manual', last_error: 'no address for the configured channels' });

    const other = await facility();
    const r = { ref: randomUUID(), email: 'x@example.id' };
    await withinTransaction(storage, (tx) => notifyVisitCancelled(tx, visit(other.id), [r], 'Bilik rusak'));
    expect(await sender(mailConfig(fac.code)).runOnce()).toMatchObject({ manual: 1 });
    expect((await listForDesk(storage, other.id, 'manual', 10))[0]).toMatchObject({ last_error: 'no channel configured for this facility' });

    // the code's ten minutes pass: it is no longer shown or sent, and forgotten
    await sender(mailConfig(fac.code)).runOnce(new Date(Date.now() + 2 * 60_000));
    expect(await rowOf(`otp:${requestId}`)).toMatchObject({ status: 'expired', params: '{}', to_phone: null });
    // a reminder past its visit's start is never sent
    const past = { ...visit(fac.id), scheduledStart: new Date(Date.now() - 60_000).toISOString() };
    await withinTransaction(storage, (tx) => notifyReminder(tx, past, 'soon', [{ ref: randomUUID(), email: 'y@example.id', link: 'https://kv.example/k/1' }]));
    const received = smtp.received.length;
    await sender(mailConfig(fac.code)).runOnce();
    expect(smtp.received.length).toBe(received);
    expect((await storage.db.selectFrom('notification_outbox').select('status').where('idempotency_key', 'like', `visit.reminder.soon:${past.id}:%`).executeTakeFirstOrThrow()).status).toBe('expired');
  });

  it('two senders working the same outbox at once send each message once', async () => {
    const fac = await facility();
    const v = visit(fac.id);
    const recipients = Array.from({ length: 12 }, (_, i) => ({ ref: `r${i}-${randomUUID()}`, email: `keluarga${i}-${v.id}@example.id` }));
    await withinTransaction(storage, (tx) => notifyVisitCancelled(tx, v, recipients, 'Bilik rusak'));
    const second = await fixture.open();
    try {
      const config = mailConfig(fac.code);
      const a = sender(config);
      const b = new OutboxSender(second, logger, config, buildChannels(config, {}));
      const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
      await b.stop();
      expect(ra.sent + rb.sent).toBe(12);
      for (const r of recipients) expect(smtp.received.filter((m) => m.to.includes(r.email))).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
