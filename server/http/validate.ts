import type { z } from 'zod';
import { HttpError } from './errors.ts';

/** Field path → messages, e.g. { "visitors.0.nik": ["must be 16 digits"] }. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join('.') || '(body)';
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

/** Parses untrusted input or throws a 400 with field-level errors. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new HttpError(400, 'validation_failed', `invalid ${what}`, fieldErrors(result.error));
  return result.data;
}
