import { z } from 'zod';
import { ANY_OFFICER, MANAGERS, type Operation } from '../http/openapi.ts';
import { boothBody, boothRenameBody, deviceBody, idParam } from './booth-routes.ts';

const at = z.iso.datetime({ offset: true });
export const boothSchema = z.strictObject({ id: z.uuid(), name: z.string(), createdAt: at });
export const boothDeviceSchema = z.strictObject({
  id: z.uuid(), boothId: z.uuid(), label: z.string(), createdBy: z.string(), createdAt: at, revokedAt: at.nullable(), active: z.boolean(),
});

export const boothOperations: Operation[] = [
  { method: 'get', path: '/api/booths', tag: 'booths', roles: ANY_OFFICER, summary: 'Booths of the facility', success: { status: 200, schema: z.strictObject({ booths: z.array(boothSchema) }) } },
  { method: 'post', path: '/api/booths', tag: 'booths', roles: MANAGERS, json: boothBody, summary: 'Add a booth (audited)', success: { status: 201, schema: z.strictObject({ booth: boothSchema }) }, errors: { 409: ['booth_name_taken'] } },
  { method: 'patch', path: '/api/booths/{id}', tag: 'booths', roles: MANAGERS, params: idParam, json: boothRenameBody, summary: 'Rename a booth (audited)', success: { status: 200, schema: z.strictObject({ booth: boothSchema }) }, errors: { 404: ['not_found'], 409: ['booth_name_taken'] } },
  { method: 'get', path: '/api/booths/{id}/devices', tag: 'booths', roles: ANY_OFFICER, params: idParam, summary: 'Devices enrolled for a booth, revoked ones too', success: { status: 200, schema: z.strictObject({ devices: z.array(boothDeviceSchema) }) }, errors: { 404: ['not_found'] } },
  {
    method: 'post', path: '/api/booths/{id}/devices', tag: 'booths', roles: MANAGERS, params: idParam, json: deviceBody, summary: 'Enrol a kiosk device for a booth (audited)',
    description: 'The device token (inside boothUrl) is shown only in this answer; revoking the device is what ends it.',
    success: { status: 201, schema: z.strictObject({ deviceId: z.uuid(), token: z.string(), boothUrl: z.url(), device: boothDeviceSchema }) }, errors: { 404: ['not_found'] },
  },
  {
    method: 'post', path: '/api/booth-devices/{id}/revoke', tag: 'booths', roles: MANAGERS, params: idParam, summary: 'Revoke a booth device; its open connections are closed (audited)',
    success: { status: 200, schema: z.strictObject({ device: boothDeviceSchema }) }, errors: { 404: ['not_found'], 409: ['already_revoked'] },
  },
];
