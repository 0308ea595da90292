// npm run audit:verify: walks the audit chain of the configured database, checks it against the
// anchor kept outside the database, and exits 1 if anything is wrong. It opens the database
// read-only and writes nothing (no migration, no file, no key), exit 78 without an audit key,
// 66 without a readable database. `-- --reanchor <reason>` is the one writing step, see reanchorAuditChain.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.ts';
import { MissingDatabaseError, openStorage, type Storage } from '../storage/database.ts';
import { reanchorAuditChain, verifyAuditChain, type ChainReport } from './audit-log.ts';

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

async function open(readOnly: boolean): Promise<Storage> {
  try {
    const config = loadConfig();
    return await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, auditKey: config.auditKey, anchorAudit: false, readOnly });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    if (err instanceof MissingDatabaseError) {
      console.error(`audit:verify: ${err.message}`);
      process.exit(66); // EX_NOINPUT
    }
    throw err;
  }
}

async function verify(): Promise<boolean> {
  const storage = await open(true);
  try {
    const verdict = await verifyAuditChain(storage).catch((err: Error) => {
      console.error(`audit:verify: cannot read the audit log of ${storage.location}: ${err.message}`);
      process.exit(66); // EX_NOINPUT: unreachable, or not this application's database
    });
    if (verdict.ok) {
      console.log(`audit chain OK: ${describe(verdict)} (${storage.location})`);
      return true;
    }
    const where = verdict.brokenAtSeq > 0 ? ` at entry ${verdict.brokenAtSeq}` : '';
    console.error(`audit chain BROKEN${where}: ${verdict.problem} (${describe(verdict)}; ${storage.location})`);
    return false;
  } finally {
    await storage.close();
  }
}

async function reanchor(reason: string): Promise<boolean> {
  const storage = await open(false);
  try {
    const anchor = await reanchorAuditChain(storage, reason);
    console.log(`audit chain re-anchored at entry ${anchor.seq} (audit.reanchored: ${reason})`);
    return true;
  } catch (err) {
    console.error(`audit:verify: ${(err as Error).message}`);
    return false;
  } finally {
    await storage.close();
  }
}

const { values } = parseArgs({ options: { reanchor: { type: 'string' } } });
const reason = values.reanchor?.trim();
if (reason === '') {
  console.error('audit:verify: --reanchor needs a reason, e.g. --reanchor "anchor file lost with the old disk, chain checked"');
  process.exit(64); // EX_USAGE
}
// a re-anchoring is only attempted after this run's own verification failed
const ok = (await verify()) || (reason !== undefined && (await reanchor(reason)) && (await verify()));
if (!ok) process.exitCode = 1;
