import type { Storage } from '../storage/database.ts';
import type { Recipient } from './outbox-store.ts';

/**
 * How to reach visitors, for messages about their visits: the phone registered at the desk
 * (WhatsApp). Visitors keep no e-mail address or language yet (family registration will add
 * them); a visitor without a phone, or a facility without a channel, gets a message for the desk
 * to pass on by hand (status `manual`): nothing is lost.
 */
export async function visitorRecipients(storage: Storage, visitorIds: string[]): Promise<Recipient[]> {
  if (visitorIds.length === 0) return [];
  const rows = await storage.db.selectFrom('visitors').select(['id', 'name', 'phone']).where('id', 'in', visitorIds).orderBy('id').execute();
  return rows.map((v) => ({ ref: v.id, name: v.name, phone: v.phone, email: null, language: 'id' }));
}
