import { describe, expect, it } from 'vitest';
import { parseFacilityCommand, UsageError } from '../../server/facilities/facility-cli-args.ts';

const VALID = ['--code', 'LP-CIPINANG', '--name', 'Lapas Kelas I Cipinang', '--kind', 'lapas', '--timezone', 'Asia/Jakarta', '--admin', 'admin.cipinang'];

function withFlag(flag: string, value: string | null): string[] {
  const args = [...VALID];
  const i = args.indexOf(flag);
  if (value === null) args.splice(i, 2);
  else args[i + 1] = value;
  return args;
}

function problem(args: string[]): string {
  try {
    parseFacilityCommand(args);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  return 'accepted';
}

describe('npm run facility arguments', () => {
  it('reads create with every flag, normalising the code to capitals and the username to lower case', () => {
    expect(parseFacilityCommand(['create', ...withFlag('--code', ' lpka-jkt1 '), '--admin-name', 'Admin LPKA', '--json'])).toEqual({
      command: 'create',
      facility: { code: 'LPKA-JKT1', name: 'Lapas Kelas I Cipinang', kind: 'lapas', timezone: 'Asia/Jakarta' },
      admin: { username: 'admin.cipinang', displayName: 'Admin LPKA' },
      json: true,
    });
    expect(parseFacilityCommand(['create', ...withFlag('--admin', 'Admin_Rutan')])).toMatchObject({ admin: { username: 'admin_rutan', displayName: 'admin_rutan' }, json: false });
    expect(parseFacilityCommand(['list'])).toEqual({ command: 'list', json: false });
    expect(parseFacilityCommand(['list', '--json'])).toEqual({ command: 'list', json: true });
    for (const kind of ['lapas', 'rutan', 'lpka', 'lpp']) expect(parseFacilityCommand(['create', ...withFlag('--kind', kind)])).toMatchObject({ facility: { kind } });
    for (const tz of ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura']) expect(parseFacilityCommand(['create', ...withFlag('--timezone', tz)])).toMatchObject({ facility: { timezone: tz } });
  });

  it.each([
    ['--code', '1LAPAS', '--code: 2–20 characters'],
    ['--code', 'LP_X', '--code: 2–20 characters'],
    ['--code', 'LP-', '--code: 2–20 characters'],
    ['--code', 'L', '--code: 2–20 characters'],
    ['--code', 'X'.repeat(21), '--code: 2–20 characters'],
    ['--code', null, '--code is required'],
    ['--name', '  ', '--name: at least 3 characters'],
    ['--name', 'x'.repeat(121), '--name: '],
    ['--kind', 'penjara', '--kind: '],
    ['--kind', 'LAPAS', '--kind: '],
    ['--kind', null, '--kind is required'],
    ['--timezone', 'Europe/Berlin', '--timezone: '],
    ['--timezone', 'Asia/Singapore', '--timezone: '],
    ['--timezone', null, '--timezone is required'],
    ['--admin', 'ab', '--admin: 3–64 characters'],
    ['--admin', 'admin cipinang', '--admin: 3–64 characters'],
    ['--admin', '.admin', '--admin: 3–64 characters'],
    ['--admin', null, '--admin is required'],
  ])('refuses %s %s, naming the flag', (flag, value, message) => {
    expect(problem(['create', ...withFlag(flag, value)])).toContain(message);
  });

  it('names every problem at once', () => {
    expect(problem(['create', '--code', 'x', '--kind', 'penjara']).split('\n')).toEqual([
      expect.stringContaining('--code: '),
      '--name is required',
      expect.stringContaining('--kind: '),
      '--timezone is required',
      '--admin is required',
    ]);
  });

  it('refuses unknown commands, flags and stray arguments', () => {
    expect(problem([])).toBe('no command given');
    expect(problem(['remove'])).toBe('unknown command remove');
    expect(problem(['create', ...VALID, '--role', 'admin'])).toContain("Unknown option '--role'");
    expect(problem(['create', ...VALID, 'extra'])).toContain('extra');
    expect(problem(['list', '--code', 'X'])).toContain("Unknown option '--code'");
    expect(problem(['create', ...VALID, '--json=yes'])).not.toBe('accepted');
  });
});
