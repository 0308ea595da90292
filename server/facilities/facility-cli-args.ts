import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { officerUsername } from '../officers/schemas.ts';
import { FACILITY_KINDS, FACILITY_TIMEZONES, newFacilityBody, type NewFacility } from './facility-schemas.ts';

export const USAGE = [
  'usage:',
  `  npm run facility -- create --code <CODE> --name "<name>" --kind ${FACILITY_KINDS.join('|')} --timezone ${FACILITY_TIMEZONES.join('|')} --admin <username> [--admin-name "<display name>"] [--json]`,
  '  npm run facility -- list [--json]',
].join('\n');

export type FacilityCommand =
  | { command: 'create'; facility: NewFacility; admin: { username: string; displayName: string }; json: boolean }
  | { command: 'list'; json: boolean };

/** Bad arguments: every problem, one per line, naming the flag. */
export class UsageError extends Error {}

const createFlags = z.object({
  ...newFacilityBody.shape,
  admin: officerUsername,
  'admin-name': z.string().trim().min(1).max(120).optional(),
});

export function parseFacilityCommand(argv: string[]): FacilityCommand {
  const [command, ...rest] = argv;
  if (command !== 'create' && command !== 'list') throw new UsageError(command ? `unknown command ${command}` : 'no command given');
  const options: NonNullable<ParseArgsConfig['options']> = { json: { type: 'boolean' } };
  if (command === 'create') for (const flag of ['code', 'name', 'kind', 'timezone', 'admin', 'admin-name']) options[flag] = { type: 'string' };
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: rest, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const json = values.json === true;
  if (command === 'list') return { command, json };
  const parsed = createFlags.safeParse(values);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const flag = String(i.path[0] ?? '');
      return values[flag] === undefined ? `--${flag} is required` : `--${flag}: ${i.message}`;
    });
    throw new UsageError([...new Set(lines)].join('\n'));
  }
  const { admin, 'admin-name': adminName, ...facility } = parsed.data;
  return { command, facility, admin: { username: admin, displayName: adminName ?? admin }, json };
}
