import { io as connect, type Socket } from 'socket.io-client';
import type { App } from '../../server/app.ts';
import { CALL_NAMESPACE, type Ack, type RequestData, type RequestMethod, type ResponseData } from '../../server/signalling/messages.ts';

export interface Received {
  method: string;
  data: any;
}

/** A bare signalling client (no media) for node tests. */
export class TestCallClient {
  readonly socket: Socket;
  readonly notifications: Received[] = [];
  /** ack newConsumer with this (false: refuse) */
  ackConsumers = true;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('notification', (n: Received, ack?: (r: unknown) => void) => {
      this.notifications.push(n);
      if (typeof ack === 'function') ack({ ok: this.ackConsumers });
    });
  }

  /** Connects; resolves with the client, or rejects with the refusal code. */
  static async open(app: App, auth: Record<string, unknown>): Promise<TestCallClient> {
    const socket = connect(`${app.url}${CALL_NAMESPACE}`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connect timeout')), 5000);
      socket.once('connect', () => (clearTimeout(timer), resolve()));
      socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
        clearTimeout(timer);
        socket.close();
        reject(Object.assign(new Error(err.data?.code ?? err.message), { code: err.data?.code ?? err.message }));
      });
    });
    return new TestCallClient(socket);
  }

  static async refusal(app: App, auth: Record<string, unknown>): Promise<string> {
    try {
      const c = await TestCallClient.open(app, auth);
      c.close();
      return 'accepted';
    } catch (err) {
      return (err as { code?: string }).code ?? String(err);
    }
  }

  request<M extends RequestMethod>(method: M, data: RequestData<M>): Promise<Ack<ResponseData<M>>> {
    return this.raw({ method, data }) as Promise<Ack<ResponseData<M>>>;
  }

  async ok<M extends RequestMethod>(method: M, data: RequestData<M>): Promise<ResponseData<M>> {
    const r = await this.request(method, data);
    if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
    return r.data;
  }

  raw(...args: unknown[]): Promise<unknown> {
    return this.socket.timeout(5000).emitWithAck('request', ...args);
  }

  async waitFor(method: string, predicate: (data: any) => boolean = () => true, timeoutMs = 8000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = this.notifications.find((n) => n.method === method && predicate(n.data));
      if (hit) return hit.data;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no ${method} notification within ${timeoutMs} ms (got ${this.notifications.map((n) => n.method).join(', ')})`);
  }

  close(): void {
    this.socket.close();
  }
}

/** RTP parameters a browser would send for Opus (no media flows: signalling-level tests). */
export const fakeAudioRtp = (ssrc: number) => ({
  mid: '0',
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: {}, rtcpFeedback: [] }],
  headerExtensions: [],
  encodings: [{ ssrc }],
  rtcp: { cname: `c${ssrc}`, reducedSize: true },
});

/** VP8 camera parameters; `simulcast` gives two layers like a browser camera at 320x240. */
export const fakeVideoRtp = (ssrc: number, options: { simulcast?: boolean } = {}) =>
  options.simulcast
    ? {
        mid: '1',
        codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {}, rtcpFeedback: [{ type: 'nack' }] }],
        headerExtensions: [],
        encodings: [{ ssrc, scalabilityMode: 'L1T3' }, { ssrc: ssrc + 1, scalabilityMode: 'L1T3' }],
        rtcp: { cname: `v${ssrc}`, reducedSize: true },
      }
    : {
        mid: '1',
        codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {}, rtcpFeedback: [] }],
        headerExtensions: [],
        encodings: [{ ssrc }],
        rtcp: { cname: `c${ssrc}`, reducedSize: true },
      };

/** The error code of a raw ack, or 'ok'. */
export const errorCodeOf = (r: unknown) => (r as { ok: boolean; error?: { code: string } }).error?.code ?? 'ok';
