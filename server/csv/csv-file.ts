import type { Request } from 'express';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { HttpError } from '../http/errors.ts';

/**
 * The shared part of the officers' CSV imports (remisi register, inmate register): reading an
 * uploaded spreadsheet export, finding its columns, and naming each problem by line and column.
 * Every import is all or nothing: one bad row rejects the file.
 */

export const MAX_IMPORT_ROWS = 20_000;
export const MAX_CSV_BYTES = 2 * 1024 * 1024;

/** A problem in the file: line of the file (header is line 1; null: the whole file) and column. */
export interface CsvProblem {
  line: number | null;
  column: string | null;
  message: string;
}

export interface CsvRow {
  record: Record<string, string>;
  line: number;
}

export type CsvRead = { ok: true; rows: CsvRow[] } | { ok: false; problems: CsvProblem[] };

/** "Registration Number", "registration_number" and "registrationNumber" are one column. */
const columnKey = (name: string) => name.trim().toLowerCase().replace(/[\s_-]+/g, '');

/**
 * Parses the text of a CSV file whose header names (at least) `columns`, in any order and
 * spelling of case, spaces and underscores; records are keyed by the names in `columns`.
 */
export function readCsv(text: string, columns: readonly string[], maxRows = MAX_IMPORT_ROWS): CsvRead {
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  // Spreadsheets set to Indonesian export with ';'.
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  const canonical = new Map(columns.map((c) => [columnKey(c), c]));
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), {
      columns: (header: string[]) => header.map((h) => canonical.get(columnKey(h)) ?? h.trim().toLowerCase()),
      delimiter,
      info: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    return { ok: false, problems: [{ line: line ?? null, column: null, message: `not valid CSV: ${(err as Error).message}` }] };
  }
  if (rows.length === 0) return { ok: false, problems: [{ line: null, column: null, message: 'no data rows' }] };
  const header = Object.keys(rows[0]!.record);
  const missing = columns.filter((c) => !header.includes(c));
  if (missing.length > 0) return { ok: false, problems: [{ line: 1, column: null, message: `missing columns: ${missing.join(', ')}` }] };
  if (rows.length > maxRows) return { ok: false, problems: [{ line: null, column: null, message: `at most ${maxRows} rows per file` }] };
  return { ok: true, rows: rows.map(({ record, info }) => ({ record, line: info.lines })) };
}

/** One problem per zod issue of a row, in the column it concerns. */
export function rowProblems(line: number, error: z.ZodError): CsvProblem[] {
  return error.issues.map((issue) => ({ line, column: issue.path.join('.') || null, message: issue.message }));
}

/** Problems keyed "file", "line.<n>" or "line.<n>.<column>" (the remisi import's field errors). */
export function problemsByKey(problems: CsvProblem[]): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const p of problems) {
    const key = p.line === null ? 'file' : p.column === null ? `line.${p.line}` : `line.${p.line}.${p.column}`;
    (errors[key] ??= []).push(p.message);
  }
  return errors;
}

/** The uploaded file (multer, field `file`) as text, or a 400 naming the field. */
export function uploadedCsvText(req: Request): { text: string; fileName: string } {
  if (!req.file) throw new HttpError(400, 'validation_failed', 'invalid upload', { file: ['a CSV file is required'] });
  const text = req.file.buffer.toString('utf8');
  if (text.includes('\u0000')) throw new HttpError(400, 'validation_failed', 'invalid upload', { file: ['not a text CSV file'] });
  return { text, fileName: req.file.originalname };
}
