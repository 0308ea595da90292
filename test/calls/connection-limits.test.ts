import { io as connect, Manager, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { clientAddressKey as addressKey, clientAddress } from '../../server/http/client-address.ts';
import { CALL_NAMESPACE } from '../../server/signalling/messages.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

const CAP = 3;

/** Connects a raw socket.io client; resolves 'connected' or the connect_error code. */
function attempt(app: App, namespace: string, auth: Record<string, unknown>, forwardedFor?: string): Promise<{ result: string; socket: Socket }> {
  const socket = connect(`${app.url}${namespace}`, {
    auth, transports: ['websocket'], reconnection: false, forceNew: true, ...(forwardedFor ? { extraHeaders: { 'x-forwarded-for': forwardedFor } } : {}),
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ result: 'timeout', socket }), 5000);
    socket.once('connect', () => (clearTimeout(timer), resolve({ result: 'connected', socket })));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      clearTimeout(timer);
      socket.close();
      resolve({ result: err.data?.code ?? err.message, socket });
    });
  });
}

describe('unauthenticated socket.io connections', () => {
  let app: App;
  let token: string;
  const open: Socket[] = [];
  beforeAll(async () => {
    app = await startTestApp({ SIGNALLING_MAX_CONNECTIONS_PER_ADDRESS: String(CAP) });
    token = (await loginOfficer(app, [(await createFacility(app)).id])).token;
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await app?.close();
  });

  const officer = async (forwardedFor?: string) => {
    const a = await attempt(app, CALL_NAMESPACE, { token, role: 'officer' }, forwardedFor);
    if (a.result === 'connected') open.push(a.socket);
    return a;
  };

  it('the default namespace is refused at once; only the call namespace is served', async () => {
    const started = Date.now();
    const { result, socket } = await attempt(app, '/', {});
    expect(result).toBe('namespace_refused');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(socket.connected).toBe(false);
    expect((await attempt(app, '/admin', {})).result).toBe('Invalid namespace');
  });

  it('caps open call connections per client address, with a code; a closed one frees its place', async () => {
    const first = [];
    for (let i = 0; i < CAP; i++) first.push(await officer('198.51.100.7'));
    expect(first.map((a) => a.result)).toEqual(Array(CAP).fill('connected'));
    expect((await officer('198.51.100.7')).result).toBe('too_many_connections');
    // refused connections (bad tokens) do not take places either
    expect((await attempt(app, CALL_NAMESPACE, { token: 'nope', role: 'officer' }, '198.51.100.8')).result).toBe('token_invalid');

    // another client behind the same loopback proxy has its own places
    expect((await officer('198.51.100.8')).result).toBe('connected');
    // the proxy appends the real client last: a forged first entry does not help
    expect((await officer('203.0.113.1, 198.51.100.7')).result).toBe('too_many_connections');

    first[0]!.socket.close();
    const deadline = Date.now() + 3000;
    let again = await officer('198.51.100.7');
    while (again.result !== 'connected' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      again = await officer('198.51.100.7');
    }
    expect(again.result).toBe('connected');
  });

  it('parallel connection attempts do not slip past the cap', async () => {
    const results = await Promise.all(Array.from({ length: CAP * 2 }, () => officer('198.51.100.20')));
    expect(results.filter((a) => a.result === 'connected')).toHaveLength(CAP);
    expect(results.filter((a) => a.result === 'too_many_connections')).toHaveLength(CAP);
  });

  it('raw transports that open no call are capped too (twice the call cap), before any socket.io work', async () => {
    const managers: Manager[] = [];
    const openTransport = (forwardedFor: string) =>
      new Promise<string>((resolve) => {
        const m = new Manager(app.url, { transports: ['websocket'], reconnection: false, autoConnect: false, extraHeaders: { 'x-forwarded-for': forwardedFor } });
        managers.push(m);
        m.open((err) => resolve(err ? 'refused' : 'open'));
      });
    const results = [];
    for (let i = 0; i < CAP * 2 + 1; i++) results.push(await openTransport('198.51.100.30'));
    expect(results).toEqual([...Array(CAP * 2).fill('open'), 'refused']);
    expect(await openTransport('198.51.100.31')).toBe('open');
    for (const m of managers) m.engine?.close();
  });

  it('IPv6 clients are counted per /64', async () => {
    for (const host of ['2001:db8:7:1::a', '2001:db8:7:1::b', '2001:db8:7:1:ffff::c']) expect((await officer(host)).result).toBe('connected');
    expect((await officer('2001:db8:7:1:1234:5678:9abc:def0')).result).toBe('too_many_connections');
    expect((await officer('2001:db8:7:2::a')).result).toBe('connected');
  });

  it('X-Forwarded-For counts only from a loopback proxy', () => {
    expect(clientAddress('127.0.0.1', '198.51.100.1')).toBe('198.51.100.1');
    expect(clientAddress('::ffff:127.0.0.1', '10.0.0.1, 198.51.100.1')).toBe('198.51.100.1');
    expect(clientAddress('::1', ['198.51.100.1', '127.0.0.1'])).toBe('198.51.100.1');
    expect(clientAddress('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
    expect(clientAddress('::ffff:203.0.113.9', undefined)).toBe('203.0.113.9');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('2001:db8:0:0:1::')).toBe(addressKey('2001:db8::ffff:1'));
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('198.51.100.1')).toBe('198.51.100.1');
  });
});
