import { z } from 'zod';
import { ANY_OFFICER, type Operation } from '../http/openapi.ts';
import { listQuery, playbackBody, visitParam } from './routes.ts';

const at = z.iso.datetime({ offset: true });
const status = z.enum(['recording', 'complete', 'incomplete', 'purged', 'failed']);
const manifest = z
  .looseObject({
    version: z.literal(1), visitId: z.uuid(), facilityId: z.uuid(), startedAt: at, endedAt: at,
    parties: z.array(z.looseObject({ id: z.string(), role: z.enum(['inmate', 'family']), name: z.string() })),
    segments: z.array(z.looseObject({ party: z.string(), file: z.string(), startedAt: at, endedAt: at, bytes: z.number(), sha256: z.string().nullable(), missing: z.literal(true).optional() })),
    gaps: z.array(z.looseObject({ party: z.string(), from: at, to: at, reason: z.string() })),
  })
  .nullable()
  .describe('null until the recording is finished; segment files are played through POST …/playback');

export const recordingOperations: Operation[] = [
  {
    method: 'get', path: '/api/recordings', tag: 'recordings', roles: ANY_OFFICER, query: listQuery, summary: 'Recordings of the facility, newest first',
    success: {
      status: 200,
      schema: z.strictObject({
        recordings: z.array(z.strictObject({
          visitId: z.uuid(), status, startedAt: at, endedAt: at.nullable(), bytes: z.number().nullable(), segmentCount: z.number().int().nullable(), gapCount: z.number().int().nullable(),
          inmateName: z.string(), registrationNumber: z.string(), boothName: z.string(),
        })),
      }),
    },
  },
  {
    method: 'get', path: '/api/recordings/{visitId}', tag: 'recordings', roles: ANY_OFFICER, params: visitParam, summary: 'One recording and its manifest (audited)',
    success: { status: 200, schema: z.strictObject({ recording: z.strictObject({ visitId: z.uuid(), status, startedAt: at, endedAt: at.nullable(), bytes: z.number().nullable() }), manifest }) },
    errors: { 404: ['not_found'], 409: ['recording_not_finished'] },
  },
  {
    method: 'post', path: '/api/recordings/{visitId}/playback', tag: 'recordings', roles: ANY_OFFICER, params: visitParam, json: playbackBody, summary: 'A short-lived URL to play one segment file (audited)',
    success: { status: 200, schema: z.strictObject({ url: z.string().describe('GET /api/recordings/stream/{token}'), expiresAt: at }) },
    errors: { 404: ['not_found'], 409: ['recording_not_available', 'recording_not_finished'] },
  },
  {
    method: 'get', path: '/api/recordings/stream/{token}', tag: 'recordings', summary: 'Stream a segment (Range requests supported); the URL itself is the credential',
    description: 'Valid only while the officer who asked for it stays signed in, enabled and assigned to the facility.',
    success: { status: 200, mediaType: 'video/webm', description: 'the segment file' },
    otherResponses: [{ status: 206, mediaType: 'video/webm', description: 'the requested byte range' }],
    errors: { 401: ['token_invalid', 'token_expired', 'token_revoked'], 404: ['not_found'], 410: ['recording_gone'] },
  },
];
