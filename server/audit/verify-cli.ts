// npm run audit:verify — walks the audit chain of the configured database and exits 1 if it is broken.
import { loadConfig } from '../config/load.ts';
import { openStorage } from '../storage/database.ts';
import { verifyAuditChain } from './audit-log.ts';

const config = loadConfig();
const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  const verdict = await verifyAuditChain(storage);
  if (verdict.ok) {
    console.log(`audit chain OK: ${verdict.entries} entries (${storage.location})`);
  } else {
    console.error(`audit chain BROKEN at entry ${verdict.brokenAtSeq}: ${verdict.problem} (${verdict.entries} entries verified before it; ${storage.location})`);
    process.exitCode = 1;
  }
} finally {
  await storage.close();
}
