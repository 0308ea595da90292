import { io, type Socket } from 'socket.io-client';
// Before the schemas below are built: they decide at construction whether to compile with eval.
import './zod-without-eval.ts';
import {
  ackSchema,
  CALL_NAMESPACE,
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

  constructor(token: string, role: 'family' | 'booth' | 'officer', handlers: SignallingHandlers) {
    this.#socket = io(CALL_NAMESPACE, {
      auth: { token, role },
      transports: ['websocket', 'polling'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 2000,
      timeout: 8000,
    });
    this.#socket.on('connect', () => {
      const first = !this.#everConnected;
      this.#everConnected = true;
      handlers.connected(first);
    });
    this.#socket.on('connect_error', (err: Error & { data?: { code?: unknown } }) => {
      const parsed = refusalCode.safeParse(err.data?.code ?? err.message);
      // A refusal is final; a network error lets socket.io retry by itself.
      if (parsed.success) {
        this.#socket.disconnect();
        const details = refusalDetails.safeParse(err.data ?? {});
        handlers.refused(parsed.data, details.success ? details.data : {});
      }
    });
    this.#socket.on('disconnect', (reason) => handlers.disconnected(reason !== 'io server disconnect' && reason !== 'io client disconnect'));
    this.#socket.on('notification', (raw: unknown, ack?: (r: unknown) => void) => {
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
        this.#socket.disconnect();
        handlers.refused((data.data as { code: RefusalCode }).code);
        return;
      }
      const result = handlers.notification({ method, data: data.data } as Notification);
      if (ack) {
        if (result instanceof Promise) result.then((ok) => ack({ ok }), () => ack({ ok: false }));
        else ack({ ok: true });
      }
    });
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  async request<M extends RequestMethod>(method: M, data: RequestData<M>, timeoutMs = 10_000): Promise<ResponseData<M>> {
    const reply: unknown = await this.#socket.timeout(timeoutMs).emitWithAck('request', { method, data });
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
