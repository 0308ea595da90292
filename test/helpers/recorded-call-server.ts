// The real server (config, startApp, the signal handling of server/main.ts) with one recorded
// call in it: the booth joins through signalling, and both parties' media is real RTP from
// synthetic parties (ffmpeg over loopback) into the call's router, handed to the call's
// recording as the call service does for a browser's producers. Run as its own process by
// test/server/stop-signals.test.ts, so signals and kills hit a real server.
// Env: SYNTHETIC_CLIP (from encodeSyntheticClip), PARTIES_LEAVE_AFTER_MS (0: they never leave).
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

const seeded = await seedVisit(app, { visitorNames: ['Siti Aminah'] });
const booth = await TestCallClient.open(app, { token: seeded.boothToken, role: 'booth' });
await booth.ok('joinCall', { visitId: seeded.visitId });
const call = app.calls.call(seeded.visitId)!;
const recording = app.calls.supervision(seeded.visitId)!.recording;
const clip = process.env.SYNTHETIC_CLIP;
const parties = [
  { party: { id: 'booth', role: 'inmate' as const, name: seeded.inmate.name }, media: await startSyntheticParty(call.currentRoom.router, { clip }) },
  { party: { id: `family-${seeded.visitors[0]!.id}`, role: 'family' as const, name: seeded.visitors[0]!.name }, media: await startSyntheticParty(call.currentRoom.router, { clip }) },
];
await Promise.all(parties.map((p) => recording.partyMedia({ party: p.party, audio: p.media.audio, video: p.media.video })));
const row = await app.storage.db.selectFrom('recordings').select(['dir']).where('visit_id', '=', seeded.visitId).executeTakeFirstOrThrow();
logger.info({ visitId: seeded.visitId, dir: row.dir, recording: recording.state }, 'test call recording');

const leaveAfter = Number(process.env.PARTIES_LEAVE_AFTER_MS ?? 0);
if (leaveAfter > 0) {
  setTimeout(() => {
    void Promise.all(parties.map((p) => p.media.stop())).then(() => logger.info({ visitId: seeded.visitId }, 'test parties left'));
  }, leaveAfter);
}
