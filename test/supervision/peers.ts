import type { App } from '../../server/app.ts';
import { fakeAudioRtp, fakeVideoRtp, TestCallClient } from '../calls/socket-client.ts';
import type { SeededVisit } from '../helpers/seed-visit.ts';

let nextSsrc = 20_000;

export interface SimulatedParty {
  client: TestCallClient;
  peerId: string;
  audioProducerId: string;
  videoProducerId: string;
}

/** Joins, produces audio + video (signalling only, no RTP flows) and gets ready to receive. */
export async function joinAndProduce(app: App, auth: Record<string, unknown>, visitId?: string): Promise<SimulatedParty> {
  const client = await TestCallClient.open(app, auth);
  const joined = await client.ok('joinCall', visitId ? { visitId } : {});
  const send = await client.ok('createTransport', { direction: 'send' });
  const a = await client.ok('produce', { transportId: send.transportId, kind: 'audio', rtpParameters: fakeAudioRtp(nextSsrc++), source: 'microphone' });
  const v = await client.ok('produce', { transportId: send.transportId, kind: 'video', rtpParameters: fakeVideoRtp(nextSsrc++), source: 'camera' });
  await client.ok('createTransport', { direction: 'recv' });
  await client.ok('consumeReady', { rtpCapabilities: joined.routerRtpCapabilities as never });
  return { client, peerId: joined.peerId, audioProducerId: a.producerId, videoProducerId: v.producerId };
}

/** Booth and one family member in the visit's call, both sending audio and video. */
export async function liveCall(app: App, seeded: SeededVisit): Promise<{ booth: SimulatedParty; family: SimulatedParty }> {
  const booth = await joinAndProduce(app, { token: seeded.boothToken, role: 'booth' }, seeded.visitId);
  const family = await joinAndProduce(app, { token: seeded.joinTokens[0], role: 'family' });
  return { booth, family };
}
