// The outbox sender alone in a process of its own, so a test can SIGKILL it mid-batch.
// Env: DATA_DIR, DATABASE_URL (optional), SMTP_PORT; CRASH_AFTER_SEND: an idempotency key after
// whose acceptance by the SMTP server the process kills itself before marking it sent.
import { createLogger } from '../../server/logging/logger.ts';
import { buildChannels } from '../../server/notifications/channels.ts';
import { notificationsSchema } from '../../server/notifications/config-schema.ts';
import { OutboxSender } from '../../server/notifications/sender.ts';
import { openStorage } from '../../server/storage/database.ts';

const config = notificationsSchema.parse({
  sender: { intervalMs: 50, batchSize: 100, maxAttempts: 5, backoffBaseMs: 100, backoffMaxMs: 1000, leaseMs: 2000, sendTimeoutMs: 1000, keepDays: 30 },
  channels: { mail: { kind: 'smtp', host: '127.0.0.1', port: Number(process.env.SMTP_PORT), secure: false, requireTls: false, from: 'Lapas Uji <kunjungan@lapas-uji.example>' } },
  facilities: { '*': ['mail'] },
});
const storage = await openStorage({ databaseUrl: process.env.DATABASE_URL || null, dataDir: process.env.DATA_DIR! });
const channels = buildChannels(config, {});
const crashAfter = process.env.CRASH_AFTER_SEND;
if (crashAfter) {
  const mail = channels.get('mail')!;
  const send = mail.send.bind(mail);
  mail.send = async (message) => {
    const id = await send(message);
    if (message.idempotencyKey === crashAfter) process.kill(process.pid, 'SIGKILL');
    return id;
  };
}
const sender = new OutboxSender(storage, createLogger('silent'), config, channels);
sender.start();
console.log('sender started');
// The sender's timer is unref'd (in the server the HTTP listener keeps the process up): alone, this
// process would exit once idle, before a crashed sender's lease ran out, and never take that row up again.
const keepAlive = setInterval(() => {}, 60_000);
process.on('SIGTERM', () => void sender.stop().then(() => storage.close()).then(() => {
  clearInterval(keepAlive);
  process.exit(0);
}));
