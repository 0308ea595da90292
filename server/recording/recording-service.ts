import path from 'node:path';
import type { types as ms } from 'mediasoup';
import type { AppContext } from '../context.ts';
import { CallRecording } from './call-recording.ts';
import { hasUnrecordedTrack, sha256File, MANIFEST_FILE, type Manifest } from './manifest.ts';

export interface RecordedCall {
  readonly recording: CallRecording;
  /** Stops every party, writes the manifest and completes the index row. Idempotent. */
  finish(): Promise<Manifest>;
}

/** Starts the recording of a call and keeps the durable index (table recordings) in step. */
export async function startRecordedCall(
  ctx: Pick<AppContext, 'config' | 'storage' | 'logger'>,
  call: { router: ms.Router; visitId: string; facilityId: string; timezone: string },
  onFailure?: (err: Error) => void,
): Promise<RecordedCall> {
  const recording = await CallRecording.create({
    router: call.router,
    recordingsDir: ctx.config.recordingsDir,
    facilityId: call.facilityId,
    timezone: call.timezone,
    visitId: call.visitId,
    recorderPath: ctx.config.recorderPath,
    ffmpegPath: ctx.config.ffmpegPath,
    logger: ctx.logger,
    onFailure,
  });
  const row = {
    visit_id: call.visitId,
    facility_id: call.facilityId,
    dir: path.relative(ctx.config.recordingsDir, recording.dir),
    status: 'recording' as const,
    started_at: new Date().toISOString(),
    ended_at: null,
    bytes: 0,
    segment_count: 0,
    gap_count: 0,
    manifest_sha256: null,
    purged_at: null,
  };
  // A visit recorded again (call restarted after a server restart) keeps one index row.
  await ctx.storage.db
    .insertInto('recordings')
    .values(row)
    .onConflict((oc) => oc.column('visit_id').doUpdateSet({ status: 'recording', ended_at: null }))
    .execute();
  let finished: Promise<Manifest> | undefined;
  return {
    recording,
    finish() {
      finished ??= (async () => {
        try {
          const manifest = await recording.stop();
          await ctx.storage.db
            .updateTable('recordings')
            .set({
              status: hasUnrecordedTrack(manifest) ? 'incomplete' : 'complete',
              ended_at: manifest.endedAt,
              bytes: manifest.segments.reduce((n, s) => n + s.bytes, 0),
              segment_count: manifest.segments.length,
              gap_count: manifest.gaps.length,
              manifest_sha256: await sha256File(path.join(recording.dir, MANIFEST_FILE)),
            })
            .where('visit_id', '=', call.visitId)
            .execute();
          return manifest;
        } catch (err) {
          // A row left 'recording' would block playback and retention forever.
          ctx.logger.error({ visitId: call.visitId, err: (err as Error).message }, 'recording could not be completed, marking it failed');
          await ctx.storage.db
            .updateTable('recordings')
            .set({ status: 'failed', ended_at: new Date().toISOString() })
            .where('visit_id', '=', call.visitId)
            .execute()
            .catch((e: Error) => ctx.logger.error({ visitId: call.visitId, err: e.message }, 'could not mark recording failed'));
          throw err;
        }
      })();
      return finished;
    },
  };
}
