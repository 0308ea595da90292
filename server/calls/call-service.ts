import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { appendAudit } from '../audit/audit-log.ts';
import { TokenError, type JoinClaims } from '../auth/tokens.ts';
import type { AppContext } from '../context.ts';
import type { LiveState } from '../live-state/live-state.ts';
import { LiveRecording } from '../recording/live-recording.ts';
import { OfficerMutes } from '../supervision/officer-mutes.ts';
import type { types as ms } from 'mediasoup';
import type { WorkerPool } from '../media/worker-pool.ts';
import type { EndReason, RefusalCode, RefusalDetails, ResponseData, Role, VisitSummary } from '../signalling/messages.ts';
import { PROTOCOL_VERSION } from '../signalling/messages.ts';
import type { VisitsTable } from '../storage/tables.ts';
import {
  currentOrNextVisitForBooth,
  getVisitWithParties,
  isBoothDeviceActive,
  transitionVisit,
  visitEndsAt,
  type VisitWithParties,
} from '../visits/visit-store.ts';
import { isVisitorBanned } from '../visits/visitor-bans.ts';
import { Call } from './call.ts';
import type { PeerTransportFactory } from './room.ts';
import { CallError, Refusal } from './call-error.ts';
import { boothMayJoin, callDeadline, closingStatus, familyMayJoin, JOIN_EARLY_MS, peerIdFor, refusalForToken, type Party } from './call-rules.ts';
import { Peer, type PeerChannel } from './peer.ts';

/** A connection that passed the token check. */
export interface Admitted {
  party: Party;
  role: Role;
  peerId: string;
  /** family: the visitor's name; booth: the booth's name (the peer takes the inmate's name) */
  displayName: string;
  /** booth: the device token's expiry (ms); the connection is closed then */
  expiresAt?: number;
}

/** Per live call: its recording and what officers muted. */
export interface CallSupervision {
  recording: LiveRecording;
  mutes: OfficerMutes;
}

/** Who ends a call when it is not the system (audited with the reason they gave). */
export interface EndActor {
  actorKind: 'officer';
  actorId: string;
  reason: string;
}

/** Longest wait for the recording to finalise before the media closes anyway. */
const RECORDING_FINISH_TIMEOUT_MS = 6000;

/** One party's place in one call, held by its connection. */
export interface Session {
  call: Call;
  peer: Peer;
}

export interface CallServiceOptions {
  ctx: AppContext;
  pool: WorkerPool;
  liveState: LiveState;
  listenIp: string;
  announcedAddress: string;
  nodeId?: string;
  /** How rooms open peers' transports; default WebRTC. The app never sets it (in-process benchmarks do). */
  transportFactory?: PeerTransportFactory;
}

/**
 * The control plane of calls on this node: admits connections (tokens, devices), applies the
 * join rules, opens one Call per visit, moves the visit through its statuses, ends calls at
 * the deadline, and mirrors all of it into the live state.
 */
export class CallService {
  readonly nodeId: string;
  readonly #o: CallServiceOptions;
  readonly #calls = new Map<string, Call>();
  readonly #opening = new Map<string, Promise<Call>>();
  readonly #supervision = new Map<string, CallSupervision>();
  /** Calls whose recording is being finalised before their media closes. */
  readonly #ending = new Set<string>();
  #closed = false;

