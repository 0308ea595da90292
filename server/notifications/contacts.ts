import type { Storage } from '../storage/database.ts';
import type { Recipient } from './outbox-store.ts';

/**
 * How to reach visitors, for messages about their visits. The visitors table keeps no phone
 * number or e-mail address yet, so every message is for the desk to pass on by hand (status
 * `manual`): nothing is lost. Once visitors carry a phone / e-mail / language (family
 * registration), read them here and the configured channels take over.
 */
export async function visitorRecipients(storage: Storage, visitorIds: string[]): Promise<Recipient[]> {
  if (visitorIds.length === 0) return [];
  const rows = await storage.db.selectFrom('visitors').select(['id', 'name']).where('id', 'in', visitorIds).orderBy('id').execute();
  return rows.map((v) => ({ ref: v.id, name: v.name, phone: null, email: null, language: 'id' }));
}
