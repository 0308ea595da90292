import type { IncomingMessage } from 'node:http';
import type { Server as SocketServer, Socket } from 'socket.io';
import { requestAddressKey } from '../http/client-address.ts';
import type { RefusalCode, RefusalDetails } from './messages.ts';

/** A socket.io middleware refusal: the client's `connect_error` carries the code (message and data.code) and its details. */
export function refusalError(code: RefusalCode, details: RefusalDetails = {}): Error & { data: { code: RefusalCode } & RefusalDetails } {
  return Object.assign(new Error(code), { data: { ...details, code } });
}

/**
 * Raw transport connections (engine.io) allowed per address, as a multiple of the call
 * connections: room for reconnects whose old transport has not timed out yet, while a flood of
 * transports that never open a call is cut off before socket.io does any work for them.
 */
const TRANSPORT_FACTOR = 2;

function add(counts: Map<string, number>, key: string, delta: 1 | -1): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

/**
 * Limits on unauthenticated socket.io connections: the default namespace '/' is refused (only
 * the call namespace is served), call connections are capped per client address, and raw
 * transports per address are capped at TRANSPORT_FACTOR times that.
 */
export class ConnectionGuards {
  readonly #max: number;
  readonly #calls = new Map<string, number>();
  readonly #transports = new Map<string, number>();

  constructor(maxPerAddress: number) {
    this.#max = maxPerAddress;
  }

  /** engine.io `allowRequest` for new transports: over the cap, HTTP 403 (no socket.io work at all). */
  readonly allowRequest = (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void => {
    const ok = (this.#transports.get(requestAddressKey(req)) ?? 0) < this.#max * TRANSPORT_FACTOR;
    callback(ok ? null : 'too_many_connections', ok);
  };

  attach(io: SocketServer): void {
    io.engine.on('connection', (conn: { request: IncomingMessage; once(event: 'close', listener: () => void): unknown }) => {
      const key = requestAddressKey(conn.request);
      add(this.#transports, key, 1);
      conn.once('close', () => add(this.#transports, key, -1));
    });
    io.use((_socket, next) => next(refusalError('namespace_refused')));
  }

  /**
   * Takes one call-connection place for the socket's address, or returns undefined when the
   * address has them all. The place is given back by the returned function or when the
   * transport closes, whichever comes first.
   */
  reserve(socket: Socket): (() => void) | undefined {
    const key = requestAddressKey(socket.request);
    if ((this.#calls.get(key) ?? 0) >= this.#max) return undefined;
    add(this.#calls, key, 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      add(this.#calls, key, -1);
    };
    socket.conn.once('close', release);
    return release;
  }
}
