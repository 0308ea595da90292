import { z } from 'zod';
import { ANY_OFFICER, type Operation } from '../http/openapi.ts';
import { endBody, extendBody, muteBody, visitParam, warnBody } from './routes.ts';

const party = z.strictObject({
  peerId: z.string(), role: z.string(), displayName: z.string(), state: z.enum(['connected', 'reconnecting']),
  audioMuted: z.boolean(), videoMuted: z.boolean(),
  officerMuted: z.strictObject({ audio: z.boolean(), video: z.boolean() }),
  recorded: z.strictObject({ audio: z.boolean(), video: z.boolean() }),
});
const callView = z.strictObject({
  visitId: z.uuid(), boothName: z.string(),
  inmate: z.strictObject({ name: z.string(), registrationNumber: z.string() }),
  visitors: z.array(z.strictObject({ id: z.uuid(), name: z.string() })),
  startedAt: z.iso.datetime({ offset: true }).nullable(), deadline: z.iso.datetime({ offset: true }), privileged: z.boolean(),
  recording: z.enum(['recording', 'starting', 'not_recorded', 'failed']),
  parties: z.array(party),
});
const ok = z.strictObject({ ok: z.literal(true) });
const noCall = { 404: ['not_found'] } as const;

/** Live calls of the officer's facility on this node; the extension limit is the configured supervision.maxExtensionMinutes. */
export function callOperations(maxExtensionMinutes: number): Operation[] {
  return [
    { method: 'get', path: '/api/calls', tag: 'calls', roles: ANY_OFFICER, summary: 'Live calls of the facility with their parties and recording state', success: { status: 200, schema: z.strictObject({ calls: z.array(callView) }) } },
    { method: 'post', path: '/api/calls/{visitId}/warn', tag: 'calls', roles: ANY_OFFICER, params: visitParam, json: warnBody, summary: 'Show a warning to both parties (audited)', success: { status: 200, schema: ok }, errors: noCall },
    { method: 'post', path: '/api/calls/{visitId}/mute', tag: 'calls', roles: ANY_OFFICER, params: visitParam, json: muteBody, summary: 'Mute or unmute a party\'s audio or video (audited)', success: { status: 200, schema: ok }, errors: noCall },
    { method: 'post', path: '/api/calls/{visitId}/end', tag: 'calls', roles: ANY_OFFICER, params: visitParam, json: endBody, summary: 'End the call with a reason (audited)', success: { status: 200, schema: ok }, errors: noCall },
    {
      method: 'post', path: '/api/calls/{visitId}/extend', tag: 'calls', roles: ANY_OFFICER, params: visitParam, json: extendBody(maxExtensionMinutes), summary: 'Extend the call (audited)',
      success: { status: 200, schema: z.strictObject({ deadline: z.iso.datetime({ offset: true }) }) }, errors: { ...noCall, 409: ['schedule_conflict', 'visit_closed'] },
    },
  ];
}
