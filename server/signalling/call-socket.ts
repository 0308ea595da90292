import type { types as ms } from 'mediasoup';
import type { Namespace, Server as SocketServer, Socket } from 'socket.io';
import type { Revocation, RevocationBus } from '../auth/revocation-bus.ts';
import { CallError, Refusal } from '../calls/call-error.ts';
import { connectionKey } from '../calls/call-rules.ts';
import type { Admitted, CallService, Session } from '../calls/call-service.ts';
import type { PeerChannel } from '../calls/peer.ts';
import { webRtcOnly } from '../calls/room.ts';
import type { Logger } from '../logging/logger.ts';
import type { OfficerAdmitted, OfficerMonitoring } from '../monitoring/officer-monitoring.ts';
import { refusalError, type ConnectionGuards } from './connection-guards.ts';
import {
  CALL_NAMESPACE,
  MAX_REQUEST_BYTES,
  newConsumerAck,
  OFFICER_METHODS,
  requestEnvelope,
  requests,
  type Ack,
  type ErrorCode,
  type RefusalCode,
  type RequestData,
  type RequestMethod,
} from './messages.ts';

/** Requests one connection may have in flight; more get `busy`. */
const MAX_IN_FLIGHT = 16;
/** How long a client has to ack `newConsumer`. */
const ACK_TIMEOUT_MS = 5000;
/** How often connections are checked for an expired token (closed within this of the expiry). */
const EXPIRY_SWEEP_MS = 1000;

interface SocketData {
  admitted: Admitted;
  /** set instead of `admitted` for an officer (handshake role 'officer'): a hidden observer */
  officer?: OfficerAdmitted;
  takenOver?: boolean;
  /** set when the server closed the connection because its token, session or device is no longer valid */
  revoked?: RefusalCode;
}

type CallSocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>;

function fail(code: ErrorCode, message: string): Ack<never> {
  return { ok: false, error: { code, message } };
}

