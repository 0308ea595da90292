/**
 * N supervised calls through the project's real control plane, in this process: each call is a
 * seeded visit whose booth and family are admitted with their real tokens and joined through
 * CallService (Call, Room, LiveRecording with real kv-recorder processes, time limits), plus a hidden
 * officer observing it through Observation (one call focused: audio and video; the others the
 * grid: video only). Only the transports differ from production: plain RTP from the replay
 * generator instead of WebRTC (the CallService's transportFactory seam; the app never sets it).
 */
import type { types as ms } from 'mediasoup';
import type { App } from '../../../server/app.ts';
import { CallService, type Session } from '../../../server/calls/call-service.ts';
import type { PeerChannel } from '../../../server/calls/peer.ts';
import type { PeerTransportFactory } from '../../../server/calls/room.ts';
import { MemoryLiveState } from '../../../server/live-state/live-state.ts';
import { Observation } from '../../../server/monitoring/observation.ts';
import { replayPartySpec, replayRtpParameters, type RtpReplay } from '../../helpers/rtp-replay.ts';
import { seedVisit } from '../../helpers/seed-visit.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { inBatches, SINK, type CapacityDriver } from './driver.ts';
import { recordingRecorderPids } from './proc.ts';

interface LiveCall {
  visitId: string;
  booth: Session;
  family: Session;
  observation: Observation;
  partyIds: string[];
  ending: boolean;
}

/** Bench parties send from the generator (comedia) and receive at the sink; nothing else may use this. */
const plainTransports: PeerTransportFactory = async (router, peer, direction) => {
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: direction === 'send',
    appData: { peerId: peer.id, direction },
  });
  if (direction === 'recv') await transport.connect({ ip: SINK.ip, port: SINK.port });
  return transport;
};

export class StackDriver implements CapacityDriver {
  readonly label = 'stack' as const;
  readonly unexpectedEnds: string[] = [];
  readonly app: App;
  readonly worker: ms.Worker;
  readonly #service: CallService;
  readonly #replay: RtpReplay;
  readonly #live = new Map<string, LiveCall>();
  #nextCall = 0;

  private constructor(app: App, replay: RtpReplay) {
    this.app = app;
    this.worker = app.pool.leastLoaded();
    this.#replay = replay;
    this.#service = CallService.create({
      ctx: app.ctx,
      pool: app.pool,
      liveState: MemoryLiveState.create(),
      listenIp: '127.0.0.1',
      announcedAddress: '127.0.0.1',
      nodeId: 'bench-capacity',
      transportFactory: plainTransports,
    });
  }

  /**
   * The real app with one mediasoup worker and a port range wide enough for hundreds of calls, below
   * Linux's ephemeral range (32768–60999), where the recorders' ports are: kept apart, so the
   * benchmark's port use reads plainly.
   */
  static async startApp(): Promise<App> {
    return startTestApp({ MEDIASOUP_WORKERS: '1', RTC_MIN_PORT: '20000', RTC_MAX_PORT: '29999', MEDIASOUP_LOG_LEVEL: 'error' });
  }

  static create(app: App, replay: RtpReplay): StackDriver {
    return new StackDriver(app, replay);
  }

  get calls(): number {
    return this.#live.size;
  }

  async grow(total: number): Promise<void> {
    const indexes = Array.from({ length: Math.max(0, total - this.#live.size) }, () => this.#nextCall++);
    await inBatches(indexes, 4, (i) => this.#openCall(i));
  }

  #channel(visitId: string): PeerChannel {
    return {
      notify: (method, data) => {
        if (method !== 'callEnded') return;
        const call = this.#live.get(visitId);
        if (call && !call.ending) {
          this.unexpectedEnds.push(`${visitId}: ${(data as { reason: string }).reason}`);
          this.#forget(call);
        }
      },
      // The client acks every new consumer at once (the room then resumes it).
      request: async () => true,
    };
  }

  async #openCall(index: number): Promise<void> {
    const seeded = await seedVisit(this.app);
    const channel = this.#channel(seeded.visitId);
    const booth = (await this.#service.join(await this.#service.admit(seeded.boothToken, 'booth'), channel, seeded.visitId)).session;
    const family = (await this.#service.join(await this.#service.admit(seeded.joinTokens[0], 'family'), channel)).session;
    const partyIds: string[] = [];
    for (const s of [booth, family]) {
      const room = await s.call.room();
      const send = (await room.createTransport(s.peer, 'send')) as ms.PlainTransport;
      const ssrcs = { audio: this.#replay.ssrc(), video: this.#replay.ssrc() };
      await room.produce(s.peer, send.id, 'audio', replayRtpParameters('audio', ssrcs.audio), 'microphone');
      await room.produce(s.peer, send.id, 'video', replayRtpParameters('video', ssrcs.video), 'camera');
      const id = `${seeded.visitId}-${s.peer.id}`;
      this.#replay.add([replayPartySpec(id, send.tuple.localPort, ssrcs)]);
      partyIds.push(id);
    }
    for (const s of [booth, family]) {
      const room = await s.call.room();
      await room.createTransport(s.peer, 'recv');
      await room.consumeReady(s.peer, room.rtpCapabilities);
    }
    const { observation } = await Observation.start({
      call: booth.call,
      peerId: `officer-bench-${index}`,
      displayName: 'Petugas',
      channel: { notify: () => {}, request: async () => true },
      onEnded: () => {},
    });
    await observation.ready(observation.room.rtpCapabilities);
    if (index === 0) await observation.setFocused(true);
    this.#live.set(seeded.visitId, { visitId: seeded.visitId, booth, family, observation, partyIds, ending: false });
  }

  #forget(call: LiveCall): void {
    this.#replay.remove(call.partyIds);
    this.#live.delete(call.visitId);
  }

  /** The family hangs up (the last family member leaving a live call ends it); the generator stops their media. */
  async endAll(): Promise<void> {
    const calls = [...this.#live.values()];
    for (const c of calls) c.ending = true;
    await inBatches(calls, 8, async (c) => {
      await this.#service.hangUp(c.family);
      this.#forget(c);
    });
  }

  recorderPids(): number[] {
    return recordingRecorderPids();
  }

  async close(): Promise<void> {
    await this.endAll();
    await this.#service.close();
  }
}
