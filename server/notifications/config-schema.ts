import { z } from 'zod';

const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must name an environment variable, e.g. SMTP_PASSWORD');
const channelName = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be a lower-case name like email-kanwil');

/** E-mail over SMTP. The password is never in a file: passwordEnv names the environment variable holding it. */
const smtpChannel = z.strictObject({
  kind: z.literal('smtp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** true: TLS from the first byte (port 465); false: plain connection upgraded with STARTTLS. */
  secure: z.boolean(),
  /** Refuse to send when the server offers no STARTTLS (ignored when secure). */
  requireTls: z.boolean().default(true),
  user: z.string().min(1).nullable().default(null),
  passwordEnv: envName.nullable().default(null),
  /** From header, e.g. "Lapas Cipinang <kunjungan@lapascipinang.go.id>". */
  from: z.string().min(3),
});

/** WhatsApp Business Cloud API: approved templates sent to POST {baseUrl}/{apiVersion}/{phoneNumberId}/messages. */
const whatsappChannel = z.strictObject({
  kind: z.literal('whatsapp'),
  baseUrl: z.url().default('https://graph.facebook.com'),
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'must look like v23.0'),
  phoneNumberId: z.string().regex(/^\d{5,20}$/, 'must be the numeric phone number id'),
  /** Environment variable holding the access token (sent as a bearer token). */
  tokenEnv: envName,
  /** Template key → name of the approved template, where it differs from the default (the key in snake_case). */
  templateNames: z.record(z.string(), z.string().regex(/^[a-z0-9_]{1,512}$/)).default({}),
  /** Our language → the template language code registered at Meta. */
  languageCodes: z.strictObject({ id: z.string().min(2), en: z.string().min(2) }).default({ id: 'id', en: 'en' }),
});

export const notificationChannelSchema = z.discriminatedUnion('kind', [smtpChannel, whatsappChannel]);

export const notificationsSchema = z
  .strictObject({
    sender: z.strictObject({
      /** Pause between passes over the outbox. */
      intervalMs: z.number().int().min(50).max(600_000),
      /** Most messages one pass sends (one at a time, each claimed and committed on its own). */
      batchSize: z.number().int().min(1).max(1000),
      /** Tries before a message becomes `failed` (shown to officers). */
      maxAttempts: z.number().int().min(1).max(50),
      /** Wait after the first failure; doubled after each further one, up to backoffMaxMs. */
      backoffBaseMs: z.number().int().min(10).max(86_400_000),
      backoffMaxMs: z.number().int().min(10).max(7 * 86_400_000),
      /** A claimed message not finished within this is taken up again (its sender died). */
      leaseMs: z.number().int().min(1000).max(86_400_000),
      /** Longest wait for a provider's answer. */
      sendTimeoutMs: z.number().int().min(100).max(300_000),
      /** Sent, handled and expired messages are deleted after this many days. */
      keepDays: z.number().int().min(1).max(3650),
    }),
    /** Named channels; facilities refer to them by name. */
    channels: z.record(channelName, notificationChannelSchema),
    /** Facility code (or "*" for every facility not listed) → channel names, most preferred first. None: officers send by hand. */
    facilities: z.record(z.string().min(1), z.array(channelName).max(4)),
  })
  .superRefine((n, ctx) => {
    if (n.sender.leaseMs < 2 * n.sender.sendTimeoutMs) {
      ctx.addIssue({ code: 'custom', path: ['sender', 'leaseMs'], message: 'must be at least twice sender.sendTimeoutMs (a live sender must finish before its lease ends)' });
    }
    if (n.sender.backoffMaxMs < n.sender.backoffBaseMs) {
      ctx.addIssue({ code: 'custom', path: ['sender', 'backoffMaxMs'], message: 'must be >= sender.backoffBaseMs' });
    }
    for (const [facility, names] of Object.entries(n.facilities)) {
      names.forEach((name, i) => {
        if (!n.channels[name]) ctx.addIssue({ code: 'custom', path: ['facilities', facility, i], message: `no channel named ${name} in notifications.channels` });
      });
    }
  });

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
export type NotificationChannelConfig = z.infer<typeof notificationChannelSchema>;
