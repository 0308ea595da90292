import { randomUUID } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import { appendAudit } from '../audit/audit-log.ts';
import { TokenError } from '../auth/tokens.ts';
import { CallError, Refusal } from '../calls/call-error.ts';
import { refusalForToken } from '../calls/call-rules.ts';
import { webRtcOnly } from '../calls/room.ts';
import type { CallService } from '../calls/call-service.ts';
import type { PeerChannel } from '../calls/peer.ts';
import type { AppContext } from '../context.ts';
import { officerStanding, type OfficerStanding } from '../auth/officer-standing.ts';
import { PROTOCOL_VERSION, type RefusalCode, type RequestData, type RequestMethod, type ResponseData } from '../signalling/messages.ts';
import type { OfficerRole } from '../storage/tables.ts';
import { Observation } from './observation.ts';
import { MAX_OBSERVATIONS_PER_CONNECTION, observerPeerId, officerMayObserve } from './observe-rules.ts';

/** An officer connection that passed the token check. */
export interface OfficerAdmitted {
  officerId: string;
  facilityId: string;
  displayName: string;
  /** distinguishes this connection's hidden peers from the same officer's other tabs */
  nonce: string;
  /** the session token's expiry (ms): the connection is closed then */
  expiresAt: number;
  /** the sign-in session (token `sid`): signing out closes the connection */
  sessionId: string;
  /** the role at admission: a changed role closes the connection (the page signs in again) */
  role: OfficerRole;
  /** the token's session epoch: a password change in another session closes the connection */
  epoch: number;
}

/** Why a standing refuses an officer connection, or undefined when it may go on. */
function refusalOf(standing: OfficerStanding): RefusalCode | undefined {
  if (!standing.ok) return 'session_revoked';
  return standing.mustChangePassword ? 'password_change_required' : undefined;
}

function sessionOf(officer: OfficerAdmitted) {
  return { sub: officer.officerId, fac: officer.facilityId, sid: officer.sessionId, epoch: officer.epoch };
}

/**
 * Officers watching live calls over the call signalling (handshake role 'officer'): admission
 * with an officer session token, and one OfficerSession per connection.
 */
export class OfficerMonitoring {
  readonly #ctx: AppContext;
  readonly #calls: CallService;

  constructor(ctx: AppContext, calls: CallService) {
    this.#ctx = ctx;
    this.#calls = calls;
  }

