import { z } from 'zod';
import { problemsByKey, readCsv, rowProblems, type CsvProblem } from '../csv/csv-file.ts';
import { isoDate, registrationNumber } from '../public-services/fields.ts';
import type { RemisiKind } from '../storage/tables.ts';

/** Header of the import file, in this order; one row per remission entry (entry columns may be empty). */
export const REMISI_CSV_COLUMNS = [
  'registration_number',
  'name',
  'remission_type',
  'remission_year',
  'remission_days',
  'decree_number',
  'expected_release_date',
  'pb_eligible_date',
  'cb_eligible_date',
] as const;

export interface ImportedRemisi {
  registrationNumber: string;
  name: string;
  expectedReleaseDate: string | null;
  pbEligibleDate: string | null;
  cbEligibleDate: string | null;
  entries: Array<{ kind: RemisiKind; year: number; days: number; decreeNumber: string }>;
}

export type ImportResult = { ok: true; records: ImportedRemisi[] } | { ok: false; errors: Record<string, string[]> };

const optionalDate = z.union([z.literal('').transform(() => null), isoDate]);
const row = z.object({
  registration_number: registrationNumber,
  name: z.string().trim().min(1).max(120),
  remission_type: z.enum(['umum', 'khusus', '']),
  remission_year: z.string().trim(),
  remission_days: z.string().trim(),
  decree_number: z.string().trim().max(120),
  expected_release_date: optionalDate,
  pb_eligible_date: optionalDate,
  cb_eligible_date: optionalDate,
});
const entry = z.object({
  remission_type: z.enum(['umum', 'khusus'], 'must be umum or khusus'),
  remission_year: z.coerce.number().int().min(1950).max(2100),
  remission_days: z.coerce.number().int().min(1).max(365),
  decree_number: z.string().min(1, 'decree number required for a remission entry'),
});

/**
 * Parses and checks a whole file. Any bad row fails the import; errors are keyed
 * "line.<n>.<column>" with the line number of the file (header is line 1).
 */
export function parseRemisiCsv(text: string): ImportResult {
  const read = readCsv(text, REMISI_CSV_COLUMNS);
  if (!read.ok) return { ok: false, errors: problemsByKey(read.problems) };
  const problems: CsvProblem[] = [];
  const add = (line: number, column: string, message: string) => problems.push({ line, column, message });

  const byRegistration = new Map<string, { record: ImportedRemisi; line: number }>();
  for (const { record, line } of read.rows) {
    const parsed = row.safeParse(record);
    if (!parsed.success) {
      problems.push(...rowProblems(line, parsed.error));
      continue;
    }
    const r = parsed.data;
    const inmate: ImportedRemisi = {
      registrationNumber: r.registration_number,
      name: r.name,
      expectedReleaseDate: r.expected_release_date,
      pbEligibleDate: r.pb_eligible_date,
      cbEligibleDate: r.cb_eligible_date,
      entries: [],
    };
    const seen = byRegistration.get(r.registration_number);
    if (seen) {
      for (const key of ['name', 'expectedReleaseDate', 'pbEligibleDate', 'cbEligibleDate'] as const) {
        if (seen.record[key] !== inmate[key]) add(line, key, `differs from line ${seen.line} for the same registration number`);
      }
    } else {
      byRegistration.set(r.registration_number, { record: inmate, line });
    }
    const hasEntry = r.remission_type !== '' || r.remission_year !== '' || r.remission_days !== '' || r.decree_number !== '';
    if (!hasEntry) continue;
    const e = entry.safeParse(r);
    if (!e.success) {
      problems.push(...rowProblems(line, e.error));
      continue;
    }
    (seen?.record ?? inmate).entries.push({
      kind: e.data.remission_type,
      year: e.data.remission_year,
      days: e.data.remission_days,
      decreeNumber: e.data.decree_number,
    });
  }
  if (problems.length > 0) return { ok: false, errors: problemsByKey(problems) };
  return { ok: true, records: [...byRegistration.values()].map((v) => v.record) };
}
