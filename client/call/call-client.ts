import { Device } from 'mediasoup-client';
import type { types as msc } from 'mediasoup-client';
import type { EndReason, Notification, PeerInfo, RefusalCode, RefusalDetails, ResponseData } from '../../server/signalling/messages.ts';
import { RequestError, Signalling } from './signalling.ts';
import { clearSupervisionNotices, showSupervisionNotice } from './supervision-notices.ts';
import { QualityMeter, type Quality, type QualityDetail } from './connection-quality.ts';

export type CallState =
  | 'connecting' // socket not (yet) connected
  | 'refused' // token refused: final
  | 'ready' // connected, not in the call
  | 'joining'
  | 'waiting' // in the call, the other side is not there
  | 'in-call'
  | 'reconnecting' // network or media dropped, trying to get back
  | 'lost' // dropped for longer than LOST_AFTER_MS, still trying
  | 'ended' // the call ended (see endReason)
  | 'taken-over'; // the same link was opened elsewhere: final

export type { Quality } from './connection-quality.ts';

export interface RemoteTile {
  peer: PeerInfo;
  stream: MediaStream;
  /** The SFU stopped forwarding this party's camera because our link is too weak (audio goes on). */
  videoSuspended: boolean;
  /** The party's microphone is paused (by itself or an officer): nothing is forwarded. */
  micMuted: boolean;
  /** The party's camera is paused (by itself or an officer). */
  cameraOff: boolean;
}

export type MediaKind = 'audio' | 'video';

/** This side's own media: what the party switched off, and what an officer holds off. */
export interface LocalMediaState {
  off: Record<MediaKind, boolean>;
  officer: Record<MediaKind, boolean>;
}

/** Outcome of a mute / unmute: 'muted_by_officer' when the server refused to lift an officer's mute. */
export type MuteOutcome = 'ok' | 'muted_by_officer' | 'failed';

export interface TransportSecurity {
  direction: 'send' | 'recv';
  dtlsState: string;
  srtpCipher: string;
  dtlsCipher: string;
}

/** What the SFU last told us about one video consumer. */
interface VideoForwarding {
  peerId: string;
  producerPaused: boolean;
  /** null: the link fits no layer, so no video is forwarded */
  spatialLayer: number | null | undefined;
}

export interface CallClientEvents {
  state(state: CallState): void;
  remotes(tiles: RemoteTile[]): void;
  deadline(deadline: Date): void;
  quality(q: Quality, detail: QualityDetail): void;
  media(state: LocalMediaState): void;
}

/** A drop longer than this is shown as "call lost" (reconnection keeps trying). */
export const LOST_AFTER_MS = 15_000;
const ICE_RESTART_AFTER_MS = 2_000;
const QUALITY_EVERY_MS = 2_000;

/** A step of joining, on the page's performance timeline (bench:join reads where the time goes). */
export function markStep(step: string): void {
  performance.mark?.(`kv:${step}`);
}

