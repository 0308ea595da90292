import { z } from 'zod';
import { ANY_OFFICER, type Operation } from '../http/openapi.ts';
import { DESK_STATUSES } from './outbox-store.ts';
import { deskListQuery, idParam } from './routes.ts';

const at = z.iso.datetime({ offset: true });
const deskMessage = z.strictObject({
  id: z.uuid(),
  status: z.enum(DESK_STATUSES),
  template: z.string(),
  language: z.string(),
  recipient: z.strictObject({ name: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable() }),
  subject: z.string(),
  text: z.string().describe('the message as the family would get it, in their language and the facility\'s zone'),
  whatsappUrl: z.string().nullable().describe('wa.me link with the text filled in, when the recipient has a phone'),
  mailtoUrl: z.string().nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: at,
  expiresAt: at.nullable(),
});

export const notificationOperations: Operation[] = [
  {
    method: 'get', path: '/api/notifications', tag: 'notifications', roles: ANY_OFFICER, query: deskListQuery, summary: 'Messages to families that no channel carried, for the desk to send by hand (audited)',
    description: 'manual: the facility has no channel for the recipient; failed: every attempt failed.',
    success: { status: 200, schema: z.strictObject({ status: z.enum(DESK_STATUSES), messages: z.array(deskMessage) }) },
  },
  {
    method: 'post', path: '/api/notifications/{id}/handled', tag: 'notifications', roles: ANY_OFFICER, params: idParam, json: z.strictObject({}), bodyOptional: true, summary: 'The desk passed a message on (audited)',
    success: { status: 200, schema: z.strictObject({ id: z.uuid(), status: z.literal('handled'), handledAt: at }) }, errors: { 404: ['not_found'], 409: ['not_waiting'] },
  },
];
