import { EventEmitter } from 'node:events';

/**
 * Something that may end live connections right away (this server is one node, so an in-process
 * bus is enough): the account routes and booth routes publish, the call sockets listen.
 * - officer: the account changed (disabled, role, facility assignment): re-check its sockets
 * - session: an officer signed out: that session's sockets go
 * - boothDevice: a booth device was revoked: its socket goes
 * - visitor: a visitor was banned: their family sockets are re-checked (and go)
 */
export type Revocation =
  | { kind: 'officer'; officerId: string }
  | { kind: 'session'; sessionId: string }
  | { kind: 'boothDevice'; deviceId: string }
  | { kind: 'visitor'; visitorId: string };

export class RevocationBus {
  readonly #events = new EventEmitter();

  publish(revocation: Revocation): void {
    this.#events.emit('revocation', revocation);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (revocation: Revocation) => void): () => void {
    this.#events.on('revocation', listener);
    return () => this.#events.off('revocation', listener);
  }
}
