import { z } from 'zod';
import { ANY_OFFICER, type Operation } from '../http/openapi.ts';
import { KTP_MAX_BYTES } from './ktp-files.ts';
import {
  codeRequestBody, codeRequested, decisionResult, familyMe, registrationAccepted, registrationBody, registrationIdParam,
  registrationQueue, registrationQueueQuery, rejectBody, signInBody, signInResult,
} from './schemas.ts';

export const familyOperations: Operation[] = [
  {
    method: 'post', path: '/api/family/registrations', tag: 'family', summary: 'A family member asks to become a visitor of an inmate (KTP photo; rate limited per client)',
    description: 'Always 202 for valid input, whether or not the registration number belongs to an inmate; the same person waiting for the same number stores nothing new. An officer verifies it.',
    multipart: { schema: registrationBody, file: 'ktp', fileNote: `photo of the KTP: JPEG, PNG or WebP (checked by content), at most ${KTP_MAX_BYTES / 1024 / 1024} MB; metadata is removed`, fileRequired: true },
    success: { status: 202, schema: registrationAccepted }, errors: { 429: ['rate_limited'] },
  },
  {
    method: 'get', path: '/api/family/registrations', tag: 'family', roles: ANY_OFFICER, query: registrationQueueQuery, summary: 'Family registrations of the facility by status (the verification queue)',
    success: { status: 200, schema: registrationQueue },
  },
  {
    method: 'get', path: '/api/family/registrations/{id}/ktp', tag: 'family', roles: ANY_OFFICER, params: registrationIdParam, summary: 'The KTP photo of a registration (audited, not cached)',
    success: { status: 200, description: 'the image (image/jpeg, image/png or image/webp)', mediaType: 'image/*' }, errors: { 404: ['not_found'] },
  },
  {
    method: 'post', path: '/api/family/registrations/{id}/approve', tag: 'family', roles: ANY_OFFICER, params: registrationIdParam, json: z.strictObject({}), bodyOptional: true,
    summary: 'Approve: creates the visitor of the matched active inmate (audited; the family is told)',
    success: { status: 200, schema: decisionResult }, errors: { 404: ['not_found'], 409: ['no_matching_inmate', 'not_pending'] },
  },
  {
    method: 'post', path: '/api/family/registrations/{id}/reject', tag: 'family', roles: ANY_OFFICER, params: registrationIdParam, json: rejectBody,
    summary: 'Reject with a reason the family sees (audited; the family is told)',
    success: { status: 200, schema: decisionResult }, errors: { 404: ['not_found'], 409: ['not_pending'] },
  },
  {
    method: 'post', path: '/api/family/sign-in/code', tag: 'family', json: codeRequestBody, summary: 'Send a one-time sign-in code to the registered phone / e-mail',
    description: 'Always 202: a code (6 digits, 10 minutes) is sent only when the NIK has an account at the facility and no cool-down runs.',
    success: { status: 202, schema: codeRequested }, errors: { 429: ['rate_limited'] },
  },
  {
    method: 'post', path: '/api/family/sign-in', tag: 'family', json: signInBody, summary: 'Sign in with NIK and the one-time code: a 12-hour family session',
    description: 'The 5th wrong code ends the code and starts a 15-minute cool-down (429 too_many_attempts with Retry-After).',
    success: { status: 200, schema: signInResult }, errors: { 401: ['bad_code'], 429: ['too_many_attempts', 'rate_limited'] },
  },
  {
    method: 'get', path: '/api/family/me', tag: 'family', family: true, summary: 'The signed-in family member: account, registrations (with rejection reasons) and visitor records',
    success: { status: 200, schema: familyMe },
  },
];
