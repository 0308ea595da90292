// A second process appending to the audit chain (as `npm run demo` does beside the server).
// Env: DATA_DIR, DATABASE_URL (optional), COUNT.
import { appendAudit } from '../../server/audit/audit-log.ts';
import { openStorage } from '../../server/storage/database.ts';

const storage = await openStorage({ databaseUrl: process.env.DATABASE_URL || null, dataDir: process.env.DATA_DIR! });
try {
  for (let i = 0; i < Number(process.env.COUNT); i++) {
    await appendAudit(storage, { actorKind: 'system', actorId: `process-${process.pid}`, action: 'demo.seed', details: { i } });
  }
} finally {
  await storage.close();
}
