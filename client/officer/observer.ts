import { Device } from 'mediasoup-client';
import type { types as msc } from 'mediasoup-client';
import type { Notification, RequestData, RequestMethod, ResponseData } from '../../server/signalling/messages.ts';
import { RequestError, Signalling } from '../call/signalling.ts';


interface Watched {
  transport: msc.Transport;
  /** peerId → the party's received tracks (video always, audio while focused) */
  streams: Map<string, MediaStream>;
  consumers: Map<string, msc.Consumer>;
}

export interface ObserverEvents {
  /** media of a watched call changed (a track came or went) */
  media(visitId: string): void;
  /** the server stopped the observation (call ended, media reset) or the socket dropped */
  ended(visitId: string, reason: string): void;
  /** the officer token was refused: sign in again */
  refused(code: string): void;
}

/**
 * The officer's silent view of the facility's calls over the call signalling (role 'officer'):
 * one mediasoup-client Device, one receive transport per watched call, never a send transport.
 */
export class Observer {
  readonly #signalling: Signalling;
  readonly #on: ObserverEvents;
  readonly #watched = new Map<string, Watched>();
  readonly #pending = new Map<string, Promise<void>>();
  #device: Device | undefined;
  #focused: string | null = null;

  constructor(token: string, on: ObserverEvents) {
    this.#on = on;
    this.#signalling = new Signalling(token, 'officer', {
      connected: () => {},
      refused: (code) => on.refused(code),
      // The server forgets a connection's observations when it drops; the grid observes again.
      disconnected: () => {
        for (const visitId of [...this.#watched.keys()]) this.#drop(visitId, 'disconnected');
      },
      notification: (n) => {
        const result = this.#onNotification(n);
        if (result instanceof Promise) return result;
        return result === false ? Promise.resolve(false) : undefined;
      },
    });
  }

  get connected(): boolean {
    return this.#signalling.connected;
  }

  watching(visitId: string): boolean {
    return this.#watched.has(visitId) || this.#pending.has(visitId);
  }

  watchedIds(): string[] {
    return [...this.#watched.keys()];
  }

  stream(visitId: string, peerId: string): MediaStream | undefined {
    return this.#watched.get(visitId)?.streams.get(peerId);
  }

  #request<M extends RequestMethod>(method: M, data: RequestData<M>): Promise<ResponseData<M>> {
    return this.#signalling.request(method, data);
  }

  /** Starts watching a call (low video layer, no audio until focused). Idempotent while running. */
  observe(visitId: string): Promise<void> {
    const running = this.#pending.get(visitId);
    if (running) return running;
    if (this.#watched.has(visitId)) return Promise.resolve();
    const p = this.#observe(visitId).finally(() => this.#pending.delete(visitId));
    this.#pending.set(visitId, p);
    return p;
  }

  async #observe(visitId: string): Promise<void> {
    if (!this.#signalling.connected) throw new RequestError('offline', 'not connected');
    const o = await this.#request('observeCall', { visitId });
    if (!this.#device) {
      const device = new Device();
      await device.load({ routerRtpCapabilities: o.routerRtpCapabilities as unknown as msc.RtpCapabilities });
      this.#device = device;
    }
    const transport = this.#device.createRecvTransport({
      id: o.transport.transportId,
      iceParameters: o.transport.iceParameters as unknown as msc.IceParameters,
      iceCandidates: o.transport.iceCandidates as unknown as msc.IceCandidate[],
      dtlsParameters: o.transport.dtlsParameters as unknown as msc.DtlsParameters,
    });
    transport.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.#request('connectTransport', { transportId: transport.id, dtlsParameters: dtlsParameters as RequestData<'connectTransport'>['dtlsParameters'] }).then(() => ok(), fail);
    });
    transport.on('connectionstatechange', (state) => {
      if (state === 'failed') void this.#request('restartIce', { transportId: transport.id }).then((r) => transport.restartIce({ iceParameters: r.iceParameters as unknown as msc.IceParameters })).catch(() => {});
    });
    this.#watched.set(visitId, { transport, streams: new Map(), consumers: new Map() });
    await this.#request('observeReady', { visitId, rtpCapabilities: this.#device.rtpCapabilities as unknown as RequestData<'observeReady'>['rtpCapabilities'] });
    if (this.#focused === visitId) await this.#request('focusCall', { visitId });
  }

  async unobserve(visitId: string): Promise<void> {
    if (!this.#watched.has(visitId)) return;
    this.#drop(visitId, 'unobserved');
    await this.#request('unobserveCall', { visitId }).catch(() => {});
  }

  /** One call in full quality with its audio; null: back to the grid (no audio at all). */
  async focus(visitId: string | null): Promise<void> {
    this.#focused = visitId;
    if (visitId === null || this.#watched.has(visitId)) await this.#request('focusCall', { visitId });
  }

  #onNotification(n: Notification): Promise<boolean> | boolean | void {
    switch (n.method) {
      case 'newConsumer': {
        const w = n.data.visitId ? this.#watched.get(n.data.visitId) : undefined;
        if (!w) return false;
        const visitId = n.data.visitId!;
        return (async () => {
          const consumer = await w.transport.consume({
            id: n.data.consumerId,
            producerId: n.data.producerId,
            kind: n.data.kind,
            rtpParameters: n.data.rtpParameters as unknown as msc.RtpParameters,
            appData: { peerId: n.data.peerId },
          });
          w.consumers.set(consumer.id, consumer);
          let stream = w.streams.get(n.data.peerId);
          if (!stream) w.streams.set(n.data.peerId, (stream = new MediaStream()));
          for (const old of stream.getTracks()) if (old.kind === consumer.track.kind) stream.removeTrack(old);
          stream.addTrack(consumer.track);
          this.#on.media(visitId);
          return true;
        })();
      }
      case 'consumerClosed':
        for (const [visitId, w] of this.#watched) {
          const c = w.consumers.get(n.data.consumerId);
          if (!c) continue;
          w.consumers.delete(c.id);
          w.streams.get((c.appData as { peerId: string }).peerId)?.removeTrack(c.track);
          c.close();
          this.#on.media(visitId);
        }
        return;
      case 'observationEnded':
        this.#drop(n.data.visitId, n.data.reason);
        return;
      default:
        return;
    }
  }

  #drop(visitId: string, reason: string): void {
    const w = this.#watched.get(visitId);
    if (!w) return;
    this.#watched.delete(visitId);
    w.transport.close();
    this.#on.ended(visitId, reason);
  }

  /** Receive counters per call (tests read them: headless Chromium has no audio output). */
  async stats(visitId: string): Promise<{ framesDecoded: number; videoPackets: number; audioPackets: number; totalSamplesReceived: number }> {
    const out = { framesDecoded: 0, videoPackets: 0, audioPackets: 0, totalSamplesReceived: 0 };
    const w = this.#watched.get(visitId);
    if (!w) return out;
    const report = await w.transport.getStats().catch(() => undefined);
    report?.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') {
        out.framesDecoded += Number(s.framesDecoded ?? 0);
        out.videoPackets += Number(s.packetsReceived ?? 0);
      } else {
        out.audioPackets += Number(s.packetsReceived ?? 0);
        out.totalSamplesReceived += Number(s.totalSamplesReceived ?? 0);
      }
    });
    return out;
  }

  close(): void {
    for (const visitId of [...this.#watched.keys()]) this.#drop(visitId, 'closed');
    this.#signalling.close();
  }
}
