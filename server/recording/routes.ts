import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { appendAudit } from '../audit/audit-log.ts';
import { officerOf, requireOfficer } from '../auth/require-officer.ts';
import { officerStanding } from '../auth/officer-standing.ts';
import { TokenError } from '../auth/tokens.ts';
import type { AppContext } from '../context.ts';
import { HttpError } from '../http/errors.ts';
import { parseInput } from '../http/validate.ts';
import { MANIFEST_FILE, type Manifest } from './manifest.ts';
import type { RecordingStatus } from '../storage/tables.ts';

/** Finished recordings whose files can be read (incomplete: a track is missing, the rest plays). */
const FINISHED: readonly RecordingStatus[] = ['complete', 'incomplete'];

const listQuery = z.strictObject({
  date: z.iso.date().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const visitParam = z.strictObject({ visitId: z.uuid() });
const playbackBody = z.strictObject({ file: z.string().regex(/^[A-Za-z0-9_-]{1,80}\.webm$/, 'must be a segment file name of this recording') });

/**
 * Officers list recordings of their facility, read a manifest, and play a segment through a
 * short-lived URL. Every manifest read and every playback is audited.
 */
export function recordingRoutes(ctx: AppContext): Router {
  const router = Router();
  const officer = requireOfficer(ctx);

  async function recordingOf(facilityId: string, visitId: string) {
    const row = await ctx.storage.db.selectFrom('recordings').selectAll().where('visit_id', '=', visitId).executeTakeFirst();
    // Another facility's recording answers exactly like a missing one.
    if (!row || row.facility_id !== facilityId) throw new HttpError(404, 'not_found', 'recording not found');
    return row;
  }

  async function manifestOf(dir: string): Promise<Manifest> {
    try {
      return JSON.parse(await readFile(path.join(ctx.config.recordingsDir, dir, MANIFEST_FILE), 'utf8')) as Manifest;
    } catch {
      throw new HttpError(409, 'recording_not_finished', 'recording has no manifest yet');
    }
  }

  router.get('/recordings', officer, async (req, res) => {
    const q = parseInput(listQuery, req.query, 'query');
    let query = ctx.storage.db
      .selectFrom('recordings')
      .innerJoin('visits', 'visits.id', 'recordings.visit_id')
      .innerJoin('inmates', 'inmates.id', 'visits.inmate_id')
      .innerJoin('booths', 'booths.id', 'visits.booth_id')
      .select([
        'recordings.visit_id as visitId', 'recordings.status', 'recordings.started_at as startedAt', 'recordings.ended_at as endedAt',
        'recordings.bytes', 'recordings.segment_count as segmentCount', 'recordings.gap_count as gapCount',
        'inmates.name as inmateName', 'inmates.registration_number as registrationNumber', 'booths.name as boothName',
      ])
      .where('recordings.facility_id', '=', officerOf(req).fac)
      .orderBy('recordings.started_at', 'desc')
      .limit(q.limit);
    if (q.date) query = query.where('recordings.dir', 'like', `%/${q.date}/%`);
    res.json({ recordings: await query.execute() });
  });

  router.get('/recordings/:visitId', officer, async (req, res) => {
    const { visitId } = parseInput(visitParam, req.params, 'path');
    const claims = officerOf(req);
    const row = await recordingOf(claims.fac, visitId);
    const manifest = FINISHED.includes(row.status) ? await manifestOf(row.dir) : null;
    await appendAudit(ctx.storage, { actorKind: 'officer', actorId: claims.sub, facilityId: claims.fac, action: 'recording.inspect', subjectKind: 'visit', subjectId: visitId });
    res.json({ recording: { visitId, status: row.status, startedAt: row.started_at, endedAt: row.ended_at, bytes: row.bytes }, manifest });
  });

  router.post('/recordings/:visitId/playback', officer, async (req, res) => {
    const { visitId } = parseInput(visitParam, req.params, 'path');
    const { file } = parseInput(playbackBody, req.body);
    const claims = officerOf(req);
    const row = await recordingOf(claims.fac, visitId);
    if (!FINISHED.includes(row.status)) throw new HttpError(409, 'recording_not_available', `recording is ${row.status}`);
    const manifest = await manifestOf(row.dir);
    // A segment whose file was never written (listed as missing) cannot be played either.
    if (!manifest.segments.some((s) => s.file === file && !s.missing)) throw new HttpError(404, 'not_found', 'no such segment in this recording');
    const { token, expiresAt } = ctx.tokens.signPlayback({ sub: claims.sub, fac: claims.fac, visit: visitId, file, sid: claims.sid, epoch: claims.epoch });
    await appendAudit(ctx.storage, {
      actorKind: 'officer', actorId: claims.sub, facilityId: claims.fac, action: 'recording.play', subjectKind: 'visit', subjectId: visitId, details: { file },
    });
    res.json({ url: `/api/recordings/stream/${token}`, expiresAt: expiresAt.toISOString() });
  });

  // Range requests are served by express's sendFile; the token names exactly one file.
  router.get('/recordings/stream/:token', async (req, res, next) => {
    let claims;
    try {
      claims = ctx.tokens.verify('playback', req.params.token);
    } catch (err) {
      if (err instanceof TokenError) throw new HttpError(401, `token_${err.problem}`, 'playback link invalid or expired');
      throw err;
    }
    // The link lives only as long as its officer: disabled, moved out of the facility or signed out ends it.
    const standing = await officerStanding(ctx.storage, claims);
    if (!standing.ok || standing.mustChangePassword) {
      throw new HttpError(401, 'token_revoked', 'playback link no longer valid');
    }
    const row = await recordingOf(claims.fac, claims.visit);
    if (!FINISHED.includes(row.status)) throw new HttpError(410, 'recording_gone', `recording is ${row.status}`);
    res.sendFile(claims.file, { root: path.join(ctx.config.recordingsDir, row.dir), dotfiles: 'deny', acceptRanges: true, headers: { 'content-type': 'video/webm', 'cache-control': 'private, no-store' } }, (err) => {
      if (err) next(err);
    });
  });

  return router;
}