function payloadSize(payload: unknown): number {
  try {
    return JSON.stringify(payload ?? null).length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * socket.io glue for calls: admits connections in a middleware (refusals carry a code), keeps
 * one live connection per token, validates and acknowledges every request, and turns the
 * media plane's notifications into socket messages.
 */
export function attachCallSignalling(
  io: SocketServer,
  calls: CallService,
  logger: Logger,
  monitoring?: OfficerMonitoring,
  options: { revocations?: RevocationBus; guards?: ConnectionGuards } = {},
): { close(): void } {
  const nsp: Namespace = io.of(CALL_NAMESPACE);
  const log = logger.child({ part: 'call-signalling' });

  /** Ends a connection whose right to be here is gone: tell the client why (it must not reconnect), close it. */
  function revoke(raw: Socket, code: RefusalCode, why: string): void {
    const socket = raw as unknown as CallSocket;
    if (socket.data.revoked || !raw.connected) return;
    socket.data.revoked = code;
    const { officer, admitted } = socket.data;
    log.info({ code, why, officerId: officer?.officerId, deviceId: admitted?.party.kind === 'booth' ? admitted.party.deviceId : undefined }, 'connection revoked');
    raw.emit('notification', { method: 'sessionRevoked', data: { code } });
    raw.disconnect(true);
  }

  /** Why this connection may not go on, or undefined (family links end with their call). */
  function recheck(data: SocketData): Promise<RefusalCode | undefined> {
    if (data.officer) return monitoring ? monitoring.recheck(data.officer) : Promise.resolve('session_revoked');
    return data.admitted ? calls.recheck(data.admitted) : Promise.resolve(undefined);
  }

  async function onRevocation(r: Revocation): Promise<void> {
    for (const socket of [...nsp.sockets.values()]) {
      const data = socket.data as SocketData;
      if (r.kind === 'session' && data.officer?.sessionId === r.sessionId) revoke(socket, 'session_revoked', 'signed out');
      else if (r.kind === 'boothDevice' && data.admitted?.party.kind === 'booth' && data.admitted.party.deviceId === r.deviceId) revoke(socket, 'device_revoked', 'device revoked');
      else if (r.kind === 'visitor' && data.admitted?.party.kind === 'family' && data.admitted.party.visitorId === r.visitorId) {
        const problem = await recheck(data);
        if (problem) revoke(socket, problem, 'visitor banned');
      } else if (r.kind === 'officer' && data.officer?.officerId === r.officerId) {
        const problem = await recheck(data);
        if (problem) revoke(socket, problem, 'officer account changed');
      }
    }
  }
  const unsubscribe = options.revocations?.subscribe((r) => void onRevocation(r).catch((err: Error) => log.error({ err: err.message, revocation: r }, 'revocation failed')));

  // Tokens are checked at the handshake; a connection outliving its token is closed here.
  const expirySweep = setInterval(() => {
    const now = Date.now();
    for (const socket of nsp.sockets.values()) {
      const data = socket.data as SocketData;
      const expiresAt = data.officer?.expiresAt ?? data.admitted?.expiresAt;
      if (expiresAt !== undefined && now >= expiresAt) revoke(socket, 'token_expired', 'token expired');
    }
  }, EXPIRY_SWEEP_MS);
  expirySweep.unref();

  nsp.use((socket, next) => {
    const release = options.guards ? options.guards.reserve(socket) : () => {};
    if (!release) return next(refusalError('too_many_connections'));
    socket.once('disconnect', release);
    const auth = (socket.handshake.auth ?? {}) as { token?: unknown; role?: unknown };
    const admitting: Promise<Partial<SocketData>> =
      auth.role === 'officer'
        ? monitoring ? monitoring.admit(auth.token).then((officer) => ({ officer })) : Promise.reject(new Refusal('token_invalid'))
        : calls.admit(auth.token, auth.role).then((admitted) => ({ admitted }));
    admitting.then(
      (admitted) => {
        Object.assign(socket.data as SocketData, admitted);
        next();
      },
      (err: unknown) => {
        release();
        const code = err instanceof Refusal ? err.code : 'server_error';
        if (!(err instanceof Refusal)) log.error({ err: (err as Error).message }, 'admission failed');
        next(refusalError(code, err instanceof Refusal ? err.details : {}));
      },
    );
  });

  nsp.on('connection', (raw) => {
    const socket = raw as unknown as CallSocket;
    const admitted = socket.data.admitted;
    const officer = socket.data.officer;
    // Officers may watch from several tabs: each connection is its own key.
    const key = officer ? `officer:${officer.officerId}:${socket.id}` : connectionKey(admitted.party);
    let session: Session | undefined;
    let inFlight = 0;

    const emit = (event: string, ...args: unknown[]) => (socket as unknown as Socket).emit(event, ...args);
    const channel: PeerChannel = {
      notify: (method, data) => void emit('notification', { method, data }),
      request: async (method, data) => {
        if (!socket.connected) return false;
        try {
          const reply: unknown = await (socket as unknown as Socket).timeout(ACK_TIMEOUT_MS).emitWithAck('notification', { method, data });
          const parsed = newConsumerAck.safeParse(reply);
          return parsed.success && parsed.data.ok;
        } catch {
          return false;
        }
      },
    };

    const observer = officer && monitoring ? monitoring.open(officer, channel) : undefined;

    // One live connection per token: the newest wins, the previous one is told why.
    const claimed = calls.liveState
      .claimConnection(key, { connectionId: socket.id, node: calls.nodeId, at: new Date().toISOString() })
      .then((previous) => {
        if (!previous || previous.connectionId === socket.id) return;
        const old = nsp.sockets.get(previous.connectionId) as unknown as CallSocket | undefined;
        if (!old) return; // on another node: the Redis live state (later) relays the takeover
        old.data.takenOver = true;
        (old as unknown as Socket).emit('notification', { method: 'takenOver', data: {} });
        old.disconnect(true);
      })
      .catch((err: Error) => log.error({ err: err.message }, 'claimConnection failed'));
    // A party's requests run one at a time, in order (parallel produce / createTransport cannot race).
    // Officers' requests are not queued: they only observe, across several calls.
    let queue: Promise<unknown> = claimed;

    async function handle<M extends RequestMethod>(method: M, data: RequestData<M>): Promise<unknown> {
      // Every request, not just the first: the account or device may have been revoked since.
      const problem = await recheck(socket.data);
      if (problem) {
        // After the refusal's ack has gone out (acks are sent from promise callbacks, before this runs).
        setImmediate(() => revoke(socket as unknown as Socket, problem, `refused ${method}`));
        if (problem === 'device_revoked') throw new CallError('device_revoked', 'this booth device was revoked');
        if (problem === 'visitor_banned') throw new CallError('visitor_banned', 'this visitor is banned from visits');
        throw new CallError('forbidden', problem === 'token_expired' ? 'session expired: sign in again' : 'officer session no longer valid: sign in again');
      }
      if (observer) return observer.handle(method, data);
      if ((OFFICER_METHODS as readonly string[]).includes(method)) throw new CallError('forbidden', `${method} is for officers`);
      if (method === 'hello') return calls.hello(admitted);
      if (method === 'joinCall') {
        const previous = session;
        const { session: next, response } = await calls.join(admitted, channel, (data as RequestData<'joinCall'>).visitId);
        if (!socket.connected) {
          // The 'disconnect' handler already ran and saw no session: treat the new peer as it would have.
          if (socket.data.revoked) await calls.revoked(next);
          else if (socket.data.takenOver) await calls.takenOver(next);
          else calls.disconnected(next);
          throw new CallError('not_joined', 'connection closed while joining');
        }
        session = next;
        if (previous && previous.peer !== next.peer) previous.peer.close();
        return response;
      }
      const s = session;
      if (!s || s.peer.closed) throw new CallError('not_joined', 'join the call first');
      const room = await s.call.room();
      switch (method) {
        case 'createTransport': {
          const t = webRtcOnly(await room.createTransport(s.peer, (data as RequestData<'createTransport'>).direction));
          return { transportId: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
        }
        case 'connectTransport': {
          const d = data as RequestData<'connectTransport'>;
          await room.connectTransport(s.peer, d.transportId, d.dtlsParameters as ms.DtlsParameters);
          return {};
        }
        case 'restartIce':
          return { iceParameters: await room.restartIce(s.peer, (data as RequestData<'restartIce'>).transportId) };
        case 'produce': {
          const d = data as RequestData<'produce'>;
          const producer = await room.produce(s.peer, d.transportId, d.kind, d.rtpParameters as unknown as ms.RtpParameters, d.source);
          return { producerId: producer.id };
        }
        case 'setProducerPaused': {
          const d = data as RequestData<'setProducerPaused'>;
          await calls.setProducerPaused(s, d.producerId, d.paused);
          return {};
        }
        case 'consumeReady':
          await room.consumeReady(s.peer, (data as RequestData<'consumeReady'>).rtpCapabilities as ms.RtpCapabilities);
          return {};
        case 'setConsumerLayers': {
          const d = data as RequestData<'setConsumerLayers'>;
          await room.setConsumerLayers(s.peer, d.consumerId, d.spatialLayer, d.temporalLayer);
          return {};
        }
        case 'hangUp':
          session = undefined;
          await calls.hangUp(s);
          return {};
        case 'leaveCall':
          session = undefined;
          await calls.leave(s);
          return {};
        default:
          throw new CallError('unknown_method', `unknown method ${String(method)}`);
      }
    }

    (socket as unknown as Socket).on('request', (...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (reply: Ack<unknown>) => void) : undefined;
      if (!ack) return; // a request nobody waits for is dropped
      const payload = args[0];
      if (args.length !== 1) return ack(fail('invalid_request', 'one payload expected'));
      if (payloadSize(payload) > MAX_REQUEST_BYTES) return ack(fail('payload_too_large', `requests are limited to ${MAX_REQUEST_BYTES} bytes`));
      const envelope = requestEnvelope.safeParse(payload);
      if (!envelope.success) return ack(fail('invalid_request', 'expected { method, data }'));
      const method = envelope.data.method;
      if (!Object.hasOwn(requests, method)) return ack(fail('unknown_method', `unknown method ${method.slice(0, 64)}`));
      const m = method as RequestMethod;
      const parsed = requests[m].request.safeParse(envelope.data.data ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return ack(fail('invalid_request', `${m}: ${issue ? `${issue.path.join('.') || '(data)'} ${issue.message}` : 'invalid'}`));
      }
      if (inFlight >= MAX_IN_FLIGHT) return ack(fail('busy', 'too many requests in flight'));
      inFlight++;
      const run = (observer ? claimed : queue).then(() => handle(m, parsed.data as RequestData<typeof m>));
      if (!observer) queue = run.catch(() => {});
      void run
        .then(
          (data) => ack({ ok: true, data }),
          (err: unknown) => {
            if (err instanceof CallError) return ack(fail(err.code, err.message));
            log.error({ method: m, err: (err as Error).message }, 'request failed');
            ack(fail('internal', 'internal error'));
          },
        )
        .catch((err: Error) => log.error({ method: m, err: err.message }, 'request ack failed'))
        .finally(() => inFlight--);
    });

    // Any other event is not part of the protocol: answer if it expects an answer, else ignore.
    (socket as unknown as Socket).onAny((event: string, ...args: unknown[]) => {
      if (event === 'request') return;
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as (r: Ack<never>) => void)(fail('unknown_method', 'use the request event'));
    });

    (socket as unknown as Socket).on('disconnect', () => {
      observer?.close();
      void calls.liveState.releaseConnection(key, socket.id).catch(() => {});
      const s = session;
      session = undefined;
      if (!s) return;
      if (socket.data.revoked) calls.revoked(s).catch((err: Error) => log.error({ visitId: s.call.visitId, peerId: s.peer.id, err: err.message }, 'revoked cleanup failed'));
      else if (socket.data.takenOver) calls.takenOver(s).catch((err: Error) => log.error({ visitId: s.call.visitId, peerId: s.peer.id, err: err.message }, 'taken-over cleanup failed'));
      else calls.disconnected(s);
    });
  });

  return {
    close() {
      unsubscribe?.();
      clearInterval(expirySweep);
      nsp.disconnectSockets(true);
      nsp.removeAllListeners();
    },
  };
}
