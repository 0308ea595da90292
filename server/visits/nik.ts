/** Which part of a NIK is wrong; the pages say why in the user's language from this code. */
export const NIK_PROBLEM_CODES = ['length', 'digits', 'province', 'regency', 'district', 'birth_month', 'birth_day', 'serial'] as const;
export type NikProblemCode = (typeof NIK_PROBLEM_CODES)[number];

export interface NikIssue {
  code: NikProblemCode;
  /** English, for API users and logs. */
  message: string;
}

const issue = (code: NikProblemCode, message: string): NikIssue => ({ code, message });

/**
 * Plausibility check for a NIK (Nomor Induk Kependudukan): 16 digits laid out as
 * PP KK CC DDMMYY SSSS — province, regency/city, district, date of birth (day + 40 for
 * women), serial. It cannot prove a NIK was issued; it catches typos and made-up numbers.
 * Returns what is wrong, or null when plausible.
 */
export function nikIssue(nik: string): NikIssue | null {
  if (!/^\d*$/.test(nik)) return issue('digits', 'must be exactly 16 digits (digits only, no letters or spaces)');
  if (nik.length !== 16) return issue('length', `must be exactly 16 digits (${nik.length} given)`);
  const province = Number(nik.slice(0, 2));
  if (province < 11 || province > 94) return issue('province', 'province code (digits 1–2) must be 11–94');
  if (nik.slice(2, 4) === '00') return issue('regency', 'regency/city code (digits 3–4) cannot be 00');
  if (nik.slice(4, 6) === '00') return issue('district', 'district code (digits 5–6) cannot be 00');
  let day = Number(nik.slice(6, 8));
  const month = Number(nik.slice(8, 10));
  const yy = Number(nik.slice(10, 12));
  if (day > 40) day -= 40;
  if (month < 1 || month > 12) return issue('birth_month', 'birth month (digits 9–10) must be 01–12');
  // The century is not encoded: accept 29 February when either 19yy or 20yy was a leap year.
  const daysInMonth = Math.max(new Date(Date.UTC(1900 + yy, month, 0)).getUTCDate(), new Date(Date.UTC(2000 + yy, month, 0)).getUTCDate());
  if (day < 1 || day > daysInMonth) return issue('birth_day', 'birth day (digits 7–8) is not a valid date (women: day + 40)');
  if (nik.slice(12) === '0000') return issue('serial', 'serial number (digits 13–16) cannot be 0000');
  return null;
}

/** The problem in words, or null when plausible. */
export function nikProblem(nik: string): string | null {
  return nikIssue(nik)?.message ?? null;
}
