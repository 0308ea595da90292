import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { startTestApp } from '../helpers/test-app.ts';

function expectPageHeaders(headers: Headers | Record<string, string | string[] | undefined>) {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : (headers[name] as string | undefined) ?? null);
  const csp = get('content-security-policy') ?? '';
  expect(csp).toMatch(/(^|;)default-src 'self'(;|$)/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(get('x-content-type-options')).toBe('nosniff');
  expect(get('referrer-policy')).toBe('no-referrer');
  expect(get('x-frame-options')).toBe('DENY');
  return get;
}

describe('security headers over plain HTTP', () => {
  let app: App;
  beforeAll(async () => {
    // one call connection, so two raw transports, per address: room to reach engine.io's 403
    app = await startTestApp({ SIGNALLING_MAX_CONNECTIONS_PER_ADDRESS: '1' });
  });
  afterAll(() => app?.close());

  it('are on every response: health, API answers, errors, unknown paths', async () => {
    const responses = await Promise.all([
      fetch(`${app.url}/healthz`),
      fetch(`${app.url}/api/public-services/openapi.json`),
      fetch(`${app.url}/api/officer/complaints`), // 401
      fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' }), // 400
      fetch(`${app.url}/no-such-page`), // 404
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, 400, 404]);
    for (const res of responses) {
      const get = expectPageHeaders(res.headers);
      expect(get('strict-transport-security')).toBeNull();
      expect(get('x-powered-by')).toBeNull();
    }
  });

  it('HSTS only when the request came over TLS (a loopback proxy says so)', async () => {
    const behindTls = await fetch(`${app.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(behindTls.headers.get('strict-transport-security')).toMatch(/^max-age=\d{7,}$/);
    expect((await fetch(`${app.url}/healthz`, { headers: { 'x-forwarded-proto': 'http' } })).headers.get('strict-transport-security')).toBeNull();
  });

  it('socket.io answers (long-polling) carry them too, with nothing allowed to load', async () => {
    const res = await fetch(`${app.url}/socket.io/?EIO=4&transport=polling`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    await res.body?.cancel();
  });

  it('a WebSocket transport carries them in its 101 answer', async () => {
    const upgraded = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${app.url}/socket.io/?EIO=4&transport=websocket`, {
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') },
        timeout: 10_000,
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res);
      });
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    expect(upgraded.statusCode).toBe(101);
    expect(upgraded.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(upgraded.headers['x-content-type-options']).toBe('nosniff');
  });

  it("engine.io's own refusals carry them too: 400 for a bad sid or transport, 403 over the transport cap", async () => {
    const poll = (query: string, from: string) => fetch(`${app.url}/socket.io/?EIO=4&${query}`, { headers: { 'x-forwarded-for': from } });
    const refusals = [await poll('transport=polling&sid=no-such-session', '198.51.100.70'), await poll('transport=carrier-pigeon', '198.51.100.70')];
    const handshakes = [await poll('transport=polling', '198.51.100.71'), await poll('transport=polling', '198.51.100.71')];
    expect(handshakes.map((r) => r.status)).toEqual([200, 200]);
    refusals.push(await poll('transport=polling', '198.51.100.71'));
    expect(refusals.map((r) => r.status)).toEqual([400, 400, 403]);
    for (const res of [...refusals, ...handshakes]) {
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('strict-transport-security')).toBeNull();
      await res.body?.cancel();
    }
  });
});

describe('security headers over TLS', () => {
  let app: App;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-tls-'));
    const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore', timeout: 20_000 });
    app = await startTestApp({ TLS_CERT: cert, TLS_KEY: key });
  });
  afterAll(() => app?.close());

  const get = (urlPath: string) =>
    new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      https.get(`${app.url}${urlPath}`, { rejectUnauthorized: false, timeout: 10_000 }, (res) => {
        res.resume();
        resolve(res.headers);
      }).on('error', reject);
    });

  it('add Strict-Transport-Security to pages and socket.io answers', async () => {
    expect(app.url).toMatch(/^https:/);
    const page = await get('/healthz');
    expectPageHeaders(page);
    expect(page['strict-transport-security']).toMatch(/^max-age=\d{7,}$/);
    expect((await get('/socket.io/?EIO=4&transport=polling'))['strict-transport-security']).toMatch(/^max-age=\d{7,}$/);
    expect((await get('/socket.io/?EIO=4&transport=carrier-pigeon'))['strict-transport-security']).toMatch(/^max-age=\d{7,}$/);
  });
});
