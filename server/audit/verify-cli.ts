// npm run audit:verify: walks the audit chain of the configured database, checks it against the
// anchor kept outside the database, and exits 1 if anything is wrong. It never moves the anchor.
import { ConfigError, loadConfig } from '../config/load.ts';
import { openStorage } from '../storage/database.ts';
import { verifyAuditChain, type ChainReport } from './audit-log.ts';

function describe(r: ChainReport): string {
  const parts = [`${r.entries} entries`];
  if (r.unkeyed > 0) parts.push(`entries 1-${r.unkeyed} unkeyed (written before the chain was keyed; only the plain hash chain and the anchor protect them)`);
  if (r.anchor) {
    const after = r.entries - r.anchor.seq;
    parts.push(`anchored at entry ${r.anchor.seq} (${r.anchor.at})${after > 0 ? `, ${after} newer entries not yet anchored` : ''}`);
  }
  parts.push(`anchor file ${r.anchorFile}`);
  return parts.join('; ');
}

let storage;
try {
  const config = loadConfig();
  storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, auditKey: config.auditKey, anchorAudit: false });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(78); // EX_CONFIG
}
try {
  const verdict = await verifyAuditChain(storage);
  if (verdict.ok) {
    console.log(`audit chain OK: ${describe(verdict)} (${storage.location})`);
  } else {
    const where = verdict.brokenAtSeq > 0 ? ` at entry ${verdict.brokenAtSeq}` : '';
    console.error(`audit chain BROKEN${where}: ${verdict.problem} (${describe(verdict)}; ${storage.location})`);
    process.exitCode = 1;
  }
} finally {
  await storage.close();
}
