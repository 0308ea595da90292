import type { NotificationChannelConfig } from './config-schema.ts';
import { PermanentDeliveryError, type DeliveryChannel, type OutgoingMessage } from './channels.ts';

type WhatsAppConfig = Extract<NotificationChannelConfig, { kind: 'whatsapp' }>;

/** Template name registered at Meta: configured, else the key in snake_case (visitCancelled → visit_cancelled). */
export function whatsappTemplateName(config: WhatsAppConfig, template: string): string {
  return config.templateNames[template] ?? template.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The Cloud API request body of one template message. */
export function whatsappRequestBody(config: WhatsAppConfig, message: OutgoingMessage): Record<string, unknown> {
  const text = (value: string) => ({ type: 'text', text: value });
  const components: Array<Record<string, unknown>> = [{ type: 'body', parameters: message.rendered.whatsappParams.map(text) }];
  // Authentication templates carry the code a second time, in their copy-code button.
  if (message.template === 'oneTimeCode') components.push({ type: 'button', sub_type: 'url', index: '0', parameters: [text(message.rendered.whatsappParams[0]!)] });
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: message.to.replace(/^\+/, ''),
    type: 'template',
    template: { name: whatsappTemplateName(config, message.template), language: { code: config.languageCodes[message.language] }, components },
    // The Cloud API has no idempotency key; this string comes back in its status webhooks, so a
    // copy sent again after a crash can at least be recognised.
    biz_opaque_callback_data: message.idempotencyKey,
  };
}

/** WhatsApp Business Cloud API over HTTPS: POST {baseUrl}/{apiVersion}/{phoneNumberId}/messages. */
export class WhatsAppChannel implements DeliveryChannel {
  readonly address = 'phone' as const;

  constructor(
    readonly name: string,
    private readonly config: WhatsAppConfig,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  async send(message: OutgoingMessage): Promise<string> {
    const url = `${this.config.baseUrl.replace(/\/$/, '')}/${this.config.apiVersion}/${this.config.phoneNumberId}/messages`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(whatsappRequestBody(this.config, message)),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 300);
      try {
        detail = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? detail;
      } catch { /* not JSON */ }
      const error = `whatsapp ${res.status}: ${detail}`;
      // 4xx other than timeout / rate limit: this request will never be accepted as it is.
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentDeliveryError(error);
      throw new Error(error);
    }
    // Accepted: an unreadable answer must not make us send it again.
    try {
      return (JSON.parse(text) as { messages?: Array<{ id?: string }> }).messages?.[0]?.id ?? 'accepted-without-id';
    } catch {
      return 'accepted-without-id';
    }
  }

  close(): void {}
}
