import { Router, type Request } from 'express';
import { z } from 'zod';
import { audited } from '../audit/audit-log.ts';
import { assertSameFacility, officerOf, requireOfficer } from '../auth/require-officer.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { boothUrl } from '../visits/links.ts';
import {
  boothDeviceView, boothView, createBooth, enrolBoothDevice, findBooth, findBoothDevice, listBoothDevices, listBooths, renameBooth, revokeBoothDevice,
} from './booth-store.ts';

const idParam = z.strictObject({ id: z.uuid() });
export const boothBody = z.strictObject({ name: z.string().trim().min(1).max(80) });
/** PATCH /api/booths/:id */
export const boothRenameBody = boothBody;
const deviceBody = z.strictObject({ label: z.string().trim().min(1).max(80) });

/**
 * GET/POST /api/booths, PATCH /api/booths/:id, GET/POST /api/booths/:id/devices, POST /api/booth-devices/:id/revoke.
 * Everyone reads; only supervisors and admins add booths and enrol or revoke devices.
 */
export function boothRoutes(ctx: AppContext): Router {
  const router = Router();
  const anyOfficer = requireOfficer(ctx);
  const manager = requireOfficer(ctx, ['supervisor', 'admin']);

  async function boothOf(req: Request) {
    const { id } = parseInput(idParam, req.params, 'path');
    const booth = await findBooth(ctx.storage, id);
    if (!booth) throw new HttpError(404, 'not_found', 'booth not found');
    assertSameFacility(req, booth.facility_id);
    return booth;
  }

  router.get('/booths', anyOfficer, async (req, res) => {
    res.json({ booths: (await listBooths(ctx.storage, officerOf(req).fac)).map(boothView) });
  });

  router.post('/booths', manager, async (req, res) => {
    const officer = officerOf(req);
    const { name } = parseInput(boothBody, req.body);
    const existing = await listBooths(ctx.storage, officer.fac);
    if (existing.some((b) => b.name.toLowerCase() === name.toLowerCase())) throw new HttpError(409, 'booth_name_taken', 'a booth with this name exists');
    const booth = await audited(ctx.storage, (tx) => createBooth(tx, officer.fac, name), (created) => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'booth.created', subjectKind: 'booth', subjectId: created.id, details: { name },
    }));
    res.status(201).json({ booth: boothView(booth) });
  });

  // Devices keep working: their token names the booth by id, not by name.
  router.patch('/booths/:id', manager, async (req, res) => {
    const booth = await boothOf(req);
    const officer = officerOf(req);
    const { name } = parseInput(boothRenameBody, req.body);
    const others = (await listBooths(ctx.storage, officer.fac)).filter((b) => b.id !== booth.id);
    if (others.some((b) => b.name.toLowerCase() === name.toLowerCase())) throw new HttpError(409, 'booth_name_taken', 'a booth with this name exists');
    if (name !== booth.name) {
      await audited(ctx.storage, (tx) => renameBooth(tx, booth.id, name), () => ({
        actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'booth.renamed', subjectKind: 'booth', subjectId: booth.id, details: { from: booth.name, to: name },
      }));
    }
    res.json({ booth: boothView({ ...booth, name }) });
  });

  router.get('/booths/:id/devices', anyOfficer, async (req, res) => {
    const booth = await boothOf(req);
    res.json({ devices: (await listBoothDevices(ctx.storage, booth.id)).map(boothDeviceView) });
  });

  // The device token is shown once, here; only the device row is stored, so revoking it is what ends the token.
  router.post('/booths/:id/devices', manager, async (req, res) => {
    const booth = await boothOf(req);
    const officer = officerOf(req);
    const { label } = parseInput(deviceBody, req.body);
    const device = await audited(ctx.storage, (tx) => enrolBoothDevice(tx, booth.id, label, officer.sub), (enrolled) => ({
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'booth_device.enrolled', subjectKind: 'booth_device', subjectId: enrolled.id,
      details: { boothId: booth.id, label },
    }));
    const token = ctx.tokens.signBooth(device.id, booth.id, booth.facility_id);
    res.set('Cache-Control', 'no-store');
    res.status(201).json({ deviceId: device.id, token, boothUrl: boothUrl(ctx.publicUrl(), token), device: boothDeviceView(device) });
  });

  router.post('/booth-devices/:id/revoke', manager, async (req, res) => {
    const officer = officerOf(req);
    const { id } = parseInput(idParam, req.params, 'path');
    const device = await findBoothDevice(ctx.storage, id);
    if (!device) throw new HttpError(404, 'not_found', 'booth device not found');
    assertSameFacility(req, device.facility_id);
    const revoked = await audited(ctx.storage, (tx) => revokeBoothDevice(tx, id), (done) => done ? {
      actorKind: 'officer', actorId: officer.sub, facilityId: officer.fac, action: 'booth_device.revoked', subjectKind: 'booth_device', subjectId: id,
      details: { boothId: device.booth_id, label: device.label },
    } : undefined);
    if (!revoked) throw new HttpError(409, 'already_revoked', 'this device is already revoked');
    ctx.revocations.publish({ kind: 'boothDevice', deviceId: id });
    const { facility_id: _facility, ...row } = (await findBoothDevice(ctx.storage, id))!;
    res.json({ device: boothDeviceView(row) });
  });

  return router;
}
