import { z } from 'zod';
import { ADMINS, ANY_OFFICER, type Operation } from '../http/openapi.ts';
import { officerBody, officerChange, officerId } from './account-routes.ts';
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
      }),
    },
  },
  { method: 'post', path: '/api/auth/logout', tag: 'auth', roles: ANY_OFFICER, summary: 'End the session: all its tokens, sockets and playback links (audited)', success: { status: 204, description: 'signed out' } },
];

const officerRow = z.strictObject({ id: z.uuid(), username: z.string(), displayName: z.string(), role, disabled: z.boolean(), createdAt: at });

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
    success: { status: 200, schema: z.strictObject({ officer: officerRow.omit({ createdAt: true }) }) },
    errors: { 403: ['account_spans_other_facilities'], 404: ['not_found'], 409: ['own_account'] },
  },
];
