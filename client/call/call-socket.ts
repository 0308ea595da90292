import { io, type Socket } from 'socket.io-client';
import { CALL_NAMESPACE } from '../../server/signalling/namespace.ts';

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

/** The request a connection starts with (who am I, which visit): the first script sends it at once. */
const HELLO = { method: 'hello', data: {} } as const;
export const HELLO_TIMEOUT_MS = 10_000;

interface EarlySocket {
  token: string;
  role: CallRole;
  socket: Socket;
  missed: MissedEvent[];
  /** the raw ack of the hello sent at the first connect (the page validates it) */
  hello?: Promise<unknown>;
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
    stopRecording: () => {
      for (const [event, listener] of listeners) socket.off(event, listener as never);
      socket.offAny(any);
    },
  };
  early = e;
  socket.once('connect', () => {
    performance.mark?.('kv:socket-open');
    if (early !== e) return;
    e.hello = sendHello(socket);
    e.hello.catch(() => {});
  });
}

export function sendHello(socket: Socket): Promise<unknown> {
  return socket.timeout(HELLO_TIMEOUT_MS).emitWithAck('request', HELLO);
}

/** The socket connectEarly opened for this token and role, with what it missed; once. */
export function takeEarlySocket(token: string, role: CallRole): Pick<EarlySocket, 'socket' | 'missed' | 'hello'> | undefined {
  claimed = true;
  const taken = early;
  early = undefined;
  if (!taken) return undefined;
  taken.stopRecording();
  if (taken.token !== token || taken.role !== role) {
    taken.socket.close();
    return undefined;
  }
  return { socket: taken.socket, missed: taken.missed, hello: taken.hello };
}
