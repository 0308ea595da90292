import type { Storage } from '../storage/database.ts';
import type { Recipient } from './outbox-store.ts';

/**
 * How to reach visitors, for messages about their visits: a visitor created by a family
 * registration is reached at its account's phone, e-mail and language (kept current by the
 * account); one registered at the desk at its phone (WhatsApp), in Bahasa Indonesia. A visitor
 * without a phone, or a facility without a channel, gets a message for the desk to pass on by
 * hand (status `manual`): nothing is lost.
 */
export async function visitorRecipients(storage: Storage, visitorIds: string[]): Promise<Recipient[]> {
  if (visitorIds.length === 0) return [];
  const rows = await storage.db
    .selectFrom('visitors')
    .leftJoin('family_accounts', 'family_accounts.id', 'visitors.family_account_id')
    .select(['visitors.id', 'visitors.name', 'visitors.phone', 'family_accounts.phone as account_phone', 'family_accounts.email', 'family_accounts.language'])
    .where('visitors.id', 'in', visitorIds)
    .orderBy('visitors.id')
    .execute();
  return rows.map((v) => ({ ref: v.id, name: v.name, phone: v.account_phone ?? v.phone, email: v.email ?? null, language: v.language ?? 'id' }));
}
