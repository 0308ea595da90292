import type { Socket } from 'socket.io-client';
import { openCallSocket, REQUEST_TIMEOUT_MS, requestKey, sendRequest, takeEarlySocket, type CallRole } from './call-socket.ts';
// Before the schemas below are built: they decide at construction whether to compile with eval.
import './zod-without-eval.ts';
import {
  ackSchema,
  notificationEnvelope,
  notifications,
  refusalCode,
  refusalDetails,
  requests,
  type Ack,
  type Notification,
  type RefusalCode,
  type RefusalDetails,
  type RequestData,
  type RequestMethod,
  type ResponseData,
} from '../../server/signalling/messages.ts';

export class RequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface SignallingHandlers {
  connected(first: boolean): void;
  refused(code: RefusalCode, details?: RefusalDetails): void;
  disconnected(willReconnect: boolean): void;
  /** return a promise to delay the ack (newConsumer) until it settles */
  notification(n: Notification): void | Promise<boolean>;
}

/** Typed, validated socket.io client for the call protocol (server/signalling/messages.ts). */
export class Signalling {
  readonly #socket: Socket;
  #everConnected = false;
  /** requests the first script sent at connect (call-socket.ts), not yet asked for by the page */
  #sentEarly = new Map<string, Promise<unknown>>();

  constructor(token: string, role: CallRole, handlers: SignallingHandlers) {
    // The family page's first script may have connected already (call-socket.ts connectEarly).
    const early = takeEarlySocket(token, role);
    const socket = (this.#socket = early?.socket ?? openCallSocket(token, role));
    if (early) this.#sentEarly = early.sent;
    const onConnect = () => {
      const first = !this.#everConnected;
      this.#everConnected = true;
      handlers.connected(first);
    };
    const onConnectError = (err: Error & { data?: { code?: unknown } }) => {
      const parsed = refusalCode.safeParse(err.data?.code ?? err.message);
      // A refusal is final; a network error lets socket.io retry by itself.
      if (parsed.success) {
        socket.disconnect();
        const details = refusalDetails.safeParse(err.data ?? {});
        handlers.refused(parsed.data, details.success ? details.data : {});
      }
    };
    const onDisconnect = (reason: string) => {
      this.#sentEarly.clear(); // answered (if at all) for a connection that is gone
      handlers.disconnected(reason !== 'io server disconnect' && reason !== 'io client disconnect');
    };
    const onNotification = (raw: unknown, ack?: (r: unknown) => void) => {
      const envelope = notificationEnvelope.safeParse(raw);
      if (!envelope.success || !Object.hasOwn(notifications, envelope.data.method)) {
        ack?.({ ok: false });
        return;
      }
      const method = envelope.data.method as keyof typeof notifications;
      const data = notifications[method].safeParse(envelope.data.data);
      if (!data.success) {
        ack?.({ ok: false });
        return;
      }
      // The server is closing this connection for good (revoked device, signed-out officer, expired token): a refusal.
      if (method === 'sessionRevoked') {
        socket.disconnect();
        handlers.refused((data.data as { code: RefusalCode }).code);
        return;
      }
      const result = handlers.notification({ method, data: data.data } as Notification);
      if (ack) {
        if (result instanceof Promise) result.then((ok) => ack({ ok }), () => ack({ ok: false }));
        else ack({ ok: true });
      }
    };
    const listeners: Record<string, (...args: never[]) => void> = { connect: onConnect, connect_error: onConnectError, disconnect: onDisconnect, notification: onNotification };
    for (const [event, listener] of Object.entries(listeners)) socket.on(event, listener as (...args: unknown[]) => void);
    // What the early socket did before: replayed after the constructor (the handlers may use this Signalling).
    queueMicrotask(() => {
      for (const { event, args } of early?.missed ?? []) listeners[event]?.(...(args as never[]));
    });
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** Sends a request, or takes the answer to the same one the first script sent (sent again if that one was lost). */
  request<M extends RequestMethod>(method: M, data: RequestData<M>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ResponseData<M>> {
    const key = requestKey(method, data);
    const early = this.#sentEarly.get(key);
    this.#sentEarly.delete(key);
    const send = () => sendRequest(this.#socket, method, data, timeoutMs);
    return this.#reply(method, early ? early.catch(send) : send());
  }

  /** Forgets the answers to requests sent early (the page left instead of joining with them). */
  forgetEarlyRequests(): void {
    this.#sentEarly.clear();
  }

  async #reply<M extends RequestMethod>(method: M, sent: Promise<unknown>): Promise<ResponseData<M>> {
    const reply = await sent;
    const parsed = ackSchema(requests[method].response).safeParse(reply);
    if (!parsed.success) throw new RequestError('invalid_reply', `${method}: malformed reply`);
    const ack = parsed.data as Ack<ResponseData<M>>;
    if (!ack.ok) throw new RequestError(ack.error.code, ack.error.message);
    return ack.data;
  }

  /** Drops the network connection but lets socket.io reconnect (used after a long outage). */
  reconnectNow(): void {
    if (!this.#socket.connected) this.#socket.connect();
  }

  close(): void {
    this.#socket.close();
  }
}
