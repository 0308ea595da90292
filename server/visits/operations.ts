import { z } from 'zod';
import { ANY_OFFICER, MANAGERS, type Operation } from '../http/openapi.ts';
import { idParam as inmateIdParam, inmateBody, visitorBody } from './inmate-routes.ts';
import {
  inmateImportResult, inmateListQuery, inmateUpdateBody, inmateUpdateResult, inmateView, visitorAdvocateCredentialBody, visitorBanBody, visitorUnbanBody, visitorView,
} from './people-schemas.ts';
import { idParam as visitorIdParam } from './visitor-routes.ts';
import { facilityRulesInputSchema, facilityRulesResponseSchema } from './facility-rules.ts';
import { approveBody, rejectBody } from './privileged-approval.ts';
import { slotsQuerySchema } from './rules-routes.ts';
import { slotGridSchema } from './slots.ts';
import { bookingCheckResponse, cancelBody, idParam as visitIdParam, listQuery, visitBookingBody } from './visit-routes.ts';

const at = z.iso.datetime({ offset: true });

export const inmateSchema = z.strictObject(inmateView.shape);
export const visitorSchema = z.strictObject(visitorView.shape);
export const visitSchema = z.strictObject({
  id: z.uuid(),
  facilityId: z.uuid(),
  status: z.enum(['scheduled', 'live', 'ended', 'missed', 'cancelled']),
  scheduledStart: at,
  durationSeconds: z.number().int(),
  endsAt: at,
  privileged: z.boolean().describe('legal counsel only: not recorded, not observed'),
  privilegedApproval: z
    .strictObject({ state: z.enum(['pending', 'approved', 'rejected']), decidedBy: z.string().nullable(), decidedAt: at.nullable(), reason: z.string().nullable() })
    .nullable()
    .describe('null when not privileged; the call cannot start while pending'),
  confirmation: z.enum(['pending', 'confirmed']).nullable().describe('family bookings in a facility that confirms them: the call cannot start while pending (POST /api/visits/{id}/confirm)'),
  startedAt: at.nullable(),
  endedAt: at.nullable(),
  endReason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: at,
  inmate: z.strictObject({ id: z.uuid(), name: z.string(), registrationNumber: z.string(), block: z.string() }),
  booth: z.strictObject({ id: z.uuid(), name: z.string() }),
  visitors: z.array(z.strictObject({ id: z.uuid(), name: z.string(), relationship: z.string(), advocateCredential: z.string().nullable() })),
});
const oneVisit = z.strictObject({ visit: visitSchema });

export const inmateOperations: Operation[] = [
  { method: 'get', path: '/api/inmates', tag: 'inmates', roles: ANY_OFFICER, query: inmateListQuery, summary: 'Search the facility\'s inmates by name or registration number', success: { status: 200, schema: z.strictObject({ inmates: z.array(inmateSchema) }) } },
  { method: 'post', path: '/api/inmates', tag: 'inmates', roles: MANAGERS, json: inmateBody, summary: 'Add an inmate to the facility\'s register (audited)', success: { status: 201, schema: z.strictObject({ inmate: inmateSchema }) }, errors: { 409: ['registration_number_taken'] } },
  { method: 'get', path: '/api/inmates/{id}', tag: 'inmates', roles: ANY_OFFICER, params: inmateIdParam, summary: 'One inmate', success: { status: 200, schema: z.strictObject({ inmate: inmateSchema }) }, errors: { 404: ['not_found'] } },
  {
    method: 'patch', path: '/api/inmates/{id}', tag: 'inmates', roles: MANAGERS, params: inmateIdParam, json: inmateUpdateBody, summary: 'Edit an inmate, or mark them transferred or released (audited)',
    description: 'A status change needs a reason. Transferred or released cancels the inmate\'s future scheduled visits (listed with whom to tell); a live call is not cut (liveVisitIds).',
    success: { status: 200, schema: inmateUpdateResult }, errors: { 404: ['not_found'] },
  },
  {
    method: 'post', path: '/api/inmates/import', tag: 'inmates', roles: MANAGERS, summary: 'Import the facility\'s inmate register from CSV (audited)',
    multipart: { schema: z.strictObject({}), file: 'file', fileNote: 'CSV (UTF-8, comma or semicolon) with columns registrationNumber, name, block', fileRequired: true },
    description: 'One bad row rejects the whole file: 400 csv_invalid with error.lines [{ line, column, message }]. Known registration numbers get the file\'s name and block.',
    success: { status: 200, schema: inmateImportResult }, errors: { 400: ['csv_invalid'] },
  },
  { method: 'get', path: '/api/inmates/{id}/visitors', tag: 'inmates', roles: ANY_OFFICER, params: inmateIdParam, summary: 'Registered visitors (family, counsel) of an inmate (audited)', success: { status: 200, schema: z.strictObject({ visitors: z.array(visitorSchema) }) }, errors: { 404: ['not_found'] } },
  {
    method: 'post', path: '/api/inmates/{id}/visitors', tag: 'inmates', roles: ANY_OFFICER, params: inmateIdParam, json: visitorBody, summary: 'Register a visitor of an inmate (audited, NIK kept encrypted)',
    description: 'A wrong NIK is a 400 whose error.fields.nik says why in English and error.details.nikProblem names the part (length, digits, province, regency, district, birth_month, birth_day, serial). advocateCredential is required for kuasa_hukum and refused for everyone else.',
    success: { status: 201, schema: z.strictObject({ visitor: visitorSchema }) }, errors: { 404: ['not_found'], 409: ['visitor_exists'] },
  },
];

