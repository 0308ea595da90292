import { AUDIT_KEY_SPEC } from '../audit/audit-chain.ts';
import { resolveJwtSecret } from '../auth/jwt-secret.ts';
import { resolveKeptSecret } from '../auth/kept-secret.ts';
import { TokenService } from '../auth/tokens.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import { pino } from 'pino';
import { openStorage } from '../storage/database.ts';
import { protectClearNiks } from '../visits/nik-at-rest.ts';
import { NikVault, resolveNikSecret } from '../visits/nik-vault.ts';
import { DEMO, seedDemo } from './demo-data.ts';

/**
 * `npm run demo [-- --json]`: seeds the demo data into the store the server uses (same
 * config, same signing secret, so the links work against a running server) and prints the
 * links. With --json, stdout carries exactly one JSON object; progress goes to stderr.
 */
async function main(args: string[]): Promise<number> {
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown[0]}; usage: npm run demo [-- --json]`);
    return 64; // EX_USAGE
  }
  const json = args.includes('--json');

  let config;
  let secret;
  let nikVault;
  let auditKey;
  try {
    config = loadConfig();
    secret = resolveJwtSecret(config.jwtSecret, config.dataDir);
    nikVault = new NikVault(resolveNikSecret(config.nikKey, config.dataDir));
    auditKey = resolveKeptSecret(AUDIT_KEY_SPEC, config.auditKey, config.dataDir);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  const baseUrl = config.http.publicUrl?.replace(/\/$/, '') ?? `${config.http.tlsCert ? 'https' : 'http'}://localhost:${config.http.port}`;
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    auditKey,
    onAuditAnchorError: (err) => console.error(`demo: audit anchor not moved: ${err.message}`),
  });
  let links;
  try {
    // Same start-up step as the server: a store from before NIK protection is converted first.
    await protectClearNiks(storage, nikVault, pino({ level: config.logLevel }, pino.destination(2))); // stdout carries the links only
    links = await seedDemo(storage, new TokenService(secret), nikVault, baseUrl, (line) => console.error(`demo: ${line}`));
  } finally {
    await storage.close();
  }

  if (json) {
    process.stdout.write(JSON.stringify(links) + '\n');
  } else {
    process.stdout.write(
      [
        '',
        `Kunjungan Video demo — ${DEMO.facilityName}: a ${DEMO.visitMinutes}-minute visit starting now. Start the server with npm start, then open:`,
        '',
        `  Family (keluarga):    ${links.familyUrl}`,
        `  Booth (bilik WBP):    ${links.boothUrl}`,
        `  Officer (petugas):    ${links.officerUrl}`,
        `    username: ${links.officerUsername}`,
        `    password: ${links.officerPassword}`,
        '',
        `  Visit id: ${links.visitId}`,
        '',
      ].join('\n'),
    );
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
