import { z } from 'zod';
import type { Operation } from '../http/openapi.ts';
import { familyBookingBody, familyMoveBody, familySlotsQuery, familyVisitIdParam } from './booking-routes.ts';
import { familySlotsSchema, familyVisitSchema } from './family-visits.ts';

const FAMILY_AUTH = 'Family session: `Authorization: Bearer <token>` from POST /api/family/sign-in (12 h). Only the account\'s own visitors and visits; another family\'s visit answers 404 like an unknown one.';
const SESSION_ERRORS = { 401: ['token_missing', 'token_invalid', 'token_expired', 'token_revoked'] } as const;
const oneVisit = z.strictObject({ visit: familyVisitSchema });

export const familyBookingOperations: Operation[] = [
  {
    method: 'get', path: '/api/family/slots', tag: 'family', family: true, query: familySlotsQuery, summary: 'Free visit times of one local day for one of the account\'s visitors',
    description: `${FAMILY_AUTH}\n\nA time is free when some booth is free for that inmate and visitor, judged by the same checks as booking (visiting hours, booths, inmate and visitor busy, quota, bans); reason says why a time is not free.`,
    success: { status: 200, schema: familySlotsSchema }, errors: { ...SESSION_ERRORS, 403: ['family_booking_disabled'] },
  },
  {
    method: 'get', path: '/api/family/visits', tag: 'family', family: true, summary: 'The account\'s upcoming and past visits', description: FAMILY_AUTH,
    success: { status: 200, schema: z.strictObject({ upcoming: z.array(familyVisitSchema), past: z.array(familyVisitSchema) }) }, errors: SESSION_ERRORS,
  },
  {
    method: 'post', path: '/api/family/visits', tag: 'family', family: true, json: familyBookingBody, summary: 'Book one of the offered times (audited; the family is told)',
    description: `${FAMILY_AUTH}\n\nscheduledStart must be one of the times GET /api/family/slots offers for that day; the server picks a free booth. Taken meanwhile: 409 slot_taken (load the times again). When the facility confirms family bookings by hand the visit holds the time but awaits an officer (awaitingConfirmation).`,
    success: { status: 201, schema: oneVisit },
    errors: { ...SESSION_ERRORS, 403: ['family_booking_disabled'], 409: ['slot_taken', 'quota_exceeded', 'visitor_busy', 'visitor_banned', 'inmate_inactive', 'outside_visiting_hours'] },
  },
  {
    method: 'post', path: '/api/family/visits/{id}/cancel', tag: 'family', family: true, params: familyVisitIdParam, summary: 'Cancel a visit before the facility\'s change deadline (audited; everyone in the visit is told)',
    description: FAMILY_AUTH, success: { status: 200, schema: oneVisit }, errors: { ...SESSION_ERRORS, 404: ['not_found'], 409: ['change_deadline_passed', 'visit_not_scheduled'] },
  },
  {
    method: 'post', path: '/api/family/visits/{id}/move', tag: 'family', family: true, params: familyVisitIdParam, json: familyMoveBody, summary: 'Move a visit to another offered time before the change deadline (audited; everyone in the visit is told)',
    description: `${FAMILY_AUTH}\n\nIn a facility that confirms family bookings by hand, the new time awaits an officer again.`,
    success: { status: 200, schema: oneVisit },
    errors: { ...SESSION_ERRORS, 403: ['family_booking_disabled'], 404: ['not_found'], 409: ['change_deadline_passed', 'visit_not_scheduled', 'slot_taken', 'quota_exceeded', 'visitor_busy', 'visitor_banned', 'inmate_inactive', 'outside_visiting_hours'] },
  },
  {
    method: 'get', path: '/api/family/visits/{id}/join', tag: 'family', family: true, params: familyVisitIdParam, summary: 'A fresh join link for the account\'s visitor (audited)',
    description: `${FAMILY_AUTH}\n\nThe link opens 10 minutes before the start (canJoinFrom) and stops at the end.`,
    success: { status: 200, schema: z.strictObject({ familyUrl: z.url() }) }, errors: { ...SESSION_ERRORS, 404: ['not_found'], 409: ['visit_closed', 'awaiting_confirmation', 'awaiting_approval'] },
  },
];
