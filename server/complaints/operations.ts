import { z } from 'zod';
import { ANY_OFFICER, type Operation } from '../http/openapi.ts';
import {
  complaintAssignBody, complaintCategories, complaintCreated, complaintListQuery, complaintPublicView, complaintSubmitBody, complaintTransitionBody,
} from './schemas.ts';

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

export const complaintOperations: Operation[] = [
  {
    method: 'post', path: '/api/complaints', tag: 'complaints', summary: 'File a complaint (JSON, or multipart with an image)', json: complaintSubmitBody,
    multipart: { schema: complaintSubmitBody, file: 'attachment', fileNote: 'JPEG, PNG or WebP by content, ≤ publicServices.complaints.attachmentMaxBytes' },
    success: { status: 201, schema: complaintCreated }, errors: { 400: ['bad_multipart', 'invalid_json', 'payload_too_large'], 429: ['rate_limited'] },
  },
  { method: 'get', path: '/api/complaints/{ticket}', tag: 'complaints', trackingCode: true, summary: 'Status and public responses of a complaint', success: { status: 200, schema: complaintPublicView }, errors: { 404: ['not_found'], 429: ['rate_limited'] } },
  { method: 'get', path: '/api/officer/complaints', tag: 'complaints', roles: ANY_OFFICER, query: complaintListQuery, summary: 'Complaints of the facility, overdue flagged, by due date', success: { status: 200, schema: z.object({ complaints: z.array(complaintRow) }) } },
  { method: 'get', path: '/api/officer/complaint-assignees', tag: 'complaints', roles: ANY_OFFICER, summary: 'Officers a complaint can be assigned to', success: { status: 200, schema: z.object({ officers: z.array(z.object({ id: z.string(), displayName: z.string(), role: z.string() })) }) } },
  { method: 'get', path: '/api/officer/complaints/{id}', tag: 'complaints', roles: ANY_OFFICER, summary: 'One complaint with the reporter (audited)', success: { status: 200, schema: complaintDetail }, errors: { 404: ['not_found'] } },
  { method: 'get', path: '/api/officer/complaints/{id}/attachment', tag: 'complaints', roles: ANY_OFFICER, summary: 'The attached image (audited)', success: { status: 200, mediaType: 'image/*', description: 'the image' }, errors: { 404: ['not_found'] } },
  { method: 'post', path: '/api/officer/complaints/{id}/assign', tag: 'complaints', roles: ANY_OFFICER, json: complaintAssignBody, summary: 'Assign to an officer of the facility', success: { status: 200, schema: z.object({ id: z.string(), assignee: z.object({ id: z.string(), displayName: z.string() }) }) }, errors: { 404: ['not_found'], 409: ['complaint_closed'] } },
  { method: 'post', path: '/api/officer/complaints/{id}/transition', tag: 'complaints', roles: ANY_OFFICER, json: complaintTransitionBody, summary: 'new → in_progress → resolved / rejected, with a public response to close', success: { status: 200, schema: z.object({ id: z.string(), status: complaintStatus }) }, errors: { 404: ['not_found'], 409: ['invalid_transition'] } },
];
