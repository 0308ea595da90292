import { describe, expect, it } from 'vitest';
import { familyMayJoin } from '../../server/calls/call-rules.ts';
import { parseInmateCsv } from '../../server/visits/inmate-register.ts';
import { nikIssue } from '../../server/visits/nik.ts';
import { normaliseMobile } from '../../server/visits/phone.ts';
import type { VisitWithParties } from '../../server/visits/visit-store.ts';

describe('NIK problem codes', () => {
  it.each([
    ['317101150590000', 'length'],
    ['31710115059000011', 'length'],
    ['', 'length'],
    ['3171O11505900001', 'digits'],
    ['3171 011505900001', 'digits'],
    ['1071011505900001', 'province'],
    ['9571011505900001', 'province'],
    ['3100011505900001', 'regency'],
    ['3171001505900001', 'district'],
    ['3171011513900001', 'birth_month'],
    ['3171011500900001', 'birth_month'],
    ['3171013205900001', 'birth_day'],
    ['3171013102900001', 'birth_day'],
    ['3171011505900000', 'serial'],
  ])('%s → %s, with English text', (nik, code) => {
    const issue = nikIssue(nik);
    expect(issue?.code).toBe(code);
    expect(issue?.message).toMatch(/[a-z]{4,}/);
  });

  it('accepts a plausible NIK', () => {
    expect(nikIssue('3171015505900001')).toBeNull();
  });
});

describe('Indonesian mobile numbers', () => {
  it.each([
    ['081234567890', '+6281234567890'],
    ['0812-3456-7890', '+6281234567890'],
    ['+62 812 3456 7890', '+6281234567890'],
    ['6281234567890', '+6281234567890'],
    ['(0812) 345.678', '+62812345678'],
  ])('%s → %s', (input, phone) => {
    expect(normaliseMobile(input)).toEqual({ ok: true, phone });
  });

  it.each([
    ['0212345678', 'after 0 or +62 it must continue with 8'],
    ['+6221234567', 'after 0 or +62 it must continue with 8'],
    ['+6581234567', 'starting with 08, +628 or 628'],
    ['81234567890', 'starting with 08, +628 or 628'],
    ['0812345', 'too short'],
    ['08123456789012', 'too long'],
    ['0812-3456-789a', 'only digits'],
  ])('refuses %s and says why (%s)', (input, why) => {
    const result = normaliseMobile(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(why);
  });
});

describe('inmate register CSV', () => {
  it('reads columns in any order and spelling, with ; from Indonesian spreadsheets', () => {
    const result = parseInmateCsv('\uFEFFBlock;Name;Registration Number\nA;Budi;BI.1/2024\n\nB;Sari;BI.2/2024\n');
    expect(result).toEqual({ ok: true, rows: [
      { registrationNumber: 'BI.1/2024', name: 'Budi', block: 'A' },
      { registrationNumber: 'BI.2/2024', name: 'Sari', block: 'B' },
    ] });
  });

  it('names every bad line and column; one bad row fails the file', () => {
    const result = parseInmateCsv(['registrationNumber,name,block', 'BI.1/2024,Budi,A', 'BI.2/2024,,B', 'bi.1/2024,Budi Lain,C', 'BI.3/2024,Joko,'].join('\n'));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      { line: 3, column: 'name', message: expect.any(String) },
      { line: 4, column: 'registrationNumber', message: 'same registration number as line 2' },
      { line: 5, column: 'block', message: expect.any(String) },
    ]);
  });

  it('refuses a file without a needed column, without rows, or not CSV', () => {
    expect(parseInmateCsv('registrationNumber,name\nBI.1,Budi\n')).toEqual({ ok: false, problems: [{ line: 1, column: null, message: 'missing columns: block' }] });
    expect(parseInmateCsv('registrationNumber,name,block\n')).toEqual({ ok: false, problems: [{ line: null, column: null, message: 'no data rows' }] });
    const broken = parseInmateCsv('registrationNumber,name,block\nBI.1,"Budi,A\n');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.problems[0]!.message).toContain('not valid CSV');
  });
});

describe('join rule for a banned visitor', () => {
  const now = new Date('2026-01-10T03:00:00Z');
  const visit = {
    visit: { id: 'v', status: 'scheduled', scheduled_start: now.toISOString(), duration_seconds: 1800, privileged: 0, privileged_approval: null },
    visitors: [{ id: 'a', name: 'A', relationship: 'anak', advocateCredential: null }],
  } as unknown as VisitWithParties;

  it('refuses a banned visitor of the visit, and only then', () => {
    expect(familyMayJoin(visit, 'a', now, true)).toEqual({ ok: false, code: 'visitor_banned' });
    expect(familyMayJoin(visit, 'a', now, false)).toEqual({ ok: true });
    expect(familyMayJoin(visit, 'b', now, true)).toEqual({ ok: false, code: 'not_a_visitor' });
  });
});
