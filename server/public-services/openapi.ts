import { z } from 'zod';
import {
  complaintAssignBody, complaintCategories, complaintCreated, complaintListQuery, complaintPublicView,
  complaintSubmitBody, complaintTransitionBody,
} from '../complaints/schemas.ts';
import {
  bookingBody, bookingCreated, facilityQuery, inspectBody, nowServingView, officerSessionsQuery, officerTicketsQuery,
  sessionCreateBody, sessionsQuery, sessionView, ticketPublicView,
} from '../drive-thru/schemas.ts';
import { remisiImportResult, remisiLookupBody, remisiSummary, remisiView } from '../remisi/schemas.ts';
import { publicFacilityList } from './facilities.ts';

type Method = 'get' | 'post';

export interface Operation {
  method: Method;
  /** OpenAPI path template, e.g. /api/complaints/{ticket} */
  path: string;
  summary: string;
  tag: 'remisi' | 'complaints' | 'drive-thru' | 'facilities' | 'meta';
  officer?: boolean;
  query?: z.ZodObject;
  json?: z.ZodType;
  multipart?: { schema: z.ZodType; file: string; fileNote: string };
  trackingCode?: boolean;
  success: { status: number; schema?: z.ZodType; description?: string; mediaType?: string };
  errors: number[];
}

const complaintStatus = z.enum(['new', 'in_progress', 'resolved', 'rejected']);
const complaintRow = z.object({
  id: z.uuid(), ticket: z.string(), category: z.enum(complaintCategories), status: complaintStatus, summary: z.string(),
  anonymous: z.boolean(), createdAt: z.iso.datetime(), dueAt: z.iso.datetime(), overdue: z.boolean(),
  assignee: z.object({ id: z.string(), displayName: z.string().nullable() }).nullable(), hasAttachment: z.boolean(),
});
const complaintDetail = z.object({
  id: z.uuid(), ticket: z.string(), category: z.enum(complaintCategories), status: complaintStatus, description: z.string(),
  anonymous: z.boolean(), reporterName: z.string().nullable(), contact: z.string().nullable(),
  createdAt: z.iso.datetime(), dueAt: z.iso.datetime(), overdue: z.boolean(), assignedTo: z.string().nullable(),
  attachment: z.object({ mediaType: z.string(), sizeBytes: z.number().int() }).nullable(),
  history: z.array(z.object({ status: complaintStatus, response: z.string().nullable(), officerId: z.string().nullable(), at: z.iso.datetime() })),
});
const officerTicket = ticketPublicView.extend({
  items: z.array(ticketPublicView.shape.items.element.extend({ id: z.string() })),
  inmate: z.object({ name: z.string(), registrationNumber: z.string(), block: z.string() }),
  visitor: z.object({ name: z.string(), nik: z.string(), relationship: z.string() }),
});

