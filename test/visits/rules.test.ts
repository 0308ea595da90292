import { describe, expect, it } from 'vitest';
import { localDayRange, localToday } from '../../server/facilities/local-day.ts';
import { nikProblem } from '../../server/visits/nik.ts';

describe('NIK plausibility', () => {
  it('accepts plausible numbers, including women (day + 40) and 29 February', () => {
    expect(nikProblem('3171011505900001')).toBeNull();
    expect(nikProblem('3171015505900001')).toBeNull(); // woman born 15 May 1990
    expect(nikProblem('1101012902000001')).toBeNull(); // 29 Feb 2000
    expect(nikProblem('9471016902040123')).toBeNull(); // Papua, woman, 29 Feb 2004
  });

  it.each([
    ['317101150590000', 'must be exactly 16 digits'],
    ['31710115059000011', 'must be exactly 16 digits'],
    ['3171O11505900001', 'must be exactly 16 digits'],
    ['1071011505900001', 'province'],
    ['9571011505900001', 'province'],
    ['3100011505900001', 'regency'],
    ['3171001505900001', 'district'],
    ['3171013205900001', 'birth day'],
    ['3171010005900001', 'birth day'],
    ['3171014005900001', 'birth day'],
    ['3171017205900001', 'birth day'],
    ['3171013102900001', 'birth day'], // 31 February
    ['3171012902010001', 'birth day'], // 29 Feb 1901 / 2001: neither a leap year
    ['3171011513900001', 'birth month'],
    ['3171011500900001', 'birth month'],
    ['3171011505900000', 'serial'],
  ])('refuses %s (%s)', (nik, problem) => {
    expect(nikProblem(nik)).toContain(problem);
  });
});

describe('facility-local days', () => {
  it('maps a calendar day in the facility zone to UTC bounds', () => {
    expect(localDayRange('2025-08-17', 'Asia/Jakarta')).toEqual({ from: new Date('2025-08-16T17:00:00Z'), to: new Date('2025-08-17T17:00:00Z') });
    expect(localDayRange('2025-08-17', 'Asia/Jayapura')).toEqual({ from: new Date('2025-08-16T15:00:00Z'), to: new Date('2025-08-17T15:00:00Z') });
    expect(localDayRange('2025-12-31', 'Asia/Makassar')).toEqual({ from: new Date('2025-12-30T16:00:00Z'), to: new Date('2025-12-31T16:00:00Z') });
  });

  it('knows what day it is in the facility', () => {
    expect(localToday('Asia/Jakarta', new Date('2025-08-16T17:30:00Z'))).toBe('2025-08-17');
    expect(localToday('Asia/Jakarta', new Date('2025-08-16T16:30:00Z'))).toBe('2025-08-16');
  });
});
