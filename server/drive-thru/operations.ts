import { z } from 'zod';
import { ANY_OFFICER, MANAGERS, type Operation } from '../http/openapi.ts';
import {
  bookingBody, bookingCreated, facilityQuery, inspectBody, nowServingView, officerSessionsQuery, officerTicketsQuery,
  sessionCreateBody, sessionsQuery, sessionView, ticketPublicView,
} from './schemas.ts';

const officerTicket = ticketPublicView.extend({
  items: z.array(ticketPublicView.shape.items.element.extend({ id: z.string() })),
  inmate: z.object({ name: z.string(), registrationNumber: z.string(), block: z.string() }),
  visitor: z.object({ name: z.string(), nik: z.string(), relationship: z.string() }),
});

export const driveThruOperations: Operation[] = [
  { method: 'get', path: '/api/drive-thru/categories', tag: 'drive-thru', summary: 'Item categories and the prohibited ones with reasons', success: { status: 200, schema: z.object({ allowed: z.array(z.string()), prohibited: z.array(z.object({ category: z.string(), reason: z.string() })) }) } },
  { method: 'get', path: '/api/drive-thru/sessions', tag: 'drive-thru', query: sessionsQuery, summary: 'Open sessions of a facility with remaining places', success: { status: 200, schema: z.object({ sessions: z.array(sessionView) }) }, errors: { 404: ['not_found'] } },
  {
    method: 'post', path: '/api/drive-thru/tickets', tag: 'drive-thru', json: bookingBody, summary: 'Book a drop-off',
    description: '409 with nextSession when the session is full; 422 for prohibited items or an unregistered NIK / registration pair.',
    success: { status: 201, schema: bookingCreated }, errors: { 409: ['session_full', 'session_closed', 'already_booked'], 422: ['prohibited_items', 'not_registered'], 429: ['rate_limited'] },
  },
  { method: 'get', path: '/api/drive-thru/tickets/{ticket}', tag: 'drive-thru', trackingCode: true, summary: 'Ticket status for the family', success: { status: 200, schema: ticketPublicView }, errors: { 404: ['not_found'], 429: ['rate_limited'] } },
  { method: 'get', path: '/api/drive-thru/now-serving', tag: 'drive-thru', query: facilityQuery, summary: 'Queue numbers being served today', success: { status: 200, schema: nowServingView }, errors: { 404: ['not_found'] } },
  { method: 'post', path: '/api/officer/drive-thru/sessions', tag: 'drive-thru', roles: MANAGERS, json: sessionCreateBody, summary: 'Create a session', success: { status: 201, schema: sessionView }, errors: { 409: ['session_exists'] } },
  { method: 'get', path: '/api/officer/drive-thru/sessions', tag: 'drive-thru', roles: ANY_OFFICER, query: officerSessionsQuery, summary: 'Sessions of a day (default today)', success: { status: 200, schema: z.object({ date: z.iso.date(), sessions: z.array(sessionView) }) } },
  { method: 'get', path: '/api/officer/drive-thru/tickets', tag: 'drive-thru', roles: ANY_OFFICER, query: officerTicketsQuery, summary: 'Queue of one session', success: { status: 200, schema: z.object({ tickets: z.array(z.object({ ticket: z.string(), queueNumber: z.number().int(), status: z.string(), inmateName: z.string() })) }) }, errors: { 404: ['not_found'] } },
  { method: 'get', path: '/api/officer/drive-thru/tickets/{ticket}', tag: 'drive-thru', roles: ANY_OFFICER, summary: 'Find a ticket by its number or QR content', success: { status: 200, schema: officerTicket }, errors: { 404: ['not_found'] } },
  { method: 'post', path: '/api/officer/drive-thru/tickets/{ticket}/serve', tag: 'drive-thru', roles: ANY_OFFICER, summary: 'Call the ticket to the station (booked → serving)', success: { status: 200, schema: officerTicket }, errors: { 404: ['not_found'], 409: ['invalid_transition'] } },
  { method: 'post', path: '/api/officer/drive-thru/tickets/{ticket}/inspect', tag: 'drive-thru', roles: ANY_OFFICER, json: inspectBody, summary: 'Accept or reject every item (serving → inspected, or rejected when none accepted)', success: { status: 200, schema: officerTicket }, errors: { 404: ['not_found'], 409: ['invalid_transition'] } },
  { method: 'post', path: '/api/officer/drive-thru/tickets/{ticket}/deliver', tag: 'drive-thru', roles: ANY_OFFICER, summary: 'Mark the accepted items delivered to the inmate', success: { status: 200, schema: officerTicket }, errors: { 404: ['not_found'], 409: ['invalid_transition'] } },
];