/** Every public-services endpoint. The test checks this list against the mounted routes both ways. */
export const operations: Operation[] = [
  { method: 'get', path: '/api/public-services/openapi.json', tag: 'meta', summary: 'This document', success: { status: 200, description: 'OpenAPI 3.1 document' }, errors: [] },
  { method: 'get', path: '/api/public/facilities', tag: 'facilities', summary: 'Facilities the public forms offer', success: { status: 200, schema: publicFacilityList }, errors: [] },

  { method: 'post', path: '/api/remisi/lookup', tag: 'remisi', summary: 'Look up remisi with the registration number and a registered family NIK', json: remisiLookupBody, success: { status: 200, schema: remisiView }, errors: [400, 404, 429] },
  { method: 'get', path: '/api/officer/remisi', tag: 'remisi', officer: true, summary: 'Imported remisi records of the officer\'s facility', success: { status: 200, schema: remisiSummary }, errors: [401] },
  { method: 'post', path: '/api/officer/remisi/import', tag: 'remisi', officer: true, summary: 'Import remisi CSV (all rows or nothing); supervisors and admins', multipart: { schema: z.object({}), file: 'file', fileNote: 'CSV, ≤ 2 MB, header: registration_number,name,remission_type,remission_year,remission_days,decree_number,expected_release_date,pb_eligible_date,cb_eligible_date' }, success: { status: 201, schema: remisiImportResult }, errors: [400, 401, 403] },

  { method: 'post', path: '/api/complaints', tag: 'complaints', summary: 'File a complaint (JSON, or multipart with an image)', json: complaintSubmitBody, multipart: { schema: complaintSubmitBody, file: 'attachment', fileNote: 'JPEG, PNG or WebP by content, ≤ publicServices.complaints.attachmentMaxBytes' }, success: { status: 201, schema: complaintCreated }, errors: [400, 429] },
  { method: 'get', path: '/api/complaints/{ticket}', tag: 'complaints', trackingCode: true, summary: 'Status and public responses of a complaint', success: { status: 200, schema: complaintPublicView }, errors: [404, 429] },
  { method: 'get', path: '/api/officer/complaints', tag: 'complaints', officer: true, query: complaintListQuery, summary: 'Complaints of the facility, overdue flagged, by due date', success: { status: 200, schema: z.object({ complaints: z.array(complaintRow) }) }, errors: [400, 401] },
  { method: 'get', path: '/api/officer/complaint-assignees', tag: 'complaints', officer: true, summary: 'Officers a complaint can be assigned to', success: { status: 200, schema: z.object({ officers: z.array(z.object({ id: z.string(), displayName: z.string(), role: z.string() })) }) }, errors: [401] },
  { method: 'get', path: '/api/officer/complaints/{id}', tag: 'complaints', officer: true, summary: 'One complaint with the reporter (audited)', success: { status: 200, schema: complaintDetail }, errors: [401, 404] },
  { method: 'get', path: '/api/officer/complaints/{id}/attachment', tag: 'complaints', officer: true, summary: 'The attached image (audited)', success: { status: 200, mediaType: 'image/*', description: 'the image' }, errors: [401, 404] },
  { method: 'post', path: '/api/officer/complaints/{id}/assign', tag: 'complaints', officer: true, json: complaintAssignBody, summary: 'Assign to an officer of the facility', success: { status: 200, schema: z.object({ id: z.string(), assignee: z.object({ id: z.string(), displayName: z.string() }) }) }, errors: [400, 401, 404, 409] },
  { method: 'post', path: '/api/officer/complaints/{id}/transition', tag: 'complaints', officer: true, json: complaintTransitionBody, summary: 'new → in_progress → resolved / rejected, with a public response to close', success: { status: 200, schema: z.object({ id: z.string(), status: complaintStatus }) }, errors: [400, 401, 404, 409] },

  { method: 'get', path: '/api/drive-thru/categories', tag: 'drive-thru', summary: 'Item categories and the prohibited ones with reasons', success: { status: 200, schema: z.object({ allowed: z.array(z.string()), prohibited: z.array(z.object({ category: z.string(), reason: z.string() })) }) }, errors: [] },
  { method: 'get', path: '/api/drive-thru/sessions', tag: 'drive-thru', query: sessionsQuery, summary: 'Open sessions of a facility with remaining places', success: { status: 200, schema: z.object({ sessions: z.array(sessionView) }) }, errors: [400, 404] },
  { method: 'post', path: '/api/drive-thru/tickets', tag: 'drive-thru', json: bookingBody, summary: 'Book a drop-off (409 with nextSession when full, 422 for prohibited items or an unregistered pair)', success: { status: 201, schema: bookingCreated }, errors: [400, 409, 422, 429] },
  { method: 'get', path: '/api/drive-thru/tickets/{ticket}', tag: 'drive-thru', trackingCode: true, summary: 'Ticket status for the family', success: { status: 200, schema: ticketPublicView }, errors: [404, 429] },
  { method: 'get', path: '/api/drive-thru/now-serving', tag: 'drive-thru', query: facilityQuery, summary: 'Queue numbers being served today', success: { status: 200, schema: nowServingView }, errors: [400, 404] },
  { method: 'post', path: '/api/officer/drive-thru/sessions', tag: 'drive-thru', officer: true, json: sessionCreateBody, summary: 'Create a session; supervisors and admins', success: { status: 201, schema: sessionView }, errors: [400, 401, 403, 409] },
  { method: 'get', path: '/api/officer/drive-thru/sessions', tag: 'drive-thru', officer: true, query: officerSessionsQuery, summary: 'Sessions of a day (default today)', success: { status: 200, schema: z.object({ date: z.iso.date(), sessions: z.array(sessionView) }) }, errors: [400, 401] },
  { method: 'get', path: '/api/officer/drive-thru/tickets', tag: 'drive-thru', officer: true, query: officerTicketsQuery, summary: 'Queue of one session', success: { status: 200, schema: z.object({ tickets: z.array(z.object({ ticket: z.string(), queueNumber: z.number().int(), status: z.string(), inmateName: z.string() })) }) }, errors: [400, 401, 404] },
  { method: 'get', path: '/api/officer/drive-thru/tickets/{ticket}', tag: 'drive-thru', officer: true, summary: 'Find a ticket by its number or QR content', success: { status: 200, schema: officerTicket }, errors: [401, 404] },
  { method: 'post', path: '/api/officer/drive-thru/tickets/{ticket}/serve', tag: 'drive-thru', officer: true, summary: 'Call the ticket to the station (booked → serving)', success: { status: 200, schema: officerTicket }, errors: [401, 404, 409] },
  { method: 'post', path: '/api/officer/drive-thru/tickets/{ticket}/inspect', tag: 'drive-thru', officer: true, json: inspectBody, summary: 'Accept or reject every item (serving → inspected, or rejected when none accepted)', success: { status: 200, schema: officerTicket }, errors: [400, 401, 404, 409] },
  { method: 'post', path: '/api/officer/drive-thru/tickets/{ticket}/deliver', tag: 'drive-thru', officer: true, summary: 'Mark the accepted items delivered to the inmate', success: { status: 200, schema: officerTicket }, errors: [401, 404, 409] },
];

