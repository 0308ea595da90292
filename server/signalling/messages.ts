/**
 * The call signalling protocol: ONE typed schema module shared by the server and the browser
 * pages (imported by relative path; zod only, no Node or DOM APIs here).
 *
 * Transport: socket.io namespace CALL_NAMESPACE, handshake `auth: { token }`.
 * - client → server: `socket.emit('request', { method, data }, ack)`; every request is validated
 *   and acknowledged with `{ ok: true, data }` or `{ ok: false, error: { code, message } }`.
 *   A party's requests are handled one at a time, in the order sent.
 * - server → client: `socket.emit('notification', { method, data })`; `newConsumer` is sent with
 *   an ack callback (the client acks once the consumer exists locally; the server then resumes it).
 * - refused connection: `connect_error` whose `message` (and `data.code`) is a RefusalCode.
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
export { CALL_NAMESPACE } from './namespace.ts';
/** Requests whose JSON is larger than this get `payload_too_large` (socket.io itself drops > 64 KiB). */
export const MAX_REQUEST_BYTES = 32 * 1024;

// ---------------------------------------------------------------------------------------------
// Errors and refusals

export const errorCode = z.enum([
  'invalid_request', // envelope or data failed validation
  'unknown_method',
  'payload_too_large',
  'not_joined', // a media request before joinCall
  'not_found', // unknown transport / producer / consumer id
  'visit_not_found',
  'visit_over',
  'too_early',
  'not_a_visitor',
  'wrong_booth',
  'awaiting_approval', // a privileged visit a supervisor has not approved (yet)
  'awaiting_confirmation', // a family booking an officer has not confirmed (yet)
  'no_visit',
  'call_ended',
  'media_error', // mediasoup refused the parameters
  'busy', // too many requests in flight
  'already_producing', // the party already sends this kind (one audio and one video producer per party)
  'forbidden', // this role may not use this method (officers never produce; parties never observe)
  'privileged', // a privileged (legal counsel) visit is never observed
  'not_live', // the visit has no live call (on this node) to observe
  'muted_by_officer', // the party may not unmute what an officer muted
  'device_revoked', // the booth device was revoked since connecting; the connection is closed
  'visitor_banned', // the visitor is banned (by a supervisor, until a date); the connection is closed
  'internal',
]);
export type ErrorCode = z.infer<typeof errorCode>;

/** Why a connection was refused; the page maps each code to a message (call.refused.<code>). */
export const refusalCode = z.enum([
  'token_missing',
  'token_expired',
  'token_not_yet_valid',
  'token_invalid',
  'device_revoked',
  'visit_not_found',
  'visit_over',
  'not_a_visitor',
  'awaiting_approval',
  'awaiting_confirmation', // a family booking an officer has not confirmed (yet)
  'visitor_banned', // the visitor is banned from visits until a date set by a supervisor
  'session_revoked', // officer signed out, or the account was disabled, changed or moved out of the facility
  'password_change_required', // the officer must set their own password before anything else
  'too_many_connections', // this client address has the most open connections allowed
  'namespace_refused', // only CALL_NAMESPACE is served
  'server_error',
]);
export type RefusalCode = z.infer<typeof refusalCode>;

/**
 * What a refusal may carry besides its code (in `connect_error` data): a family link opened
 * before its window (token_not_yet_valid) gets the visit's start, when the link opens, the
 * facility's time zone and the server clock, so the page shows a countdown instead of an error.
 */
export const refusalDetails = z.object({
  startsAt: z.string().max(40).optional(),
  opensAt: z.string().max(40).optional(),
  timezone: z.string().max(64).optional(),
  serverTime: z.string().max(40).optional(),
});
export type RefusalDetails = z.infer<typeof refusalDetails>;

export const errorBody = z.object({ code: errorCode, message: z.string() });
export type ErrorBody = z.infer<typeof errorBody>;

// ---------------------------------------------------------------------------------------------
// Shared pieces

const id = z.string().min(1).max(64);
const isoTime = z.string().max(40);
/** mediasoup parameter objects: shape-checked here, fully validated by mediasoup (errors → media_error). */
const looseObject = z.looseObject({});

const dtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.object({ algorithm: z.string().max(16), value: z.string().max(200) })).min(1).max(8),
});
const rtpCodec = z.looseObject({
  mimeType: z.string().max(40),
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive(),
});
const rtpEncoding = z.looseObject({
  ssrc: z.number().int().nonnegative().optional(),
  rid: z.string().max(16).optional(),
  scalabilityMode: z.string().max(16).optional(),
  maxBitrate: z.number().nonnegative().optional(),
});
const rtpParameters = z.looseObject({
  mid: z.string().max(16).optional(),
  codecs: z.array(rtpCodec).min(1).max(16),
  headerExtensions: z.array(looseObject).max(32).optional(),
  encodings: z.array(rtpEncoding).max(4).optional(),
  rtcp: looseObject.optional(),
});
const rtpCapabilities = z.object({
  codecs: z.array(looseObject).max(64).optional(),
  headerExtensions: z.array(looseObject).max(64).optional(),
});

/** 'officer': a hidden observer (handshake role 'officer' with an officer session token). */
export const role = z.enum(['family', 'booth', 'officer']);
export type Role = z.infer<typeof role>;
export const mediaSource = z.enum(['camera', 'microphone']);
export type MediaSource = z.infer<typeof mediaSource>;
export const presenceState = z.enum(['connected', 'reconnecting']);

export const peerInfo = z.object({
  peerId: id,
  role,
  displayName: z.string().max(200),
  state: presenceState,
});
export type PeerInfo = z.infer<typeof peerInfo>;

/** What a page shows about a visit. */
export const visitSummary = z.object({
  visitId: id,
  inmateName: z.string(),
  boothName: z.string(),
  visitorNames: z.array(z.string()),
  scheduledStart: isoTime,
  endsAt: isoTime,
  status: z.enum(['scheduled', 'live', 'ended', 'missed', 'cancelled']),
  /** false for privileged (legal counsel) visits */
  monitored: z.boolean(),
});
export type VisitSummary = z.infer<typeof visitSummary>;

export const endReason = z.enum(['time_up', 'hung_up', 'ended_by_officer', 'media_failure', 'recording_failed']);
export type EndReason = z.infer<typeof endReason>;

// ---------------------------------------------------------------------------------------------
// Requests (client → server) and their ack data

export const requests = {
  /** Who am I, which visit (booth: the current or next one), server clock. */
  hello: {
    request: z.object({}).strict(),
    response: z.object({
      protocol: z.number(),
      role,
      peerId: id,
      displayName: z.string(),
      visit: visitSummary.nullable(),
      serverTime: isoTime,
      /** The open call's router capabilities (what joinCall will give): the page loads its device meanwhile. */
      routerRtpCapabilities: looseObject.optional(),
    }),
  },
  /** Enter the call of the visit (family: the token's visit; booth: the visit id it was shown). */
  joinCall: {
    request: z.object({ visitId: id.optional() }).strict(),
    response: z.object({
      visitId: id,
      peerId: id,
      routerRtpCapabilities: looseObject,
      deadline: isoTime,
      peers: z.array(peerInfo),
    }),
  },
  createTransport: {
    request: z.object({ direction: z.enum(['send', 'recv']) }).strict(),
    response: z.object({
      transportId: id,
      iceParameters: looseObject,
      iceCandidates: z.array(looseObject),
      dtlsParameters: looseObject,
    }),
  },
  connectTransport: {
    request: z.object({ transportId: id, dtlsParameters }).strict(),
    response: z.object({}),
  },
  restartIce: {
    request: z.object({ transportId: id }).strict(),
    response: z.object({ iceParameters: looseObject }),
  },
  /** camera ⇔ video, microphone ⇔ audio; one live producer per kind (a closed one may be replaced). */
  produce: {
    request: z
      .object({ transportId: id, kind: z.enum(['audio', 'video']), rtpParameters, source: mediaSource })
      .strict()
      .refine((d) => (d.kind === 'video') === (d.source === 'camera'), { message: 'a camera sends video, a microphone sends audio' }),
    response: z.object({ producerId: id }),
  },
  setProducerPaused: {
    request: z.object({ producerId: id, paused: z.boolean() }).strict(),
    response: z.object({}),
  },
  /** The receive side is ready: the server creates consumers for every producer of the others. */
  consumeReady: {
    request: z.object({ rtpCapabilities }).strict(),
    response: z.object({}),
  },
  setConsumerLayers: {
    request: z
      .object({ consumerId: id, spatialLayer: z.number().int().min(0).max(2), temporalLayer: z.number().int().min(0).max(2).optional() })
      .strict(),
    response: z.object({}),
  },
  /** Leave the call on purpose (family: the last family member leaving ends the call). */
  hangUp: {
    request: z.object({}).strict(),
    response: z.object({}),
  },
  /**
   * Step out without ending the call (the family's camera could not start after it joined to
   * receive): the others see the party leave; joinCall enters again.
   */
  leaveCall: {
    request: z.object({}).strict(),
    response: z.object({}),
  },
  // Officers only (OFFICER_METHODS): silent observation of the facility's live calls.
  /** Start watching a call: a hidden peer with one receive transport on that call's router. */
  observeCall: {
    request: z.object({ visitId: id }).strict(),
    response: z.object({
      visitId: id,
      routerRtpCapabilities: looseObject,
      transport: z.object({ transportId: id, iceParameters: looseObject, iceCandidates: z.array(looseObject), dtlsParameters: looseObject }),
      deadline: isoTime,
      parties: z.array(peerInfo),
    }),
  },
  /** The observed call's receive transport exists on the page: consume the parties (video; audio only when focused). */
  observeReady: {
    request: z.object({ visitId: id, rtpCapabilities }).strict(),
    response: z.object({}),
  },
  /** Focus one observed call (full video layers + audio) or none (null: every call on the low layer, no audio). */
  focusCall: {
    request: z.object({ visitId: id.nullable() }).strict(),
    response: z.object({}),
  },
  unobserveCall: {
    request: z.object({ visitId: id }).strict(),
    response: z.object({}),
  },
} as const;

