import { z } from 'zod';
import { ANY_OFFICER, MANAGERS, type Operation } from '../http/openapi.ts';
import { remisiImportResult, remisiLookupBody, remisiSummary, remisiView } from './schemas.ts';

export const remisiOperations: Operation[] = [
  { method: 'post', path: '/api/remisi/lookup', tag: 'remisi', summary: 'Look up remisi with the registration number and a registered family NIK', json: remisiLookupBody, success: { status: 200, schema: remisiView }, errors: { 404: ['not_found'], 429: ['rate_limited'] } },
  { method: 'get', path: '/api/officer/remisi', tag: 'remisi', roles: ANY_OFFICER, summary: 'Imported remisi records of the officer\'s facility', success: { status: 200, schema: remisiSummary } },
  {
    method: 'post', path: '/api/officer/remisi/import', tag: 'remisi', roles: MANAGERS, summary: 'Import remisi CSV (all rows or nothing)',
    multipart: { schema: z.object({}), file: 'file', fileRequired: true, fileNote: 'CSV, ≤ 2 MB, header: registration_number,name,remission_type,remission_year,remission_days,decree_number,expected_release_date,pb_eligible_date,cb_eligible_date' },
    success: { status: 201, schema: remisiImportResult }, errors: { 400: ['invalid_rows', 'bad_multipart', 'payload_too_large'] },
  },
];