const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), fields: z.record(z.string(), z.array(z.string())).optional() }),
});

const json = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

function operationObject(op: Operation) {
  const parameters: object[] = [];
  for (const name of op.path.match(/\{(\w+)\}/g) ?? []) {
    parameters.push({ name: name.slice(1, -1), in: 'path', required: true, schema: { type: 'string' } });
  }
  if (op.query) {
    for (const [name, schema] of Object.entries(op.query.shape)) {
      parameters.push({ name, in: 'query', required: !(schema as z.ZodType).safeParse(undefined).success, schema: json(schema as z.ZodType, 'input') });
    }
  }
  if (op.trackingCode) parameters.push({ name: 'X-Tracking-Code', in: 'header', required: true, schema: { type: 'string' }, description: 'tracking code given at submission' });
  const content: Record<string, object> = {};
  if (op.json) content['application/json'] = { schema: json(op.json, 'input') };
  if (op.multipart) {
    const base = json(op.multipart.schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    content['multipart/form-data'] = {
      schema: {
        type: 'object',
        properties: { ...(base.properties ?? {}), [op.multipart.file]: { type: 'string', format: 'binary', description: op.multipart.fileNote } },
        required: [...(base.required ?? []), ...(op.tag === 'remisi' ? [op.multipart.file] : [])],
      },
    };
  }
  const responses: Record<string, object> = {
    [op.success.status]: {
      description: op.success.description ?? 'OK',
      ...(op.success.schema ? { content: { 'application/json': { schema: json(op.success.schema, 'output') } } } : op.success.mediaType ? { content: { [op.success.mediaType]: {} } } : {}),
    },
  };
  for (const status of op.errors) responses[status] = { $ref: `#/components/responses/E${status}` };
  return {
    operationId: `${op.method}${op.path.replace(/^\/api/, '').replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: op.summary,
    tags: [op.tag],
    ...(op.officer ? { security: [{ officerToken: [] }] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(Object.keys(content).length ? { requestBody: { required: true, content } } : {}),
    responses,
  };
}

const errorMeaning: Record<number, string> = {
  400: 'invalid input; error.fields names each bad field',
  401: 'officer login required',
  403: 'role not allowed',
  404: 'not found (also a wrong tracking code or an unknown / unregistered pair, indistinguishably)',
  409: 'conflict: full session (body has nextSession), wrong status, duplicate',
  422: 'refused: prohibited items (reasons in error.fields) or an unregistered NIK / registration pair',
  429: 'rate limited; see Retry-After',
};

/** The OpenAPI 3.1 document, built from the same zod schemas the routes validate with. */
export function publicServicesOpenApi(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kunjungan Video: public services',
      version: '1.0.0',
      description: 'Remisi lookup, pengaduan (complaints) and drive-thru parcel tickets. Officer endpoints need Authorization: Bearer <token from POST /api/auth/login>.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: { officerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: json(errorBody, 'output') },
      responses: Object.fromEntries(
        Object.entries(errorMeaning).map(([status, description]) => [
          `E${status}`,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
}
