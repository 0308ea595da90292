// The real server (config, startApp, the signal handling of server/main.ts) with one recorded
// call in it: the booth joins through signalling, and both parties' media is real RTP from
// synthetic parties (ffmpeg over loopback) into the call's router, handed to the call's
// recording as the call service does for a browser's producers. Run as its own process by
// test/server/stop-signals.test.ts, so signals and kills hit a real server.
// Env: SYNTHETIC_CLIP (from encodeSyntheticClip), PARTIES_LEAVE_AFTER_MS (0: they never leave),
// RESUME_VISIT (the `visit` of an earlier run's log: the call of that visit starts again).
import { loadConfig } from '../../server/config/load.ts';
import { createLogger } from '../../server/logging/logger.ts';
import { startApp } from '../../server/app.ts';
import { stopOnSignals } from '../../server/shutdown.ts';
import { TestCallClient } from '../calls/socket-client.ts';
import { seedVisit } from './seed-visit.ts';
import { startSyntheticParty } from './synthetic-party.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const app = await startApp(config, logger);
stopOnSignals(app, logger);

interface TestVisit { visitId: string; boothToken: string; inmateName: string; visitorId: string; visitorName: string }
const visit: TestVisit = process.env.RESUME_VISIT
  ? (JSON.parse(process.env.RESUME_VISIT) as TestVisit)
  : await seedVisit(app, { visitorNames: ['Siti Aminah'] }).then((v) => ({
      visitId: v.visitId, boothToken: v.boothToken, inmateName: v.inmate.name, visitorId: v.visitors[0]!.id, visitorName: v.visitors[0]!.name,
    }));
const booth = await TestCallClient.open(app, { token: visit.boothToken, role: 'booth' });
await booth.ok('joinCall', { visitId: visit.visitId });
const call = app.calls.call(visit.visitId)!;
const recording = app.calls.supervision(visit.visitId)!.recording;
const clip = process.env.SYNTHETIC_CLIP;
const parties = [
  { party: { id: 'booth', role: 'inmate' as const, name: visit.inmateName }, media: await startSyntheticParty(call.currentRoom.router, { clip }) },
  { party: { id: `family-${visit.visitorId}`, role: 'family' as const, name: visit.visitorName }, media: await startSyntheticParty(call.currentRoom.router, { clip }) },
];
await Promise.all(parties.map((p) => recording.partyMedia({ party: p.party, audio: p.media.audio, video: p.media.video })));
const row = await app.storage.db.selectFrom('recordings').select(['dir']).where('visit_id', '=', visit.visitId).executeTakeFirstOrThrow();
logger.info({ visitId: visit.visitId, dir: row.dir, recording: recording.state, visit }, 'test call recording');

const leaveAfter = Number(process.env.PARTIES_LEAVE_AFTER_MS ?? 0);
if (leaveAfter > 0) {
  setTimeout(() => {
    void Promise.all(parties.map((p) => p.media.stop())).then(() => logger.info({ visitId: visit.visitId }, 'test parties left'));
  }, leaveAfter);
}
