import { ConfigError } from '../config/load.ts';
import type { NotificationsConfig } from './config-schema.ts';
import { EmailChannel } from './email-channel.ts';
import type { Language, RenderedMessage, TemplateKey } from './templates.ts';
import { WhatsAppChannel } from './whatsapp-channel.ts';

/** One message as a channel sends it. */
export interface OutgoingMessage {
  idempotencyKey: string;
  template: TemplateKey;
  language: Language;
  /** The channel's kind of address: an e-mail address or a +62… phone number. */
  to: string;
  rendered: RenderedMessage;
}

export interface DeliveryChannel {
  readonly name: string;
  /** Which of a recipient's addresses this channel uses. */
  readonly address: 'email' | 'phone';
  /** Resolves with the provider's id for the message once the provider accepted it. */
  send(message: OutgoingMessage): Promise<string>;
  close(): void;
}

/** The provider refused the message for good (bad address, unknown template): retrying cannot help. */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}

/**
 * Builds the configured channels. Secrets come from the environment variables the config names;
 * a missing one stops the start-up (exit 78) rather than leaving messages unsent.
 */
export function buildChannels(config: NotificationsConfig, env: NodeJS.ProcessEnv = process.env): Map<string, DeliveryChannel> {
  const channels = new Map<string, DeliveryChannel>();
  const secret = (name: string, key: string) => {
    const value = env[name];
    if (!value) throw new ConfigError(`invalid configuration: notifications.channels.${key}: environment variable ${name} is not set`);
    return value;
  };
  for (const [name, channel] of Object.entries(config.channels)) {
    if (channel.kind === 'smtp') {
      const password = channel.passwordEnv ? secret(channel.passwordEnv, `${name}.passwordEnv`) : null;
      channels.set(name, new EmailChannel(name, channel, password, config.sender.sendTimeoutMs));
    } else {
      channels.set(name, new WhatsAppChannel(name, channel, secret(channel.tokenEnv, `${name}.tokenEnv`), config.sender.sendTimeoutMs));
    }
  }
  return channels;
}

/** Channel names for a facility, most preferred first: its own entry, else "*", else none. */
export function channelsFor(config: NotificationsConfig, facilityCode: string): string[] {
  return config.facilities[facilityCode] ?? config.facilities['*'] ?? [];
}
