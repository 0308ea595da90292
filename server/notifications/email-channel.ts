import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { NotificationChannelConfig } from './config-schema.ts';
import { PermanentDeliveryError, type DeliveryChannel, type OutgoingMessage } from './channels.ts';

type SmtpConfig = Extract<NotificationChannelConfig, { kind: 'smtp' }>;

/**
 * The Message-ID of a message is derived from its idempotency key, so a copy sent again after a
 * crash (see sender.ts) carries the same id and mail systems that de-duplicate by it keep one.
 */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'kunjungan-video.invalid';
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

/** E-mail over SMTP (nodemailer), one connection per message. */
export class EmailChannel implements DeliveryChannel {
  readonly address = 'email' as const;
  readonly #transport: Transporter;

  constructor(
    readonly name: string,
    private readonly config: SmtpConfig,
    password: string | null,
    timeoutMs: number,
  ) {
    this.#transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: !config.secure && config.requireTls,
      auth: config.user ? { user: config.user, pass: password ?? '' } : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async send(message: OutgoingMessage): Promise<string> {
    const messageId = messageIdFor(message.idempotencyKey, this.config.from);
    try {
      await this.#transport.sendMail({
        from: this.config.from,
        to: message.to,
        subject: message.rendered.subject,
        text: message.rendered.text,
        messageId,
        headers: { 'Content-Language': message.language },
      });
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      // 5xx: the server refused this message for good (unknown mailbox, policy); 4xx and network errors pass.
      if (typeof code === 'number' && code >= 500) throw new PermanentDeliveryError(`smtp ${code}: ${(err as Error).message}`);
      throw err;
    }
    return messageId;
  }

  close(): void {
    this.#transport.close();
  }
}