export const visitorOperations: Operation[] = [
  {
    method: 'post', path: '/api/visitors/{id}/ban', tag: 'inmates', roles: MANAGERS, params: visitorIdParam, json: visitorBanBody, summary: 'Ban a visitor until the end of a local day (audited)',
    description: 'A banned visitor cannot be booked (409 visitor_banned) and their open call connections close at once. Banning again replaces the reason and the end date.',
    success: { status: 200, schema: z.strictObject({ visitor: visitorSchema }) }, errors: { 404: ['not_found'] },
  },
  {
    method: 'put', path: '/api/visitors/{id}/advocate-credential', tag: 'inmates', roles: ANY_OFFICER, params: visitorIdParam, json: visitorAdvocateCredentialBody, summary: 'Enter or correct a counsel visitor\'s advocate credential number (audited)',
    description: 'For kuasa_hukum visitors registered before credentials were required: without one they cannot be booked privileged (409 advocate_credential_missing). A replaced number stays in the audit trail.',
    success: { status: 200, schema: z.strictObject({ visitor: visitorSchema }) }, errors: { 404: ['not_found'], 409: ['not_counsel'] },
  },
  { method: 'post', path: '/api/visitors/{id}/unban', tag: 'inmates', roles: MANAGERS, params: visitorIdParam, json: visitorUnbanBody, summary: 'Lift a visitor\'s ban (audited)', success: { status: 200, schema: z.strictObject({ visitor: visitorSchema }) }, errors: { 404: ['not_found'], 409: ['visitor_not_banned'] } },
];

export const facilityRulesOperations: Operation[] = [
  { method: 'get', path: '/api/facility/rules', tag: 'visits', roles: ANY_OFFICER, summary: 'The facility\'s booking rules: visiting hours per weekday, slot length, visitors per visit, inmate quota', description: 'isDefault: never saved; then the default visiting hours are shown in the slot grid but not enforced.', success: { status: 200, schema: facilityRulesResponseSchema } },
  { method: 'put', path: '/api/facility/rules', tag: 'visits', roles: MANAGERS, json: facilityRulesInputSchema, summary: 'Save the facility\'s booking rules (audited)', description: 'Weekdays are 0 (Sunday) to 6 in the facility\'s zone; windows must not overlap; to may be 24:00. Every booking path enforces them. familyBooking (self-service booking by families: enabled, confirmation auto|officer, changeDeadlineHours 0–168) left out keeps the saved one.', success: { status: 200, schema: facilityRulesResponseSchema } },
  {
    method: 'get', path: '/api/slots', tag: 'visits', roles: ANY_OFFICER, query: slotsQuerySchema, summary: 'Free and taken slots of one local day per booth, for booking one inmate\'s visit',
    description: 'Judged by the same checks as POST /api/visits, so a free slot is one a booking accepts (at the time of asking). visitorIds is comma-separated.',
    success: { status: 200, schema: slotGridSchema },
  },
];

