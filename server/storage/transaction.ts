import type { Storage } from './database.ts';

/**
 * Runs `work` in a transaction, handing it a Storage whose queries run inside it, so store
 * functions written against a Storage can join a caller's transaction. Already inside one,
 * it joins that one (Kysely does not nest transactions).
 */
export async function withinTransaction<T>(storage: Storage, work: (tx: Storage) => Promise<T>): Promise<T> {
  if (storage.db.isTransaction) return work(storage);
  return storage.db.transaction().execute((trx) =>
    work({
      db: trx,
      kind: storage.kind,
      location: storage.location,
      ping: () => storage.ping(),
      close: () => Promise.reject(new Error('a transaction is closed by committing it, not by close()')),
    }),
  );
}