/** Simulcast encodings for the camera: three layers where the resolution allows, else two. */
export function cameraEncodings(height: number): msc.RtpEncodingParameters[] {
  if (height >= 360) {
    return [
      { scaleResolutionDownBy: 4, maxBitrate: 120_000, scalabilityMode: 'L1T3' },
      { scaleResolutionDownBy: 2, maxBitrate: 350_000, scalabilityMode: 'L1T3' },
      { scaleResolutionDownBy: 1, maxBitrate: 900_000, scalabilityMode: 'L1T3' },
    ];
  }
  return [
    { scaleResolutionDownBy: 2, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
    { scaleResolutionDownBy: 1, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
  ];
}

/**
 * One party's side of the call: the signalling connection, the mediasoup-client Device, a send
 * and a receive transport, and recovery (ICE restart on a media drop, rebuilt transports after
 * the socket reconnects with the same token).
 */
export class CallClient {
  readonly #signalling: Signalling;
  readonly #on: Partial<CallClientEvents>;
  readonly #remotePeers = new Map<string, PeerInfo>();
  readonly #remoteStreams = new Map<string, MediaStream>();
  readonly #consumers = new Map<string, msc.Consumer>();
  readonly #videoForwarding = new Map<string, VideoForwarding>();
  /** by audio consumer id: whose microphone, and whether its producer is paused */
  readonly #audioPaused = new Map<string, { peerId: string; paused: boolean }>();
  readonly #producers: Partial<Record<MediaKind, msc.Producer>> = {};
  /** What this party switched off itself; kept across rebuilt media (re-applied to new producers). */
  readonly #off: Record<MediaKind, boolean> = { audio: false, video: false };
  readonly #officerOff: Record<MediaKind, boolean> = { audio: false, video: false };
  /** the device and the router capabilities (JSON) it was loaded for; a router with others gets a new one */
  #device: { caps: string; loading: Promise<Device> } | undefined;
  #send: msc.Transport | undefined;
  #recv: msc.Transport | undefined;
  #local: MediaStream | undefined;
  /** The camera and microphone, maybe still starting: the call is received meanwhile. */
  #localReady: Promise<MediaStream> | undefined;
  /** Counts media teardowns: a build that outlived its media stops instead of publishing on closed transports. */
  #mediaGeneration = 0;
  #visitId: string | undefined;
  #joined = false;
  #state: CallState = 'connecting';
  #hello: Promise<ResponseData<'hello'>>;
  #resolveHello!: (h: ResponseData<'hello'>) => void;
  #rejectHello!: (e: Error) => void;
  #lostTimer: number | undefined;
  #iceTimers = new Map<string, number>();
  #qualityTimer: number | undefined;
  readonly #qualityMeter = new QualityMeter();
  #rebuilding: Promise<void> | undefined;
  #retryTimer: number | undefined;
  endReason: EndReason | undefined;
  refusal: RefusalCode | undefined;
  /** what the server said with the refusal (a link opened early: the visit's start) */
  refusalDetails: RefusalDetails = {};
  /** how many times the media was rebuilt after a drop (tests read it) */
  rebuilds = 0;
  iceRestarts = 0;

  constructor(token: string, role: 'family' | 'booth', on: Partial<CallClientEvents>) {
    this.#on = on;
    this.#hello = new Promise((resolve, reject) => {
      this.#resolveHello = resolve;
      this.#rejectHello = reject;
    });
    this.#hello.catch(() => {});
    this.#signalling = new Signalling(token, role, {
      connected: (first) => {
        if (first) markStep('socket');
        void this.#onConnected(first);
      },
      refused: (code, details) => {
        this.refusal = code;
        this.refusalDetails = details ?? {};
        // Also mid-call (a revoked device, an expired token): the server closed this side's media.
        this.#joined = false;
        this.#teardownMedia();
        this.#stopQuality();
        this.#setState('refused');
        this.#rejectHello(new RequestError(code, code));
      },
      disconnected: (willReconnect) => {
        if (this.#state === 'ended' || this.#state === 'taken-over' || this.#state === 'refused') return;
        if (!willReconnect) return;
        this.#dropped();
      },
      notification: (n) => this.#onNotification(n),
    });
  }

  get state(): CallState {
    return this.#state;
  }

  /** The hello reply of the first connection; rejects with the refusal code. */
  hello(): Promise<ResponseData<'hello'>> {
    return this.#hello;
  }

  /** Fresh hello (the booth polls its schedule with it). */
  refreshHello(): Promise<ResponseData<'hello'>> {
    return this.#signalling.request('hello', {});
  }

  #setState(state: CallState): void {
    if (this.#state === state) return;
    this.#state = state;
    if (state !== 'reconnecting' && state !== 'lost') {
      clearTimeout(this.#lostTimer);
      this.#lostTimer = undefined;
    }
    this.#on.state?.(state);
  }

  #dropped(): void {
    if (this.#state === 'reconnecting' || this.#state === 'lost') return;
    this.#setState('reconnecting');
    this.#lostTimer = window.setTimeout(() => {
      if (this.#state === 'reconnecting') this.#setState('lost');
    }, LOST_AFTER_MS);
  }

  async #onConnected(first: boolean): Promise<void> {
    if (first) {
      try {
        this.#resolveHello(await this.#signalling.request('hello', {}));
        this.#setState('ready');
      } catch (err) {
        this.#rejectHello(err as Error);
      }
      return;
    }
    // A reconnect with the same token: the server kept our place; rebuild the media on it.
    if (this.#joined) await this.#rebuild();
    else if (this.#state === 'reconnecting' || this.#state === 'lost' || this.#state === 'connecting') this.#setState('ready');
  }

  /**
   * Joins the call (family: the link's visit; booth: visitId). `local` may still be starting: the
   * other side is received at once and this side sends once the camera is there. If the camera
   * fails, nothing is sent; the page then leaves (leave()) and joins again when it works.
   */
  async join(local: MediaStream | Promise<MediaStream>, visitId?: string): Promise<void> {
    this.#local = local instanceof MediaStream ? local : undefined;
    this.#localReady = Promise.resolve(local).then((stream) => (this.#local = stream));
    this.#localReady.catch(() => {});
    this.#visitId = visitId;
    this.#joined = true;
    this.endReason = undefined;
    this.#setState('joining');
    this.#startQuality();
    await this.#connectMedia();
  }

  /** Builds the media; on failure either the call is over, or it retries until it is back. */
  async #connectMedia(): Promise<void> {
    clearTimeout(this.#retryTimer);
    try {
      await this.#buildMedia();
    } catch (err) {
      const code = err instanceof RequestError ? err.code : '';
      if (code === 'visit_over') {
        this.#finish('time_up');
        return;
      }
      if (!this.#joined) return;
      this.#dropped();
      // Without a socket the reconnect handler rebuilds; with one, try again shortly.
      if (this.#signalling.connected) this.#retryTimer = window.setTimeout(() => void this.#rebuild(), 3000);
    }
  }

  async #rebuild(): Promise<void> {
    if (this.#rebuilding) return this.#rebuilding;
    this.#rebuilding = (async () => {
      this.rebuilds++;
      this.#teardownMedia();
      await this.#connectMedia();
    })().finally(() => (this.#rebuilding = undefined));
    return this.#rebuilding;
  }

  async #buildMedia(): Promise<void> {
    const generation = this.#mediaGeneration;
    const joined = await this.#signalling.request('joinCall', this.#visitId ? { visitId: this.#visitId } : {});
    markStep('joined');
    if (generation !== this.#mediaGeneration) return; // left (or rebuilt) meanwhile
    this.#on.deadline?.(new Date(joined.deadline));
    this.#remotePeers.clear();
    for (const p of joined.peers) this.#remotePeers.set(p.peerId, p);
    // The server repeats an officer's mute when the new producers exist; one lifted meanwhile is gone.
    this.#officerOff.audio = this.#officerOff.video = false;
    this.#publishLocal();
    // The device probes the browser's codecs (a throwaway RTCPeerConnection) while the server creates
    // the transports, unless it was loaded already with these capabilities (preloadDevice).
    const [sendInfo, recvInfo, device] = await Promise.all([
      this.#signalling.request('createTransport', { direction: 'send' }),
      this.#signalling.request('createTransport', { direction: 'recv' }),
      this.#loadDevice(joined.routerRtpCapabilities),
    ]);
    markStep('transports');
    if (generation !== this.#mediaGeneration) return;
    const options = (info: typeof sendInfo): msc.TransportOptions => ({
      id: info.transportId,
      iceParameters: info.iceParameters as unknown as msc.IceParameters,
      iceCandidates: info.iceCandidates as unknown as msc.IceCandidate[],
      dtlsParameters: info.dtlsParameters as unknown as msc.DtlsParameters,
    });
    const send = device.createSendTransport(options(sendInfo));
    const recv = device.createRecvTransport(options(recvInfo));
    for (const t of [send, recv]) {
      t.on('connect', ({ dtlsParameters }, ok, fail) => {
        this.#signalling
          .request('connectTransport', { transportId: t.id, dtlsParameters: dtlsParameters as { fingerprints: Array<{ algorithm: string; value: string }> } })
          .then(() => ok(), fail);
      });
      t.on('connectionstatechange', (s) => this.#onTransportState(t, s));
    }
    send.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
      this.#signalling
        .request('produce', {
          transportId: send.id,
          kind,
          rtpParameters: rtpParameters as unknown as Record<string, never> & { codecs: never },
          source: (appData as { source: 'camera' | 'microphone' }).source,
        })
        .then(({ producerId }) => ok({ id: producerId }), fail);
    });
    this.#send = send;
    this.#recv = recv;
    this.#qualityMeter.reset();
    this.#publishRemotes();
    this.#setState(this.#remotePeers.size > 0 ? 'in-call' : 'waiting');

    // Receive first, publish in parallel (once the camera is there): the other side's picture should come as soon as possible.
    const published = this.#localReady!.then(
      (local) => (generation === this.#mediaGeneration ? this.#publish(send, local) : undefined),
      () => undefined, // no camera: the page leaves and shows why
    );
    await this.#signalling.request('consumeReady', { rtpCapabilities: device.rtpCapabilities as unknown as Record<string, never> });
    markStep('consume-ready');
    await published;
  }

  /** Sends the microphone and the camera on the send transport. */
  async #publish(send: msc.Transport, local: MediaStream): Promise<void> {
    const audio = local.getAudioTracks()[0];
    const video = local.getVideoTracks()[0];
    const produced: Promise<unknown>[] = [];
    if (audio) {
      produced.push(
        this.#keepProducer(send, {
          track: audio,
          stopTracks: false,
          encodings: [{ priority: 'high', networkPriority: 'high', dtx: true }],
          codecOptions: { opusStereo: false, opusDtx: true, opusFec: true },
          appData: { source: 'microphone' },
        }),
      );
    }
    if (video) {
      const height = video.getSettings().height ?? 480;
      produced.push(
        this.#keepProducer(send, {
          track: video,
          stopTracks: false,
          encodings: cameraEncodings(height),
          codecOptions: { videoGoogleStartBitrate: 600 },
          appData: { source: 'camera' },
        }),
      );
    }
    await Promise.all(produced);
  }

  /**
   * Loads the device for the router capabilities hello gave (the call is open), while the page
   * still starts the camera; the join then reuses it when joinCall names the same capabilities.
   */
  preloadDevice(routerRtpCapabilities: Record<string, unknown>): void {
    void this.#loadDevice(routerRtpCapabilities).catch(() => {});
  }

  #loadDevice(routerRtpCapabilities: Record<string, unknown>): Promise<Device> {
    const caps = JSON.stringify(routerRtpCapabilities);
    if (this.#device?.caps !== caps) {
      const device = new Device();
      const loading = device.load({ routerRtpCapabilities: routerRtpCapabilities as unknown as msc.RtpCapabilities }).then(() => {
        markStep('device');
        return device;
      });
      // A failed load is tried again at the next join.
      loading.catch(() => {
        if (this.#device?.loading === loading) this.#device = undefined;
      });
      this.#device = { caps, loading };
    }
    return this.#device.loading;
  }

  /** Produces and remembers the producer; a track the party had switched off stays off on the new producer. */
  async #keepProducer(send: msc.Transport, options: msc.ProducerOptions): Promise<void> {
    const producer = await send.produce(options);
    const kind = producer.kind as MediaKind;
    this.#producers[kind] = producer;
    if (this.#off[kind]) {
      producer.pause();
      await this.#signalling.request('setProducerPaused', { producerId: producer.id, paused: true }).catch(() => {});
    }
  }

  get localMedia(): LocalMediaState {
    return { off: { ...this.#off }, officer: { ...this.#officerOff } };
  }

  #publishLocal(): void {
    this.#on.media?.(this.localMedia);
  }

  /**
   * Switches this party's microphone (audio) or camera (video) off or on. The server pauses the
   * producer (the SFU stops forwarding, the other side is told); it refuses to lift an officer's mute.
   */
  async setOff(kind: MediaKind, off: boolean): Promise<MuteOutcome> {
    const producer = this.#producers[kind];
    if (!producer || producer.closed) {
      // Not sending yet: applied when the producer exists. An officer's mute is still the server's to lift.
      if (!off && this.#officerOff[kind]) return 'muted_by_officer';
      this.#off[kind] = off;
      this.#publishLocal();
      return 'ok';
    }
    if (off) producer.pause();
    try {
      await this.#signalling.request('setProducerPaused', { producerId: producer.id, paused: off });
    } catch (err) {
      if (off) producer.resume();
      if (err instanceof RequestError && err.code === 'muted_by_officer') {
        this.#officerOff[kind] = true;
        this.#publishLocal();
        return 'muted_by_officer';
      }
      return 'failed';
    }
    if (!off) producer.resume();
    this.#off[kind] = off;
    this.#publishLocal();
    return 'ok';
  }

  /** Sends another camera's track (front/back) in place of the current one, keeping the producer. */
  async replaceVideoTrack(track: MediaStreamTrack): Promise<void> {
    const local = this.#local;
    if (local) {
      for (const old of local.getVideoTracks()) if (old !== track) local.removeTrack(old);
      if (!local.getVideoTracks().includes(track)) local.addTrack(track);
    }
    const producer = this.#producers.video;
    if (producer && !producer.closed) await producer.replaceTrack({ track });
  }

  #teardownMedia(): void {
    this.#mediaGeneration++;
    clearTimeout(this.#retryTimer);
    for (const t of this.#iceTimers.values()) clearTimeout(t);
    this.#iceTimers.clear();
    this.#send?.close();
    this.#recv?.close();
    this.#send = undefined;
    this.#recv = undefined;
    this.#consumers.clear();
    this.#videoForwarding.clear();
    this.#audioPaused.clear();
    delete this.#producers.audio;
    delete this.#producers.video;
    for (const s of this.#remoteStreams.values()) for (const tr of s.getTracks()) s.removeTrack(tr);
  }

  #onTransportState(t: msc.Transport, s: msc.ConnectionState): void {
    if (t !== this.#send && t !== this.#recv) return;
    clearTimeout(this.#iceTimers.get(t.id));
    this.#iceTimers.delete(t.id);
    if (s === 'connected') {
      markStep(`${t === this.#send ? 'send' : 'recv'}-connected`);
      if ((this.#state === 'reconnecting' || this.#state === 'lost') && this.#signalling.connected && !this.#rebuilding) {
        this.#setState(this.#remotePeers.size > 0 ? 'in-call' : 'waiting');
      }
      return;
    }
    if (s === 'disconnected' || s === 'failed') {
      if (this.#state === 'in-call' || this.#state === 'waiting') this.#dropped();
      this.#iceTimers.set(
        t.id,
        window.setTimeout(() => void this.#restartIce(t), s === 'failed' ? 0 : ICE_RESTART_AFTER_MS),
      );
    }
  }

  async #restartIce(t: msc.Transport): Promise<void> {
    this.#iceTimers.delete(t.id);
    if (t.closed || !this.#signalling.connected) return; // the socket reconnect rebuilds everything
    try {
      const { iceParameters } = await this.#signalling.request('restartIce', { transportId: t.id });
      await t.restartIce({ iceParameters: iceParameters as unknown as msc.IceParameters });
      this.iceRestarts++;
    } catch {
      // The server no longer knows this transport (our place was replaced): start over.
      if (!t.closed) await this.#rebuild();
    }
  }

  #onNotification(n: Notification): Promise<boolean> | void {
    switch (n.method) {
      case 'newConsumer': {
        const recv = this.#recv;
        if (!recv) return Promise.resolve(false);
        return (async () => {
          const consumer = await recv.consume({
            id: n.data.consumerId,
            producerId: n.data.producerId,
            kind: n.data.kind,
            rtpParameters: n.data.rtpParameters as unknown as msc.RtpParameters,
            appData: { peerId: n.data.peerId },
          });
          this.#consumers.set(consumer.id, consumer);
          markStep(`consumer-${consumer.kind}`);
          if (consumer.kind === 'video') {
            this.#videoForwarding.set(consumer.id, { peerId: n.data.peerId, producerPaused: n.data.producerPaused, spatialLayer: undefined });
          } else {
            this.#audioPaused.set(consumer.id, { peerId: n.data.peerId, paused: n.data.producerPaused });
          }
          let stream = this.#remoteStreams.get(n.data.peerId);
          if (!stream) {
            stream = new MediaStream();
            this.#remoteStreams.set(n.data.peerId, stream);
          }
          for (const old of stream.getTracks()) if (old.kind === consumer.track.kind) stream.removeTrack(old);
          stream.addTrack(consumer.track);
          this.#publishRemotes();
          return true;
        })();
      }
      case 'consumerClosed': {
        const c = this.#consumers.get(n.data.consumerId);
        if (c) {
          this.#consumers.delete(c.id);
          this.#videoForwarding.delete(c.id);
          this.#audioPaused.delete(c.id);
          c.close();
          const stream = this.#remoteStreams.get((c.appData as { peerId: string }).peerId);
          stream?.removeTrack(c.track);
        }
        return;
      }
      case 'peerJoined':
        this.#remotePeers.set(n.data.peer.peerId, n.data.peer);
        this.#publishRemotes();
        if (this.#state === 'waiting') this.#setState('in-call');
        return;
      case 'peerLeft':
        this.#remotePeers.delete(n.data.peerId);
        this.#remoteStreams.delete(n.data.peerId);
        this.#publishRemotes();
        if (this.#state === 'in-call' && this.#remotePeers.size === 0) this.#setState('waiting');
        return;
      case 'peerState': {
        const p = this.#remotePeers.get(n.data.peerId);
        if (p) {
          p.state = n.data.state;
          this.#publishRemotes();
        }
        return;
      }
      case 'deadline':
        this.#on.deadline?.(new Date(n.data.deadline));
        return;
      case 'callEnded':
        clearSupervisionNotices();
        this.#finish(n.data.reason);
        return;
      case 'mutedByOfficer':
        this.#officerOff[n.data.kind] = n.data.muted;
        this.#publishLocal();
        showSupervisionNotice(n);
        return;
      case 'timeWarning':
      case 'officerWarning':
        showSupervisionNotice(n);
        return;
      case 'mediaReset':
        if (this.#joined) void this.#rebuild();
        return;
      case 'takenOver':
        this.#joined = false;
        this.#teardownMedia();
        this.#stopQuality();
        this.#setState('taken-over');
        return;
      case 'consumerPaused': {
        const audio = this.#audioPaused.get(n.data.consumerId);
        if (audio) {
          audio.paused = n.data.paused;
          this.#publishRemotes();
        }
        this.#updateForwarding(n.data.consumerId, { producerPaused: n.data.paused });
        return;
      }
      case 'consumerLayers':
        this.#updateForwarding(n.data.consumerId, { spatialLayer: n.data.spatialLayer });
        return;
    }
  }

  #updateForwarding(consumerId: string, change: Partial<VideoForwarding>): void {
    const v = this.#videoForwarding.get(consumerId);
    if (!v) return;
    Object.assign(v, change);
    this.#publishRemotes();
  }

  #publishRemotes(): void {
    const tiles: RemoteTile[] = [];
    for (const peer of this.#remotePeers.values()) {
      let stream = this.#remoteStreams.get(peer.peerId);
      if (!stream) {
        stream = new MediaStream();
        this.#remoteStreams.set(peer.peerId, stream);
      }
      // A paused camera also forwards no layer; only a link too weak for any layer is "suspended".
      const videos = [...this.#videoForwarding.values()].filter((v) => v.peerId === peer.peerId);
      const videoSuspended = videos.some((v) => v.spatialLayer === null && !v.producerPaused);
      const cameraOff = videos.some((v) => v.producerPaused);
      const micMuted = [...this.#audioPaused.values()].some((a) => a.peerId === peer.peerId && a.paused);
      tiles.push({ peer, stream, videoSuspended, micMuted, cameraOff });
    }
    this.#on.remotes?.(tiles);
  }

  #finish(reason: EndReason): void {
    this.endReason = reason;
    this.#leaveMedia();
    this.#setState('ended');
  }

  /** Out of the call on this side: no media, no remote parties, no quality sampling. */
  #leaveMedia(): void {
    this.#joined = false;
    this.#teardownMedia();
    this.#remotePeers.clear();
    this.#remoteStreams.clear();
    this.#publishRemotes();
    this.#stopQuality();
  }

  /** Leaves on purpose. */
  async hangUp(): Promise<void> {
    try {
      await this.#signalling.request('hangUp', {}, 3000);
    } catch {
      // leaving anyway
    }
    this.#finish('hung_up');
  }

  /** Steps out of the call without ending it (the camera could not start); join() enters again. */
  async leave(): Promise<void> {
    this.#signalling.forgetEarlyRequests();
    this.#leaveMedia();
    try {
      await this.#signalling.request('leaveCall', {}, 3000);
    } catch {
      // not in the call (any more) on the server: out anyway
    }
    if (this.#state !== 'refused' && this.#state !== 'ended' && this.#state !== 'taken-over') this.#setState(this.#signalling.connected ? 'ready' : 'connecting');
  }

  /** After an ended call (booth): back to connected-but-idle. */
  resetAfterEnd(): void {
    if (this.#state === 'ended') this.#setState(this.#signalling.connected ? 'ready' : 'connecting');
  }

  #startQuality(): void {
    this.#stopQuality();
    this.#qualityTimer = window.setInterval(() => void this.#sampleQuality(), QUALITY_EVERY_MS);
  }

  #stopQuality(): void {
    clearInterval(this.#qualityTimer);
    this.#qualityTimer = undefined;
  }

  async #sampleQuality(): Promise<void> {
    const recv = this.#recv;
    if (!recv || recv.closed) return;
    if (recv.connectionState !== 'connected') {
      this.#on.quality?.('poor', { rttMs: null, lossPct: null });
      return;
    }
    let rttMs: number | null = null;
    let packetsLost = 0;
    let packetsReceived = 0;
    const stats = await recv.getStats().catch(() => undefined);
    stats?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') rttMs = s.currentRoundTripTime * 1000;
      if (s.type === 'inbound-rtp') {
        packetsLost += Number(s.packetsLost ?? 0);
        packetsReceived += Number(s.packetsReceived ?? 0);
      }
    });
    const { quality, detail } = this.#qualityMeter.add({ rttMs, packetsLost, packetsReceived }, this.#consumers.size > 0);
    this.#on.quality?.(quality, detail);
  }

  /** Receive-side counters (tests and the benchmark read them). */
  async mediaStats(): Promise<{ framesDecoded: number; audioPacketsReceived: number; totalSamplesReceived: number; videoPacketsReceived: number }> {
    const out = { framesDecoded: 0, audioPacketsReceived: 0, totalSamplesReceived: 0, videoPacketsReceived: 0 };
    const recv = this.#recv;
    if (!recv || recv.closed) return out;
    const stats = await recv.getStats().catch(() => undefined);
    stats?.forEach((s: Record<string, unknown>) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') {
        out.framesDecoded += Number(s.framesDecoded ?? 0);
        out.videoPacketsReceived += Number(s.packetsReceived ?? 0);
      } else if (s.kind === 'audio') {
        out.audioPacketsReceived += Number(s.packetsReceived ?? 0);
        out.totalSamplesReceived += Number(s.totalSamplesReceived ?? 0);
      }
    });
    return out;
  }

  /** Each transport's DTLS and SRTP state as the browser reports it (tests read the negotiated suite). */
  async transportSecurity(): Promise<TransportSecurity[]> {
    const out: TransportSecurity[] = [];
    for (const [direction, t] of [['send', this.#send], ['recv', this.#recv]] as const) {
      if (!t || t.closed) continue;
      const stats = await t.getStats().catch(() => undefined);
      stats?.forEach((s: Record<string, unknown>) => {
        if (s.type !== 'transport') return;
        out.push({ direction, dtlsState: String(s.dtlsState ?? ''), srtpCipher: String(s.srtpCipher ?? ''), dtlsCipher: String(s.dtlsCipher ?? '') });
      });
    }
    return out;
  }

  close(): void {
    this.#stopQuality();
    this.#teardownMedia();
    this.#signalling.close();
  }
}