export const OFFICER_METHODS = ['observeCall', 'observeReady', 'focusCall', 'unobserveCall'] as const satisfies readonly (keyof typeof requests)[];

export type RequestMethod = keyof typeof requests;
export const requestMethods = Object.keys(requests) as RequestMethod[];
export type RequestData<M extends RequestMethod> = z.infer<(typeof requests)[M]['request']>;
export type ResponseData<M extends RequestMethod> = z.infer<(typeof requests)[M]['response']>;

export const requestEnvelope = z.object({ method: z.string().max(64), data: z.unknown() }).strict();

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export const ackSchema = <T extends z.ZodType>(data: T) =>
  z.union([z.object({ ok: z.literal(true), data }), z.object({ ok: z.literal(false), error: errorBody })]);

// ---------------------------------------------------------------------------------------------
// Notifications (server → client)

export const notifications = {
  peerJoined: z.object({ peer: peerInfo }),
  peerLeft: z.object({ peerId: id, reason: z.enum(['left', 'hung_up', 'disconnected', 'taken_over']) }),
  peerState: z.object({ peerId: id, state: presenceState }),
  newConsumer: z.object({
    /** set for officers (one connection observes several calls) */
    visitId: id.optional(),
    consumerId: id,
    producerId: id,
    peerId: id,
    kind: z.enum(['audio', 'video']),
    source: mediaSource,
    rtpParameters: looseObject,
    producerPaused: z.boolean(),
  }),
  consumerClosed: z.object({ consumerId: id }),
  consumerPaused: z.object({ consumerId: id, paused: z.boolean() }),
  /** Which simulcast layer the SFU forwards now (null: none fits the link, video paused). */
  consumerLayers: z.object({ consumerId: id, spatialLayer: z.number().int().nullable() }),
  deadline: z.object({ deadline: isoTime }),
  callEnded: z.object({ reason: endReason }),
  /** The media plane was reset (e.g. a worker died): rebuild transports with joinCall. */
  mediaReset: z.object({}),
  /** Another connection with the same token took over this session; do not reconnect. */
  takenOver: z.object({}),
  /** The server ends this connection now (device revoked, officer signed out or account changed, token expired); do not reconnect. */
  sessionRevoked: z.object({ code: refusalCode }),
  /** Officers: an observed call ended, or its media was reset (observe it again). */
  observationEnded: z.object({ visitId: id, reason: z.enum([...endReason.options, 'media_reset']) }),
  /** The call ends in about this many seconds (server deadline; warnings at configured offsets). */
  timeWarning: z.object({ secondsLeft: z.number().int().nonnegative() }),
  /** An officer's warning to both parties, shown prominently. */
  officerWarning: z.object({ message: z.string().min(1).max(300) }),
  /** An officer paused (muted: true) or released this party's audio or video; the party cannot undo it. */
  mutedByOfficer: z.object({ kind: z.enum(['audio', 'video']), muted: z.boolean() }),
} as const;

export type NotificationMethod = keyof typeof notifications;
export type NotificationData<M extends NotificationMethod> = z.infer<(typeof notifications)[M]>;
export type Notification = { [M in NotificationMethod]: { method: M; data: NotificationData<M> } }[NotificationMethod];
export const notificationEnvelope = z.object({ method: z.string(), data: z.unknown() });
/** Ack the client sends for `newConsumer`. */
export const newConsumerAck = z.object({ ok: z.boolean() });