  private constructor(options: CallServiceOptions) {
    this.#o = options;
    this.nodeId = options.nodeId ?? `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  static create(options: CallServiceOptions): CallService {
    return new CallService(options);
  }

  get liveState(): LiveState {
    return this.#o.liveState;
  }

  /** The live call of a visit on this node (tests, officers later). */
  call(visitId: string): Call | undefined {
    return this.#calls.get(visitId);
  }

  /** Live calls on this node (officers' dashboard). */
  liveCalls(): Call[] {
    return [...this.#calls.values()].filter((c) => !c.ended && !this.#ending.has(c.visitId));
  }

  /** Recording and officer mutes of a live call. */
  supervision(visitId: string): CallSupervision | undefined {
    return this.#supervision.get(visitId);
  }

  // ---- admission ------------------------------------------------------------------------------

  /** Why an admitted connection may not go on (booth: device revoked, token expired; family: banned), or undefined. */
  async recheck(a: Admitted): Promise<RefusalCode | undefined> {
    if (a.party.kind === 'family') return (await isVisitorBanned(this.#o.ctx.storage.db, a.party.visitorId)) ? 'visitor_banned' : undefined;
    if (a.expiresAt !== undefined && Date.now() >= a.expiresAt) return 'token_expired';
    return (await isBoothDeviceActive(this.#o.ctx.storage, a.party.deviceId, a.party.boothId)) ? undefined : 'device_revoked';
  }

  async admit(token: unknown, role: unknown): Promise<Admitted> {
    const { tokens, storage } = this.#o.ctx;
    try {
      if (role === 'booth') {
        const claims = tokens.verify('booth', token);
        if (!(await isBoothDeviceActive(storage, claims.sub, claims.booth))) throw new Refusal('device_revoked');
        const booth = await storage.db.selectFrom('booths').select(['name']).where('id', '=', claims.booth).executeTakeFirst();
        if (!booth) throw new Refusal('device_revoked');
        const party: Party = { kind: 'booth', deviceId: claims.sub, boothId: claims.booth, facilityId: claims.fac };
        return { party, role: 'booth', peerId: peerIdFor(party), displayName: booth.name, ...(claims.exp ? { expiresAt: claims.exp * 1000 } : {}) };
      }
      const { claims, early } = await this.#verifyJoin(token);
      const visit = await getVisitWithParties(storage, claims.visit);
      const now = new Date();
      const decision = familyMayJoin(visit, claims.sub, now, await isVisitorBanned(storage.db, claims.sub, now));
      // Too early (by the token or the visit): the page counts down to the visit instead of failing.
      if (decision.ok ? early : decision.code === 'too_early') throw new Refusal('token_not_yet_valid', 'token not valid yet', await this.#earlyDetails(visit!));
      if (!decision.ok) throw new Refusal(decision.code === 'too_early' ? 'token_not_yet_valid' : decision.code === 'wrong_booth' ? 'token_invalid' : decision.code);
      const party: Party = { kind: 'family', visitId: claims.visit, visitorId: claims.sub, tokenId: claims.jti };
      const name = visit!.visitors.find((v) => v.id === claims.sub)!.name;
      return { party, role: 'family', peerId: peerIdFor(party), displayName: name };
    } catch (err) {
      if (err instanceof TokenError) throw new Refusal(refusalForToken(err.problem), err.message);
      throw err;
    }
  }

  /**
   * A join link expires at the scheduled end; an officer's extension keeps it valid until the
   * extended end. A genuine link opened before its window is `early` (still refused, with its visit's time).
   */
  async #verifyJoin(token: unknown): Promise<{ claims: JoinClaims; early: boolean }> {
    const { tokens, storage } = this.#o.ctx;
    try {
      return { claims: tokens.verify('join', token), early: false };
    } catch (err) {
      if (err instanceof TokenError && err.problem === 'not_yet_valid') return { claims: tokens.verify('join', token, { ignoreNotBefore: true }), early: true };
      if (!(err instanceof TokenError) || err.problem !== 'expired') throw err;
      const claims = tokens.verify('join', token, { ignoreExpiration: true });
      const visit = await storage.db.selectFrom('visits').select(['scheduled_start', 'duration_seconds']).where('id', '=', claims.visit).executeTakeFirst();
      if (!visit || callDeadline(visit).getTime() <= Date.now()) throw err;
      return { claims, early: false };
    }
  }

  /** When the visit starts and its link opens, in the facility's zone, with the server clock. */
  async #earlyDetails(v: VisitWithParties): Promise<RefusalDetails> {
    const facility = await this.#o.ctx.storage.db.selectFrom('facilities').select('timezone').where('id', '=', v.visit.facility_id).executeTakeFirst();
    const start = new Date(v.visit.scheduled_start);
    return {
      startsAt: start.toISOString(),
      opensAt: new Date(start.getTime() - JOIN_EARLY_MS).toISOString(),
      ...(facility ? { timezone: facility.timezone } : {}),
      serverTime: new Date().toISOString(),
    };
  }

  // ---- requests -------------------------------------------------------------------------------

  async hello(a: Admitted): Promise<ResponseData<'hello'>> {
    const { storage } = this.#o.ctx;
    let visit: VisitWithParties | undefined;
    if (a.party.kind === 'family') visit = await getVisitWithParties(storage, a.party.visitId);
    else {
      const next = await currentOrNextVisitForBooth(storage, a.party.boothId, new Date(), JOIN_EARLY_MS / 1000);
      visit = next ? await getVisitWithParties(storage, next.id) : undefined;
    }
    const room = visit && this.#calls.get(visit.visit.id)?.currentRoom;
    return {
      protocol: PROTOCOL_VERSION,
      role: a.role,
      peerId: a.peerId,
      displayName: a.displayName,
      visit: visit ? this.#summary(visit) : null,
      serverTime: new Date().toISOString(),
      ...(room && !room.closed ? { routerRtpCapabilities: room.rtpCapabilities as unknown as Record<string, unknown> } : {}),
    };
  }

  #summary(v: VisitWithParties): VisitSummary {
    const live = this.#calls.get(v.visit.id);
    return {
      visitId: v.visit.id,
      inmateName: v.inmate.name,
      boothName: v.booth.name,
      visitorNames: v.visitors.map((x) => x.name),
      scheduledStart: v.visit.scheduled_start,
      endsAt: (live?.deadline ?? visitEndsAt(v.visit)).toISOString(),
      status: v.visit.status,
      monitored: v.visit.privileged === 0,
    };
  }

  /** Puts the party into the visit's call (opening it if needed); a previous peer of the party is replaced. */
  async join(a: Admitted, channel: PeerChannel, requestedVisitId?: string): Promise<{ session: Session; response: ResponseData<'joinCall'> }> {
    if (this.#closed) throw new CallError('call_ended', 'server is shutting down');
    const { storage } = this.#o.ctx;
    const now = new Date();
    let visit: VisitWithParties | undefined;
    let displayName = a.displayName;
    if (a.party.kind === 'family') {
      if (requestedVisitId && requestedVisitId !== a.party.visitId) throw new CallError('not_a_visitor', 'this link is for another visit');
      visit = await getVisitWithParties(storage, a.party.visitId);
      const decision = familyMayJoin(visit, a.party.visitorId, now, await isVisitorBanned(storage.db, a.party.visitorId, now));
      if (!decision.ok) throw new CallError(decision.code, `may not join: ${decision.code}`);
    } else {
      if (!requestedVisitId) throw new CallError('no_visit', 'a booth joins a given visit');
      if (!(await isBoothDeviceActive(storage, a.party.deviceId, a.party.boothId))) throw new CallError('wrong_booth', 'device revoked');
      visit = await getVisitWithParties(storage, requestedVisitId);
      const decision = boothMayJoin(visit?.visit, a.party.boothId, now);
      if (!decision.ok) throw new CallError(decision.code, `may not join: ${decision.code}`);
      displayName = visit!.inmate.name;
    }
    const v = visit!;
    const call = await this.#open(v.visit);
    if (call.ended || this.#ending.has(call.visitId)) throw new CallError('call_ended', 'the call has ended');
    const room = await call.room();
    const peer = Peer.create({ id: a.peerId, role: a.role, displayName, channel });
    call.cancelGrace(peer.id);
    room.join(peer);
    const secondsLeft = call.warningSecondsLeft;
    if (secondsLeft !== undefined) channel.notify('timeWarning', { secondsLeft });
    await this.#o.liveState.setPresence(call.visitId, {
      partyKey: peer.id,
      peerId: peer.id,
      role: a.role,
      displayName,
      state: 'connected',
      since: now.toISOString(),
      node: this.nodeId,
    });
    if (a.role === 'booth') await this.#markLive(call, v.visit, a);
    return {
      session: { call, peer },
      response: {
        visitId: call.visitId,
        peerId: peer.id,
        routerRtpCapabilities: room.rtpCapabilities as unknown as Record<string, unknown>,
        deadline: call.deadline.toISOString(),
        peers: room.visiblePeers(peer).map((p) => p.info),
      },
    };
  }

  async #markLive(call: Call, visit: VisitsTable, a: Admitted): Promise<void> {
    const startedAt = new Date().toISOString();
    if (await transitionVisit(this.#o.ctx.storage, visit.id, ['scheduled'], 'live', { started_at: startedAt })) {
      await this.#o.liveState.updateCall(call.visitId, { startedAt });
      await this.#audit(a.role === 'booth' ? 'booth' : 'family', a.party.kind === 'booth' ? a.party.deviceId : a.peerId, call, 'call.start', {});
    }
  }

  #open(visit: VisitsTable): Promise<Call> {
    const existing = this.#calls.get(visit.id);
    if (existing && !existing.ended) return Promise.resolve(existing);
    const pending = this.#opening.get(visit.id);
    if (pending) return pending;
    const opening = (async () => {
      const deadline = callDeadline(visit);
      const call = await Call.create({
        visitId: visit.id,
        facilityId: visit.facility_id,
        boothId: visit.booth_id,
        deadline,
        pool: this.#o.pool,
        listenIp: this.#o.listenIp,
        announcedAddress: this.#o.announcedAddress,
        transportFactory: this.#o.transportFactory,
        logger: this.#o.ctx.logger,
        warningOffsetsSeconds: this.#o.ctx.config.supervision.warningOffsetsSeconds,
      });
      await this.#o.liveState.openCall({
        visitId: visit.id,
        facilityId: visit.facility_id,
        boothId: visit.booth_id,
        node: this.nodeId,
        deadline: deadline.toISOString(),
        startedAt: visit.started_at,
        openedAt: new Date().toISOString(),
      });
      call.on('deadline', () => this.#detach(call, 'deadline handling', this.#onDeadline(call)));
      call.on('gone', (peer) => this.#detach(call, 'removing a party gone too long', this.#leave(call, peer, 'disconnected')));
      call.on('mediaFailed', () => this.#detach(call, 'ending a call without media', this.endCall(call.visitId, 'media_failure')));
      const supervision: CallSupervision = { recording: await this.#startRecording(call, visit), mutes: new OfficerMutes() };
      this.#supervision.set(visit.id, supervision);
      call.on('produced', (peer, producer) => this.#onProduced(supervision, peer, producer));
      // Parties re-produce in the new room after mediaReset; their next segments are recorded there.
      call.on('roomReplaced', (room) => supervision.recording.useRouter(room.router));
      this.#calls.set(visit.id, call);
      return call;
    })().finally(() => this.#opening.delete(visit.id));
    this.#opening.set(visit.id, opening);
    return opening;
  }

  /** Every call is recorded unless its visit is privileged (legal counsel). */
  async #startRecording(call: Call, visit: VisitsTable): Promise<LiveRecording> {
    if (visit.privileged === 1) return LiveRecording.notRecorded();
    const onFailure = (err: Error, producer?: ms.Producer) => this.#recordingFailed(call, err, producer);
    try {
      const facility = await this.#o.ctx.storage.db.selectFrom('facilities').select(['timezone']).where('id', '=', visit.facility_id).executeTakeFirstOrThrow();
      const room = await call.room();
      return await LiveRecording.start(this.#o.ctx, { router: room.router, visitId: visit.id, facilityId: visit.facility_id, timezone: facility.timezone }, onFailure);
    } catch (err) {
      onFailure(err as Error);
      return LiveRecording.failed();
    }
  }

  /**
   * Fail closed (policy): a call that cannot be recorded does not go on; a track that could not
   * be recorded in time is stopped at once (its media is no longer forwarded).
   */
  #recordingFailed(call: Call, err: Error, producer?: ms.Producer): void {
    const failClosed = this.#o.ctx.config.recordingFailClosed;
    this.#o.ctx.logger.error({ visitId: call.visitId, err: err.message, failClosed, producerId: producer?.id }, 'recording failed');
    void this.#audit('system', 'recording', call, 'recording.failed', { error: err.message.slice(0, 300), failClosed, ...(producer ? { kind: producer.kind } : {}) });
    if (failClosed) producer?.close();
    // After the current request's ack, so a joining party sees callEnded rather than a failed join.
    if (failClosed) setTimeout(() => this.#detach(call, 'ending a call whose recording failed', this.endCall(call.visitId, 'recording_failed')), 0);
  }

  /** A party's new producer: keep an officer's mute, and record the party's tracks (each as soon as it exists). */
  #onProduced(supervision: CallSupervision, peer: Peer, producer: ms.Producer): void {
    if (peer.hidden || (peer.role !== 'booth' && peer.role !== 'family')) return;
    if (supervision.mutes.isMuted(peer.id, producer.kind)) {
      // Issued before the room creates consumers of it, so the other side never gets this media.
      void producer.pause().catch(() => {});
      peer.channel.notify('mutedByOfficer', { kind: producer.kind, muted: true });
    }
    const live = peer.producers().filter((p) => !p.closed);
    const party = peer.role === 'booth'
      ? { id: 'booth', role: 'inmate' as const, name: peer.displayName }
      : { id: peer.id, role: 'family' as const, name: peer.displayName };
    void supervision.recording.partyMedia({ party, audio: live.find((p) => p.kind === 'audio'), video: live.find((p) => p.kind === 'video') });
  }

  /** Deadline timer fired: the stored visit decides (an extension moves the end later). */
  async #onDeadline(call: Call): Promise<void> {
    try {
      const row = await this.#o.ctx.storage.db.selectFrom('visits').selectAll().where('id', '=', call.visitId).executeTakeFirst();
      const end = row ? callDeadline(row) : new Date(0);
      if (end.getTime() > Date.now() + 500) {
        await this.setDeadline(call.visitId, end);
        return;
      }
    } catch (err) {
      this.#o.ctx.logger.error({ visitId: call.visitId, err: (err as Error).message }, 'deadline check failed, ending the call');
    }
    await this.endCall(call.visitId, 'time_up');
  }

  /** Moves the deadline (extensions, later issue) and tells every party. */
  async setDeadline(visitId: string, deadline: Date): Promise<void> {
    const call = this.#calls.get(visitId);
    if (!call || call.ended) return;
    call.setDeadline(deadline);
    await this.#o.liveState.updateCall(visitId, { deadline: deadline.toISOString() });
  }

  async setProducerPaused(s: Session, producerId: string, paused: boolean): Promise<void> {
    const mutes = this.#supervision.get(s.call.visitId)?.mutes;
    const producer = s.peer.producer(producerId);
    if (mutes && producer) {
      if (!paused && mutes.isMuted(s.peer.id, producer.kind)) throw new CallError('muted_by_officer', `an officer muted your ${producer.kind}`);
      mutes.recordSelf(producerId, paused);
    }
    await (await s.call.room()).setProducerPaused(s.peer, producerId, paused);
  }

  /** The party left on purpose. The last family member hanging up a live call ends it. */
  async hangUp(s: Session): Promise<void> {
    await this.#leave(s.call, s.peer, 'hung_up');
    const room = s.call.currentRoom;
    if (s.peer.role !== 'family' || s.call.ended) return;
    const familyLeft = room.visiblePeers().some((p) => p.role === 'family');
    const row = await this.#o.ctx.storage.db.selectFrom('visits').select(['status']).where('id', '=', s.call.visitId).executeTakeFirst();
    if (!familyLeft && row?.status === 'live') await this.endCall(s.call.visitId, 'hung_up');
  }

  /** The party steps out without ending the call (it may join again on the same connection). */
  async leave(s: Session): Promise<void> {
    await this.#leave(s.call, s.peer, 'left');
  }

  /** The connection dropped without a hang-up: keep the place for the grace period. */
  disconnected(s: Session): void {
    if (s.call.ended || s.call.currentRoom.peer(s.peer.id) !== s.peer) return;
    s.call.startGrace(s.peer);
    void this.#o.liveState
      .setPresence(s.call.visitId, { partyKey: s.peer.id, peerId: s.peer.id, role: s.peer.role, displayName: s.peer.displayName, state: 'reconnecting', since: new Date().toISOString(), node: this.nodeId })
      .catch(() => {});
  }

  /** The connection was closed because its device or session was revoked: its media goes now, no grace. */
  async revoked(s: Session): Promise<void> {
    await this.#leave(s.call, s.peer, 'disconnected');
  }

  /** Another connection of the same party took over: this one's media goes now. */
  async takenOver(s: Session): Promise<void> {
    if (s.call.currentRoom.peer(s.peer.id) === s.peer) s.call.currentRoom.leave(s.peer, 'taken_over');
    else s.peer.close();
  }

  async #leave(call: Call, peer: Peer, reason: 'left' | 'hung_up' | 'disconnected'): Promise<void> {
    const room = call.currentRoom;
    if (room.peer(peer.id) !== peer) {
      peer.close();
      return;
    }
    call.cancelGrace(peer.id);
    room.leave(peer, reason);
    await this.#o.liveState.removePresence(call.visitId, peer.id);
  }

  /**
   * Ends the call: finalises the recording, tells the parties, closes the media, records the
   * visit's end. Resolves false when the call was not live here (or already ending).
   */
  async endCall(visitId: string, reason: EndReason, by?: EndActor): Promise<boolean> {
    const call = this.#calls.get(visitId);
    if (!call || call.ended || this.#ending.has(visitId)) return false;
    this.#ending.add(visitId);
    // The recorders finalise their files before the router (and their transports) close.
    await this.#finishRecording(call);
    this.#ending.delete(visitId);
    this.#supervision.delete(visitId);
    call.end(reason);
    this.#calls.delete(visitId);
    try {
      await this.#o.liveState.closeCall(visitId);
      await this.#recordEnd(call, reason, by);
    } catch (err) {
      // The call has ended for everyone; only its bookkeeping is incomplete.
      this.#o.ctx.logger.error({ visitId, reason, err: (err as Error).message }, 'recording the end of the call failed');
    }
    return true;
  }

  async #recordEnd(call: Call, reason: EndReason, by?: EndActor): Promise<void> {
    const { storage } = this.#o.ctx;
    const visitId = call.visitId;
    const row = await storage.db.selectFrom('visits').select(['status', 'started_at']).where('id', '=', visitId).executeTakeFirst();
    if (!row) return;
    const status = closingStatus(row);
    if (status === 'missed' && reason !== 'time_up' && !by) return; // never went live: the visit stays open until its end
    const moved = await transitionVisit(storage, visitId, ['scheduled', 'live'], status, {
      ended_at: new Date().toISOString(),
      end_reason: status === 'missed' && !by ? 'no_show' : reason,
    });
    if (moved || by) {
      const action = status === 'missed' && !by ? 'call.missed' : 'call.end';
      await this.#audit(by?.actorKind ?? 'system', by?.actorId ?? 'call-service', call, action, { reason }, by?.reason);
    }
  }

  /** Work started from a timer or event: nobody awaits it, so a rejection is logged here (Node would exit). */
  #detach(call: Call, what: string, work: Promise<unknown>): void {
    work.catch((err: unknown) => this.#o.ctx.logger.error({ visitId: call.visitId, err: (err as Error).message }, `${what} failed`));
  }

  async #finishRecording(call: Call): Promise<void> {
    const recording = this.#supervision.get(call.visitId)?.recording;
    if (!recording) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(r, RECORDING_FINISH_TIMEOUT_MS, 'timeout')));
    const outcome = await Promise.race([recording.finish().then(() => 'done' as const), timeout]).catch((err: Error) => err);
    clearTimeout(timer);
    if (outcome !== 'done') this.#o.ctx.logger.error({ visitId: call.visitId, err: outcome instanceof Error ? outcome.message : outcome }, 'recording did not finish cleanly');
  }

  async #audit(actorKind: 'system' | 'booth' | 'family' | 'officer', actorId: string, call: Call, action: string, details: Record<string, unknown>, reason?: string) {
    await appendAudit(this.#o.ctx.storage, { actorKind, actorId, facilityId: call.facilityId, action, subjectKind: 'visit', subjectId: call.visitId, reason, details }).catch(
      (err: Error) => this.#o.ctx.logger.error({ err: err.message, action }, 'audit append failed'),
    );
  }

  /** Closes every call on this node without touching the visits (the node is stopping). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#opening.values()]);
    await Promise.allSettled([...this.#calls.values()].map((call) => this.#finishRecording(call)));
    this.#supervision.clear();
    for (const call of this.#calls.values()) {
      call.dispose();
      await this.#o.liveState.closeCall(call.visitId).catch(() => {});
    }
    this.#calls.clear();
  }
}
