import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../server/app.ts';
import { clientAddressKey } from '../../server/http/client-address.ts';
import { loginHashGate } from '../../server/officers/hash-gate.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

// Every account costs argon2 hashes (64 MiB each): slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const PASSWORD = 'kata-sandi-rahasia-123';

/** A test app whose officerLogin keys are overridden through a CONFIG_FILE. */
function startWithLoginConfig(officerLogin: Record<string, unknown>, publicServices?: Record<string, unknown>): Promise<App> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-login-config-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ officerLogin, ...(publicServices ? { publicServices } : {}) }));
  return startTestApp({ CONFIG_FILE: file });
}

/** A login as sent through the loopback proxy for `client` (the app trusts X-Forwarded-For from loopback). */
const loginFrom = (app: App, client: string, username: string, password: string) =>
  fetch(`${app.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body: JSON.stringify({ username, password }),
  });

async function codeOf(res: Response): Promise<string | undefined> {
  return ((await res.json()) as { error?: { code?: string } }).error?.code;
}

describe('rate-limit key of a client address', () => {
  it('keys IPv6 by /64, IPv4 (also IPv4-mapped) by the address', () => {
    expect(clientAddressKey('2001:db8:aa:bb::1')).toBe(clientAddressKey('2001:0db8:00aa:00bb:ffff:ffff:ffff:fffe'));
    expect(clientAddressKey('2001:db8:aa:bb::1')).not.toBe(clientAddressKey('2001:db8:aa:bc::1'));
    expect(clientAddressKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientAddressKey('198.51.100.7')).not.toBe(clientAddressKey('198.51.100.8'));
  });
});

describe('officer login: concurrent password checks are capped', () => {
  let app: App;
  beforeAll(async () => {
    app = await startWithLoginConfig({ maxConcurrentHashes: 2 });
  });
  afterAll(() => app.close());

  it('answers 429 busy at once, without hashing, to bad logins beyond the cap', async () => {
    const gate = loginHashGate(app.ctx);
    // One check first, so the timing hash for unknown usernames exists.
    expect((await loginFrom(app, '198.51.100.1', 'tidak-ada-0', 'salah')).status).toBe(401);
    const before = { ran: gate.ran, refused: gate.refused };

    // Distinct addresses and usernames: no rate limit is near, only the cap can refuse.
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => loginFrom(app, `198.51.100.${10 + i}`, `tidak-ada-${i + 1}`, 'salah')));
    const statuses = answers.map((r) => r.status);
    const codes = await Promise.all(answers.map(codeOf));
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const busy = answers.filter((r) => r.status === 429);
    expect(busy.length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 'busy')).toHaveLength(busy.length);
    for (const r of busy) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Never more than 2 hashes at once; every 401 cost a hash, no busy answer did.
    expect(gate.peak).toBe(2);
    expect(gate.ran - before.ran).toBe(statuses.filter((s) => s === 401).length);
    expect(gate.refused - before.refused).toBe(busy.length);
  });
});

describe('officer login: IPv6 clients are counted by /64', () => {
  let app: App;
  beforeAll(async () => {
    app = await startWithLoginConfig(
      { attemptsPerClient: { points: 3, durationSeconds: 600 } },
      { rateLimits: { trackingPerClient: { points: 2, durationSeconds: 600 } } },
    );
  });
  afterAll(() => app.close());

  it('two addresses in the same /64 share one login budget; another /64 has its own', async () => {
    const sameNet = ['2001:db8:aa:bb::1', '2001:db8:aa:bb:ffff:ffff:ffff:fffe', '2001:db8:aa:bb::1234'];
    expect((await loginFrom(app, sameNet[0]!, 'tidak-ada-a', 'salah')).status).toBe(401);
    expect((await loginFrom(app, sameNet[1]!, 'tidak-ada-b', 'salah')).status).toBe(401);
    expect((await loginFrom(app, sameNet[1]!, 'tidak-ada-c', 'salah')).status).toBe(401);
    const limited = await loginFrom(app, sameNet[2]!, 'tidak-ada-d', 'salah');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect(await codeOf(limited)).toBe('too_many_attempts');
    expect((await loginFrom(app, '2001:db8:aa:bc::1', 'tidak-ada-e', 'salah')).status).toBe(401);
  });

  it('the public services\' per-client limits use the same /64 key', async () => {
    const track = (client: string) => fetch(`${app.url}/api/complaints/ADU-00000000`, { headers: { 'x-forwarded-for': client, 'x-tracking-code': 'x' } });
    expect((await track('2001:db8:cc:dd::1')).status).toBe(404);
    expect((await track('2001:db8:cc:dd::2')).status).toBe(404);
    expect((await track('2001:db8:cc:dd::3')).status).toBe(429);
    expect((await track('2001:db8:cc:de::1')).status).toBe(404);
  });
});

describe('officer login: one username guessed from many addresses', () => {
  let app: App;
  beforeAll(async () => {
    app = await startWithLoginConfig({ failuresPerUsername: { points: 4, durationSeconds: 600 } });
  });
  afterAll(() => app.close());

  it('limits the guesses at one username across all addresses; the user still gets in from an address they signed in from', async () => {
    const facility = await createFacility(app);
    const { username } = await loginOfficer(app, [facility.id]);
    // The user's own workstation, used before the attack.
    expect((await loginFrom(app, '192.0.2.10', username, PASSWORD)).status).toBe(200);

    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await loginFrom(app, `198.51.100.${100 + i}`, username, `tebakan-${i}`);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(await codeOf(res)).toBe('too_many_attempts');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
    // Even the right password from a new address waits for the window; from the known one it works.
    expect((await loginFrom(app, '198.51.100.200', username, PASSWORD)).status).toBe(429);
    expect((await loginFrom(app, '192.0.2.10', username, PASSWORD)).status).toBe(200);
    // Another username is not affected.
    const other = await loginOfficer(app, [facility.id]);
    expect((await loginFrom(app, '198.51.100.201', other.username, PASSWORD)).status).toBe(200);
  });
});
