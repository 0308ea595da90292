import { complaintOperations } from '../complaints/operations.ts';
import { driveThruOperations } from '../drive-thru/operations.ts';
import { openApiDocument, type Operation } from '../http/openapi.ts';
import { remisiOperations } from '../remisi/operations.ts';
import { publicFacilityList } from './facilities.ts';

/** The public-services part of the API; the whole API's document (GET /api/openapi.json) includes these. */
export const publicServicesOwnOperations: Operation[] = [
  { method: 'get', path: '/api/public-services/openapi.json', tag: 'meta', summary: 'The public-services part of the API document (GET /api/openapi.json has the whole API)', success: { status: 200, description: 'OpenAPI 3.1 document' } },
  { method: 'get', path: '/api/public/facilities', tag: 'facilities', summary: 'Facilities the public forms offer', success: { status: 200, schema: publicFacilityList } },
];

/** Every public-services endpoint. The test checks this list against the mounted routes both ways. */
export const operations: Operation[] = [...publicServicesOwnOperations, ...remisiOperations, ...complaintOperations, ...driveThruOperations];

/** The OpenAPI 3.1 document of the public services alone, built from the same zod schemas the routes validate with. */
export function publicServicesOpenApi(serverUrl?: string): Record<string, unknown> {
  return openApiDocument(operations, {
    title: 'Kunjungan Video: public services',
    description: 'Remisi lookup, pengaduan (complaints) and drive-thru parcel tickets. Officer endpoints need Authorization: Bearer <token from POST /api/auth/login>. The whole API: GET /api/openapi.json.',
    serverUrl,
  });
}
