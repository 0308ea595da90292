/**
 * The same calls on bare mediasoup: per call a router, each party's plain send transport with its
 * two producers, a plain receive transport per party and for the hidden officer, and one plain
 * transport per recorded track; the same consumers as the stack creates (each party the other's
 * audio + video, the officer both videos and, in the focused call, both audios, the recorder all
 * four). No control plane and no recorder processes: the recording consumers go to the sink too.
 */
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { mediaCodecs, receiveCapabilities, browserRtpCapabilities } from '../../../server/calls/media-config.ts';
import { replayPartySpec, replayRtpParameters, type RtpReplay } from '../../helpers/rtp-replay.ts';
import { inBatches, SINK, type CapacityDriver } from './driver.ts';

interface BareCall {
  router: ms.Router;
  partyIds: string[];
}

const listenInfo: ms.TransportListenInfo = { protocol: 'udp', ip: '127.0.0.1' };

export class BareDriver implements CapacityDriver {
  readonly label = 'bare' as const;
  readonly unexpectedEnds: string[] = [];
  readonly worker: ms.Worker;
  readonly #replay: RtpReplay;
  readonly #live: BareCall[] = [];
  #nextCall = 0;

  private constructor(worker: ms.Worker, replay: RtpReplay) {
    this.worker = worker;
    this.#replay = replay;
  }

  static async startWorker(): Promise<ms.Worker> {
    return mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 20000, rtcMaxPort: 29999 });
  }

  static create(worker: ms.Worker, replay: RtpReplay): BareDriver {
    return new BareDriver(worker, replay);
  }

  get calls(): number {
    return this.#live.length;
  }

  async grow(total: number): Promise<void> {
    const indexes = Array.from({ length: Math.max(0, total - this.#live.length) }, () => this.#nextCall++);
    await inBatches(indexes, 4, (i) => this.#openCall(i));
  }

  async #sinkTransport(router: ms.Router, rtcpMux: boolean): Promise<ms.PlainTransport> {
    const t = await router.createPlainTransport({ listenInfo, rtcpMux, comedia: false });
    await t.connect({ ip: SINK.ip, port: SINK.port, ...(rtcpMux ? {} : { rtcpPort: SINK.port }) });
    return t;
  }

  async #openCall(index: number): Promise<void> {
    const router = await this.worker.createRouter({ mediaCodecs });
    const viewerCaps = receiveCapabilities(browserRtpCapabilities(router.rtpCapabilities));
    const parties: Array<{ audio: ms.Producer; video: ms.Producer }> = [];
    const partyIds: string[] = [];
    for (let p = 0; p < 2; p++) {
      const send = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
      const ssrcs = { audio: this.#replay.ssrc(), video: this.#replay.ssrc() };
      const audio = await send.produce({ kind: 'audio', rtpParameters: replayRtpParameters('audio', ssrcs.audio) });
      const video = await send.produce({ kind: 'video', rtpParameters: replayRtpParameters('video', ssrcs.video) });
      parties.push({ audio, video });
      const id = `bare-${index}-${p}`;
      this.#replay.add([replayPartySpec(id, send.tuple.localPort, ssrcs)]);
      partyIds.push(id);
    }
    const viewerConsume = (t: ms.PlainTransport, producer: ms.Producer) =>
      t.consume({ producerId: producer.id, rtpCapabilities: viewerCaps, enableRtx: true, ignoreDtx: true });
    for (let p = 0; p < 2; p++) {
      const recv = await this.#sinkTransport(router, true);
      const other = parties[1 - p]!;
      await viewerConsume(recv, other.audio);
      await viewerConsume(recv, other.video);
    }
    const officer = await this.#sinkTransport(router, true);
    for (const party of parties) {
      await viewerConsume(officer, party.video);
      if (index === 0) await viewerConsume(officer, party.audio);
    }
    for (const party of parties) {
      for (const producer of [party.audio, party.video]) {
        const t = await this.#sinkTransport(router, false);
        await t.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
      }
    }
    this.#live.push({ router, partyIds });
  }

  async endAll(): Promise<void> {
    for (const c of this.#live.splice(0)) {
      this.#replay.remove(c.partyIds);
      c.router.close();
    }
  }

  recorderPids(): number[] {
    return [];
  }

  async close(): Promise<void> {
    await this.endAll();
    this.worker.close();
  }
}
