import { z } from 'zod';

/** After the country code a mobile number is 8 followed by 8–11 digits (08xx-xxxx-xxxx as dialled at home). */
const MIN_SUBSCRIBER_DIGITS = 9;
const MAX_SUBSCRIBER_DIGITS = 12;

/**
 * An Indonesian mobile number as written at the desk (08…, +628…, 628…, with spaces, dashes,
 * dots or brackets) in one form, +628…, or why it is not one.
 */
export function normaliseMobile(input: string): { ok: true; phone: string } | { ok: false; message: string } {
  const compact = input.trim().replace(/[\s().-]/g, '');
  if (!/^\+?\d+$/.test(compact)) return { ok: false, message: 'only digits, spaces, "-" and a leading "+" are allowed' };
  const national = compact.startsWith('+62') ? compact.slice(3) : compact.startsWith('62') ? compact.slice(2) : compact.startsWith('0') ? compact.slice(1) : null;
  if (national === null || compact.startsWith('+') && !compact.startsWith('+62')) {
    return { ok: false, message: 'must be an Indonesian mobile number starting with 08, +628 or 628' };
  }
  if (!national.startsWith('8')) return { ok: false, message: 'not a mobile number: after 0 or +62 it must continue with 8 (e.g. 0812…)' };
  if (national.length < MIN_SUBSCRIBER_DIGITS) return { ok: false, message: 'too short: a mobile number has 10–13 digits counting the leading 0 (e.g. 0812-3456-7890)' };
  if (national.length > MAX_SUBSCRIBER_DIGITS) return { ok: false, message: 'too long: a mobile number has 10–13 digits counting the leading 0 (e.g. 0812-3456-7890)' };
  return { ok: true, phone: `+62${national}` };
}

/** zod field: accepts the forms above, yields +628…. */
export const indonesianMobile = z
  .string()
  .max(40)
  .transform((value, c) => {
    const result = normaliseMobile(value);
    if (!result.ok) {
      c.addIssue({ code: 'custom', message: result.message });
      return z.NEVER;
    }
    return result.phone;
  });
