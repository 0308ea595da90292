import { io, type Socket } from 'socket.io-client';
import { CALL_NAMESPACE } from '../../server/signalling/namespace.ts';
import type { RequestData, RequestMethod } from '../../server/signalling/messages.ts';

export type CallRole = 'family' | 'booth' | 'officer';

/** Something the socket did before the page's Signalling listened: replayed to it in order. */
export interface MissedEvent {
  event: string;
  args: unknown[];
}

/** The call protocol's socket.io connection (server/signalling/messages.ts). */
export function openCallSocket(token: string, role: CallRole): Socket {
  return io(CALL_NAMESPACE, {
    auth: { token, role },
    transports: ['websocket', 'polling'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 2000,
    timeout: 8000,
  });
}

const RESERVED = ['connect', 'connect_error', 'disconnect'] as const;

/**
 * What a family page asks first, in this order, whatever happens next: who am I (hello), enter
 * the call, and a transport each way. The first script sends them at connect; the call page's
 * same requests take these answers (a page that does not join after all leaves: CallClient.leave).
 */
const OPENING_REQUESTS = [
  { method: 'hello', data: {} },
  { method: 'joinCall', data: {} },
  { method: 'createTransport', data: { direction: 'send' } },
  { method: 'createTransport', data: { direction: 'recv' } },
] as const satisfies ReadonlyArray<{ [M in RequestMethod]: { method: M; data: RequestData<M> } }[RequestMethod]>;
export const REQUEST_TIMEOUT_MS = 10_000;

/** Identifies a request by method and data, to match one sent early with the page's own. */
export function requestKey(method: string, data: unknown): string {
  return `${method} ${JSON.stringify(data)}`;
}

export function sendRequest(socket: Socket, method: string, data: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<unknown> {
  return socket.timeout(timeoutMs).emitWithAck('request', { method, data });
}

interface EarlySocket {
  token: string;
  role: CallRole;
  socket: Socket;
  missed: MissedEvent[];
  /** raw acks of the opening requests sent at the first connect, by requestKey (the page validates them) */
  sent: Map<string, Promise<unknown>>;
  stopRecording(): void;
}

let early: EarlySocket | undefined;
/** Set once a Signalling looked for the early socket: one opened after that would take over its connection. */
let claimed = false;

/**
 * Connects while the call page still loads (the family page's small first script), recording what
 * happens until the page's Signalling takes the socket over (takeEarlySocket).
 */
export function connectEarly(token: string, role: CallRole): void {
  if (early || claimed) return;
  const socket = openCallSocket(token, role);
  const missed: MissedEvent[] = [];
  const listeners = RESERVED.map((event) => [event, (...args: unknown[]) => missed.push({ event, args })] as const);
  for (const [event, listener] of listeners) socket.on(event, listener as never);
  const any = (event: string, ...args: unknown[]) => missed.push({ event, args });
  socket.onAny(any);
  const e: EarlySocket = {
    token,
    role,
    socket,
    missed,
    sent: new Map(),
    stopRecording: () => {
      for (const [event, listener] of listeners) socket.off(event, listener as never);
      socket.offAny(any);
    },
  };
  early = e;
  socket.once('connect', () => {
    performance.mark?.('kv:socket-open');
    if (early !== e || role !== 'family') return;
    for (const { method, data } of OPENING_REQUESTS) {
      const reply = sendRequest(socket, method, data);
      reply.catch(() => {});
      e.sent.set(requestKey(method, data), reply);
    }
  });
}

/** The socket connectEarly opened for this token and role, with what it missed; once. */
export function takeEarlySocket(token: string, role: CallRole): Pick<EarlySocket, 'socket' | 'missed' | 'sent'> | undefined {
  claimed = true;
  const taken = early;
  early = undefined;
  if (!taken) return undefined;
  taken.stopRecording();
  if (taken.token !== token || taken.role !== role) {
    taken.socket.close();
    return undefined;
  }
  return { socket: taken.socket, missed: taken.missed, sent: taken.sent };
}
