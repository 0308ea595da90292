import type { AuditRowFields } from '../../server/audit/audit-chain.ts';
import { GENESIS_HASH } from '../../server/audit/audit-log.ts';
import type { Storage } from '../../server/storage/database.ts';

/** Rewrites every row in order with `seal` over the row and its new predecessor, as someone with database access would. */
export async function rewriteChain(storage: Storage, seal: (row: AuditRowFields) => string, edit: (row: AuditRowFields) => AuditRowFields = (r) => r): Promise<void> {
  const rows = await storage.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
  let prev = GENESIS_HASH;
  for (const r of rows) {
    const { hash: _old, ...fields } = { ...r, seq: Number(r.seq) };
    const row = edit({ ...fields, prev_hash: prev });
    const hash = seal(row);
    await storage.db.updateTable('audit_log').set({ ...row, hash }).where('seq', '=', row.seq).execute();
    prev = hash;
  }
}
