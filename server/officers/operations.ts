import { z } from 'zod';
import { ADMINS, ANY_OFFICER, type Operation } from '../http/openapi.ts';
import { facilityCreatedResponse, facilityListResponse, newFacilityBody } from '../facilities/facility-schemas.ts';
import { officerBody, officerChange, officerId } from './account-routes.ts';
import { assignmentBody, assignmentParams, assignmentResponse, passwordChangeBody, passwordChangeResponse } from './schemas.ts';
import { loginBody, switchBody } from './routes.ts';

const at = z.iso.datetime({ offset: true });
const role = z.enum(['officer', 'supervisor', 'admin']);
const facility = z.strictObject({ id: z.uuid(), code: z.string(), name: z.string(), role: role.describe('the role held in this facility') });
const token = { token: z.string().describe('officer JWT for Authorization: Bearer'), expiresAt: at };

export const authOperations: Operation[] = [
  {
    method: 'post', path: '/api/auth/login', tag: 'auth', json: loginBody, summary: 'Sign in; the token is scoped to one facility',
    description: 'An officer of several facilities gives facilityId (400 choose_facility lists them in error.fields.facilityId).',
    success: {
      status: 200,
      schema: z.strictObject({
        ...token,
        officer: z.strictObject({ id: z.uuid(), username: z.string(), displayName: z.string(), role }),
        facility, facilities: z.array(facility),
        mustChangePassword: z.boolean().describe('true: the token only reaches GET /api/auth/me, POST /api/auth/password and POST /api/auth/logout until the password is changed'),
      }),
    },
    errors: { 400: ['choose_facility'], 401: ['bad_credentials'], 403: ['no_facility'], 429: ['too_many_attempts', 'busy'] },
  },
  { method: 'post', path: '/api/auth/refresh', tag: 'auth', roles: ANY_OFFICER, summary: 'A fresh token of the same session and facility', success: { status: 200, schema: z.strictObject(token) } },
  {
    method: 'post', path: '/api/auth/switch-facility', tag: 'auth', roles: ANY_OFFICER, json: switchBody, summary: 'A token for another of the officer\'s facilities (same session)',
    success: { status: 200, schema: z.strictObject({ ...token, facility, facilities: z.array(facility) }) }, errors: { 404: ['not_found'] },
  },
  {
    method: 'get', path: '/api/auth/me', tag: 'auth', roles: ANY_OFFICER, summary: 'The signed-in officer and the token\'s facility',
    success: {
      status: 200,
      schema: z.strictObject({
        officer: z.strictObject({ id: z.uuid(), username: z.string(), displayName: z.string(), role }),
        facility: z.strictObject({ id: z.uuid(), code: z.string(), name: z.string(), timezone: z.string() }),
        mustChangePassword: z.boolean(),
      }),
    },
  },
  {
    method: 'post', path: '/api/auth/password', tag: 'auth', roles: ANY_OFFICER, json: passwordChangeBody, summary: 'Change one\'s own password (also the forced change at first sign-in; audited)',
    description: 'The current password is checked like a sign-in and failures are limited. Every other sign-in of the account ends; the answer is a fresh token of this one.',
    success: { status: 200, schema: passwordChangeResponse }, errors: { 400: ['wrong_password'], 429: ['too_many_attempts', 'busy'] },
  },
  { method: 'post', path: '/api/auth/logout', tag: 'auth', roles: ANY_OFFICER, summary: 'End the session: all its tokens, sockets and playback links (audited)', success: { status: 204, description: 'signed out' } },
];

const officerRow = z.strictObject({ id: z.uuid(), username: z.string(), displayName: z.string(), role, disabled: z.boolean(), mustChangePassword: z.boolean(), createdAt: at });

export const officerAccountOperations: Operation[] = [
  { method: 'get', path: '/api/officers', tag: 'officers', roles: ADMINS, summary: 'Officer accounts of the facility with their role here', success: { status: 200, schema: z.strictObject({ officers: z.array(officerRow) }) } },
  {
    method: 'post', path: '/api/officers', tag: 'officers', roles: ADMINS, json: officerBody, summary: 'Create an officer account (audited in each facility)',
    description: 'facilityIds defaults to the admin\'s facility; each must be one the admin manages, and it must include the current one.',
    success: { status: 201, schema: z.strictObject({ officer: z.strictObject({ id: z.uuid(), username: z.string(), displayName: z.string(), role, facilityIds: z.array(z.uuid()), createdAt: at }) }) },
    errors: { 409: ['username_taken'] },
  },
  {
    method: 'patch', path: '/api/officers/{id}', tag: 'officers', roles: ADMINS, params: officerId, json: officerChange, summary: 'Disable / re-enable, change the role here, or reset the password (audited)',
    description: 'disabled and password are account-wide: refused (403) unless the admin manages every facility of the account. Not on the admin\'s own account.',
    success: { status: 200, schema: z.strictObject({ officer: officerRow.omit({ createdAt: true, mustChangePassword: true }) }) },
    errors: { 403: ['account_spans_other_facilities'], 404: ['not_found'], 409: ['own_account'] },
  },
];

export const facilityOperations: Operation[] = [
  { method: 'get', path: '/api/facilities', tag: 'officers', roles: ADMINS, summary: 'The facilities the admin manages', success: { status: 200, schema: facilityListResponse } },
  {
    method: 'post', path: '/api/facilities', tag: 'officers', roles: ADMINS, json: newFacilityBody, summary: 'Add a facility; the admin becomes its admin (audited in both)',
    success: { status: 201, schema: facilityCreatedResponse }, errors: { 409: ['facility_code_taken'] },
  },
  {
    method: 'put', path: '/api/officers/{id}/facilities/{facilityId}', tag: 'officers', roles: ADMINS, params: assignmentParams, json: assignmentBody, summary: 'Assign an officer to a facility, or change the role held there (audited)',
    description: 'Only an admin of that facility, and only for an officer who already belongs to a facility the admin manages.',
    success: { status: 200, schema: assignmentResponse }, errors: { 404: ['not_found'], 409: ['last_admin'] },
  },
  {
    method: 'delete', path: '/api/officers/{id}/facilities/{facilityId}', tag: 'officers', roles: ADMINS, params: assignmentParams, summary: 'Remove an officer from a facility; their open connections close (audited)',
    description: 'A facility keeps at least one enabled admin; an officer\'s only facility is not removed (disable the account instead).', success: { status: 204, description: 'removed' }, errors: { 404: ['not_found'], 409: ['last_admin', 'only_facility'] },
  },
];