export const visitOperations: Operation[] = [
  {
    method: 'post', path: '/api/visits', tag: 'visits', roles: ANY_OFFICER, json: visitBookingBody, summary: 'Book a visit (audited)',
    description: 'Exactly one of durationMinutes or durationSeconds. scheduledStart no more than 5 minutes in the past and within 180 days. Unknown or other facilities\' inmate, booth and visitor ids are field errors (400), never 404. privileged needs every visitor to be kuasa_hukum (400) with an advocate credential on file (409 advocate_credential_missing, fields name the visitors; PUT /api/visitors/{id}/advocate-credential).',
    success: { status: 201, schema: oneVisit }, errors: { 409: ['booth_busy', 'inmate_busy', 'visitor_busy', 'quota_exceeded', 'outside_visiting_hours', 'inmate_inactive', 'visitor_banned', 'advocate_credential_missing'] },
  },
  {
    method: 'get', path: '/api/visits', tag: 'visits', roles: ANY_OFFICER, query: listQuery, summary: 'Visits of one local day of the facility (default today)',
    description: 'status is a comma-separated list, e.g. scheduled,live.',
    success: { status: 200, schema: z.strictObject({ date: z.iso.date(), timezone: z.string(), visits: z.array(visitSchema) }) },
  },
  {
    method: 'post', path: '/api/visits/check', tag: 'visits', roles: ANY_OFFICER, json: visitBookingBody, summary: 'What POST /api/visits would say about this booking, without storing it',
    description: 'problems lists every reason it would be refused (codes as POST /api/visits answers, validation_failed for unknown ids).', success: { status: 200, schema: bookingCheckResponse },
  },
  { method: 'get', path: '/api/visits/{id}', tag: 'visits', roles: ANY_OFFICER, params: visitIdParam, summary: 'One visit with its parties', success: { status: 200, schema: oneVisit }, errors: { 404: ['not_found'] } },
  { method: 'post', path: '/api/visits/{id}/cancel', tag: 'visits', roles: ANY_OFFICER, params: visitIdParam, json: cancelBody, summary: 'Cancel a scheduled visit with a reason (audited)', success: { status: 200, schema: oneVisit }, errors: { 404: ['not_found'], 409: ['visit_not_scheduled'] } },
  {
    method: 'get', path: '/api/visits/{id}/links', tag: 'visits', roles: ANY_OFFICER, params: visitIdParam, summary: 'Fresh join links for every visitor of a scheduled or live visit (audited)',
    description: 'Links open 10 minutes before the start and stop at the end of the visit.',
    success: {
      status: 200,
      schema: z.strictObject({ visitId: z.uuid(), validFrom: at, validUntil: at, links: z.array(z.strictObject({ visitorId: z.uuid(), name: z.string(), familyUrl: z.url() })) }),
    },
    errors: { 404: ['not_found'], 409: ['visit_closed', 'awaiting_approval', 'awaiting_confirmation'] },
  },
  {
    method: 'post', path: '/api/visits/{id}/confirm', tag: 'visits', roles: ANY_OFFICER, params: visitIdParam, summary: 'Confirm a family booking that awaits an officer (audited; the family is told)',
    description: 'Only when the facility confirms family bookings by hand (rules.familyBooking.confirmation officer). To refuse one, cancel it with a reason.',
    success: { status: 200, schema: oneVisit }, errors: { 404: ['not_found'], 409: ['confirmation_not_pending'] },
  },
  {
    method: 'post', path: '/api/visits/{id}/approve-privileged', tag: 'visits', roles: MANAGERS, params: visitIdParam, json: approveBody, bodyOptional: true, summary: 'Approve a privileged (counsel) visit (audited)',
    description: 'Not by the officer who booked it, and only when every counsel of the visit has an advocate credential on file (409 advocate_credential_missing, fields name the visitors).', success: { status: 200, schema: oneVisit },
    errors: { 403: ['own_booking'], 404: ['not_found'], 409: ['not_privileged', 'approval_not_pending', 'advocate_credential_missing'] },
  },
  {
    method: 'post', path: '/api/visits/{id}/reject-privileged', tag: 'visits', roles: MANAGERS, params: visitIdParam, json: rejectBody, summary: 'Reject a privileged visit; it is cancelled (audited)',
    success: { status: 200, schema: oneVisit }, errors: { 404: ['not_found'], 409: ['not_privileged', 'approval_not_pending'] },
  },
];
