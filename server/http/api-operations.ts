import { joinCheckOperations } from '../calls/operations.ts';
import type { Config } from '../config/schema.ts';
import { familyBookingOperations } from '../family/booking-operations.ts';
import { boothOperations } from '../facilities/operations.ts';
import { familyOperations } from '../family/operations.ts';
import { healthOperations } from '../health/operations.ts';
import { notificationOperations } from '../notifications/operations.ts';
import { authOperations, facilityOperations, officerAccountOperations } from '../officers/operations.ts';
import { operations as publicServicesOperations } from '../public-services/openapi.ts';
import { recordingOperations } from '../recording/operations.ts';
import { callOperations } from '../supervision/operations.ts';
import { facilityRulesOperations, inmateOperations, visitOperations, visitorOperations } from '../visits/operations.ts';
import { openApiDocument, type Operation } from './openapi.ts';

/** Tags in the order the reference page shows them. */
const TAGS: Record<string, string> = {
  auth: 'Officer sign-in and session',
  visits: 'Booking visits, join links, privileged (counsel) approval',
  inmates: 'Inmates (WBP) and their registered visitors',
  booths: 'Booths and their kiosk devices',
  calls: 'Supervising live calls',
  recordings: 'Recordings and playback',
  officers: 'Officer accounts (admins)',
  remisi: 'Remission information',
  complaints: 'Complaints (pengaduan)',
  'drive-thru': 'Drive-thru parcel drop-off (titipan barang)',
  facilities: 'Facilities',
  notifications: 'Messages to families the desk passes on',
  family: 'Family self-service: registration, verification, one-time-code sign-in, booking (family session)',
  health: 'Service health',
  meta: 'This description',
};

const metaOperations: Operation[] = [
  { method: 'get', path: '/api/openapi.json', tag: 'meta', summary: 'This document (OpenAPI 3.1); a readable reference at /api-docs/', success: { status: 200, description: 'OpenAPI 3.1 document' } },
];

/**
 * Every HTTP endpoint of the server, each capability's list in turn. A new endpoint is one entry in
 * its capability's operations.ts; test/http/openapi.test.ts fails for a route missing here.
 */
export function apiOperations(config: Pick<Config, 'supervision'>): Operation[] {
  return [
    ...authOperations,
    ...visitOperations,
    ...joinCheckOperations,
    ...facilityRulesOperations,
    ...inmateOperations,
    ...visitorOperations,
    ...boothOperations,
    ...callOperations(config.supervision.maxExtensionMinutes),
    ...recordingOperations,
    ...officerAccountOperations,
    ...facilityOperations,
    ...notificationOperations,
    ...familyOperations,
    ...familyBookingOperations,
    ...publicServicesOperations,
    ...healthOperations,
    ...metaOperations,
  ];
}

/** GET /api/openapi.json: the whole HTTP API, officer and public. */
export function apiDocument(config: Pick<Config, 'supervision'>, serverUrl?: string): Record<string, unknown> {
  return openApiDocument(apiOperations(config), {
    title: 'Kunjungan Video',
    description: [
      'Supervised video visits and public services for Indonesian correctional facilities (Lapas / Rutan).',
      'Officer endpoints need `Authorization: Bearer <token>` from POST /api/auth/login; the token is scoped to one facility, and ids of other facilities answer like unknown ones.',
      'Bodies are JSON, camelCase. Errors: `{ error: { code, message, fields? } }`; `code` is stable, `message` is English for developers.',
      'Live calls (family, booth, officer observation) use socket.io at /socket.io with messages validated by server/signalling/messages.ts; they are not part of this document.',
    ].join('\n\n'),
    tags: TAGS,
    serverUrl,
  });
}