  /** Throws a Refusal for a bad token, or an officer who was disabled or lost the facility since login. */
  async admit(token: unknown): Promise<OfficerAdmitted> {
    let claims;
    try {
      claims = this.#ctx.tokens.verify('officer', token);
    } catch (err) {
      if (err instanceof TokenError) throw new Refusal(refusalForToken(err.problem), err.message);
      throw err;
    }
    const officer = await this.#ctx.storage.db.selectFrom('officers').select(['display_name']).where('id', '=', claims.sub).executeTakeFirst();
    const standing = await officerStanding(this.#ctx.storage, claims);
    if (!officer || (!standing.ok && standing.problem === 'inactive')) {
      throw new Refusal('token_invalid', 'officer no longer active in this facility');
    }
    if (!standing.ok) throw new Refusal('session_revoked', 'signed out');
    if (standing.mustChangePassword) throw new Refusal('password_change_required', 'change the password first');
    const expiresAt = (claims.exp ?? 0) * 1000;
    return {
      officerId: claims.sub, facilityId: claims.fac, displayName: officer.display_name, nonce: randomUUID().slice(0, 8), expiresAt, sessionId: claims.sid,
      role: standing.role, epoch: claims.epoch ?? 0,
    };
  }

  /**
   * Why an admitted connection may not go on (checked before every request and when the account
   * changes), or undefined: token expired, signed out, account disabled, removed from the
   * facility, its role changed, its password reset, or changed in another session.
   */
  async recheck(officer: OfficerAdmitted): Promise<RefusalCode | undefined> {
    if (Date.now() >= officer.expiresAt) return 'token_expired';
    const standing = await officerStanding(this.#ctx.storage, sessionOf(officer));
    return refusalOf(standing) ?? (standing.ok && standing.role === officer.role ? undefined : 'session_revoked');
  }

  open(officer: OfficerAdmitted, channel: PeerChannel): OfficerSession {
    return new OfficerSession(this.#ctx, this.#calls, officer, channel);
  }
}

/** One officer connection: its observations (one hidden peer per watched call) and its requests. */
export class OfficerSession {
  readonly #ctx: AppContext;
  readonly #calls: CallService;
  readonly #officer: OfficerAdmitted;
  readonly #channel: PeerChannel;
  readonly #observations = new Map<string, Observation>();
  #closed = false;

  constructor(ctx: AppContext, calls: CallService, officer: OfficerAdmitted, channel: PeerChannel) {
    this.#ctx = ctx;
    this.#calls = calls;
    this.#officer = officer;
    this.#channel = channel;
  }

  get peerId(): string {
    return observerPeerId(this.#officer.officerId, this.#officer.nonce);
  }

  async handle<M extends RequestMethod>(method: M, data: RequestData<M>): Promise<unknown> {
    switch (method) {
      case 'hello':
        return {
          protocol: PROTOCOL_VERSION,
          role: 'officer',
          peerId: this.peerId,
          displayName: this.#officer.displayName,
          visit: null,
          serverTime: new Date().toISOString(),
        } satisfies ResponseData<'hello'>;
      case 'observeCall':
        return this.#observe((data as RequestData<'observeCall'>).visitId);
      case 'observeReady': {
        const d = data as RequestData<'observeReady'>;
        await this.#observation(d.visitId).ready(d.rtpCapabilities as ms.RtpCapabilities);
        return {};
      }
      case 'focusCall':
        await this.#focus((data as RequestData<'focusCall'>).visitId);
        return {};
      case 'unobserveCall':
        this.#observations.get((data as RequestData<'unobserveCall'>).visitId)?.stop();
        return {};
      case 'connectTransport': {
        const d = data as RequestData<'connectTransport'>;
        const o = this.#owningTransport(d.transportId);
        await o.room.connectTransport(o.peer, d.transportId, d.dtlsParameters as ms.DtlsParameters);
        return {};
      }
      case 'restartIce': {
        const d = data as RequestData<'restartIce'>;
        const o = this.#owningTransport(d.transportId);
        return { iceParameters: await o.room.restartIce(o.peer, d.transportId) };
      }
      case 'setConsumerLayers': {
        const d = data as RequestData<'setConsumerLayers'>;
        const o = [...this.#observations.values()].find((x) => x.peer.consumer(d.consumerId));
        if (!o) throw new CallError('not_found', `unknown consumer ${d.consumerId}`);
        await o.room.setConsumerLayers(o.peer, d.consumerId, d.spatialLayer, d.temporalLayer);
        return {};
      }
      default:
        // joinCall, createTransport, produce, setProducerPaused, consumeReady, hangUp, leaveCall: parties only.
        throw new CallError('forbidden', `officers observe only; ${String(method)} is not allowed`);
    }
  }

  /**
   * Admission was at the handshake; a dashboard can stay open for hours. Before each new view
   * or listen, the session must still be valid and the officer still active in the facility.
   */
  async #assertStillAllowed(): Promise<void> {
    if (Date.now() >= this.#officer.expiresAt) throw new CallError('forbidden', 'officer session expired: sign in again');
    if (refusalOf(await officerStanding(this.#ctx.storage, sessionOf(this.#officer)))) {
      throw new CallError('forbidden', 'officer no longer active in this facility');
    }
  }

  async #observe(visitId: string): Promise<ResponseData<'observeCall'>> {
    if (this.#closed) throw new CallError('call_ended', 'connection closing');
    await this.#assertStillAllowed();
    const visit = await this.#ctx.storage.db.selectFrom('visits').select(['facility_id', 'privileged']).where('id', '=', visitId).executeTakeFirst();
    const call = this.#calls.call(visitId);
    const decision = officerMayObserve(this.#officer, visit, !!call && !call.ended);
    if (!decision.ok) {
      const messages = { visit_not_found: 'no such visit in this facility', privileged: 'privileged visits are not monitored', not_live: 'the visit has no live call' };
      throw new CallError(decision.code, messages[decision.code]);
    }
    // Observing again (the page rebuilt its side) replaces the previous observation.
    this.#observations.get(visitId)?.stop();
    if (this.#observations.size >= MAX_OBSERVATIONS_PER_CONNECTION) throw new CallError('busy', `at most ${MAX_OBSERVATIONS_PER_CONNECTION} calls at once`);
    const { observation, transport: opened } = await Observation.start({
      call: call!,
      peerId: this.peerId,
      displayName: this.#officer.displayName,
      channel: this.#channel,
      onEnded: (o) => {
        if (this.#observations.get(o.visitId) === o) this.#observations.delete(o.visitId);
      },
    });
    if (this.#closed) {
      observation.stop();
      throw new CallError('call_ended', 'connection closing');
    }
    this.#observations.set(visitId, observation);
    let transport: ms.WebRtcTransport;
    // Audited before any media flows (observeReady): no audit entry, no watching.
    try {
      transport = webRtcOnly(opened);
      await this.#audit('call.observe', visitId, { peerId: this.peerId });
    } catch (err) {
      observation.stop();
      throw err;
    }
    return {
      visitId,
      routerRtpCapabilities: observation.room.rtpCapabilities as unknown as Record<string, unknown>,
      transport: {
        transportId: transport.id,
        iceParameters: transport.iceParameters as unknown as Record<string, unknown>,
        iceCandidates: transport.iceCandidates as unknown as Record<string, unknown>[],
        dtlsParameters: transport.dtlsParameters as unknown as Record<string, unknown>,
      },
      deadline: call!.deadline.toISOString(),
      parties: observation.room.visiblePeers().map((p) => p.info),
    };
  }

  async #focus(visitId: string | null): Promise<void> {
    if (visitId !== null) {
      this.#observation(visitId);
      await this.#assertStillAllowed();
    }
    // Unfocus first, so at most one call's audio reaches the officer at any time.
    for (const o of this.#observations.values()) if (o.visitId !== visitId) await o.setFocused(false);
    const focused = visitId === null ? undefined : this.#observations.get(visitId);
    if (!focused || focused.focused) return;
    // Audited before any audio flows: if the entry cannot be written, nobody listens.
    await this.#audit('call.listen', visitId!, { peerId: this.peerId });
    await focused.setFocused(true);
  }

  #observation(visitId: string): Observation {
    const o = this.#observations.get(visitId);
    if (!o) throw new CallError('not_found', 'observe the call first');
    return o;
  }

  #owningTransport(transportId: string): Observation {
    const o = [...this.#observations.values()].find((x) => x.peer.transport(transportId));
    if (!o) throw new CallError('not_found', `unknown transport ${transportId}`);
    return o;
  }

  async #audit(action: string, visitId: string, details: Record<string, unknown>): Promise<void> {
    await appendAudit(this.#ctx.storage, {
      actorKind: 'officer',
      actorId: this.#officer.officerId,
      facilityId: this.#officer.facilityId,
      action,
      subjectKind: 'visit',
      subjectId: visitId,
      details,
    });
  }

  /** The connection went away: leave every watched call silently. */
  close(): void {
    this.#closed = true;
    for (const o of [...this.#observations.values()]) o.stop();
    this.#observations.clear();
  }
}
