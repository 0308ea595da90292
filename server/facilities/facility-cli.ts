// npm run facility -- create|list: a real facility and its first admin, in the database the server
// uses (same configuration as npm start). With --json, stdout carries exactly one JSON object.
import { ConfigError, loadConfig } from '../config/load.ts';
import { openStorage, type Storage } from '../storage/database.ts';
import { officerUrl } from '../visits/links.ts';
import { parseFacilityCommand, USAGE, UsageError, type FacilityCommand } from './facility-cli-args.ts';
import { createFacilityWithAdmin, TakenError } from './facility-setup.ts';
import { facilityViewOf, listFacilities } from './facility-store.ts';

const out = (text: string): void => {
  process.stdout.write(text + '\n');
};

async function create(storage: Storage, cmd: Extract<FacilityCommand, { command: 'create' }>, officerUrl: string): Promise<number> {
  let created;
  try {
    created = await createFacilityWithAdmin(storage, cmd.facility, cmd.admin, 'facility-cli');
  } catch (err) {
    if (!(err instanceof TakenError)) throw err;
    console.error(`facility not created: ${err.message}`);
    return 1;
  }
  const { facility, officer, password } = created;
  if (cmd.json) {
    out(JSON.stringify({ facilityId: facility.id, adminUsername: officer.username, adminPassword: password }));
    return 0;
  }
  out(
    [
      `Created ${facility.kind} ${facility.code} (${facility.name}, ${facility.timezone}), id ${facility.id}.`,
      `First admin: ${officer.username}`,
      `Password:    ${password}`,
      'The password is shown only now; it must be changed at the first sign-in.',
      `Sign in at ${officerUrl}`,
    ].join('\n'),
  );
  return 0;
}

async function list(storage: Storage, json: boolean): Promise<void> {
  const facilities = (await listFacilities(storage)).map(facilityViewOf);
  if (json) {
    out(JSON.stringify({ facilities }));
    return;
  }
  if (facilities.length === 0) out('No facilities yet: npm run facility -- create …');
  for (const f of facilities) out(`${f.code.padEnd(20)} ${f.kind.padEnd(5)} ${f.timezone.padEnd(13)} ${f.id}  ${f.name}`);
}

async function main(argv: string[]): Promise<number> {
  let cmd;
  let config;
  try {
    cmd = parseFacilityCommand(argv);
    config = loadConfig();
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      return 64; // EX_USAGE
    }
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    auditKey: config.auditKey,
    onAuditAnchorError: (err) => console.error(`facility: audit anchor not moved: ${err.message}`),
  });
  try {
    if (cmd.command === 'list') {
      await list(storage, cmd.json);
      return 0;
    }
    const base = config.http.publicUrl?.replace(/\/$/, '') ?? `${config.http.tlsCert ? 'https' : 'http'}://localhost:${config.http.port}`;
    return await create(storage, cmd, officerUrl(base));
  } finally {
    await storage.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`facility failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
