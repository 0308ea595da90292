import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveJwtSecret } from '../../server/auth/jwt-secret.ts';
import { ConfigError, loadConfig, projectRoot } from '../../server/config/load.ts';

describe('configuration', () => {
  it('loads the embedded defaults', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(3000);
    expect(c.databaseUrl).toBeNull();
    expect(c.redisUrl).toBeNull();
    expect(c.mediasoup.workers).toBe(0);
    expect(c.mediasoup.rtcPortMode).toBe('single');
    expect(c.mediasoup.rtcPort).toBe(40000);
    expect(c.dataDir).toBe(path.join(projectRoot, 'data'));
    expect(c.recordingsDir).toBe(path.join(projectRoot, 'recordings'));
  });

  it('takes environment overrides', () => {
    const c = loadConfig({
      PORT: '8443',
      MEDIASOUP_LISTEN_IP: '127.0.0.1',
      MEDIASOUP_ANNOUNCED_ADDRESS: 'visit.lapas.example',
      RTC_MIN_PORT: '41000',
      RTC_MAX_PORT: '41999',
      DATABASE_URL: 'postgres://u@db/kv',
      TLS_CERT: '/etc/kv/cert.pem',
      TLS_KEY: '/etc/kv/key.pem',
    });
    expect(c.http.port).toBe(8443);
    expect(c.mediasoup.announcedAddress).toBe('visit.lapas.example');
    expect(c.mediasoup.rtcMinPort).toBe(41000);
    expect(c.databaseUrl).toBe('postgres://u@db/kv');
    expect(c.http.tlsKey).toBe('/etc/kv/key.pem');
  });

  it.each([
    [{ PORT: 'abc' }, /http\.port \(environment PORT\)/],
    [{ PORT: '70000' }, /http\.port \(environment PORT\)/],
    [{ MEDIASOUP_LISTEN_IP: 'not-an-ip' }, /mediasoup\.listenIp \(environment MEDIASOUP_LISTEN_IP\)/],
    [{ RTC_MIN_PORT: '50000', RTC_MAX_PORT: '40000' }, /mediasoup\.rtcMaxPort/],
    [{ RTC_PORT_MODE: 'shared' }, /mediasoup\.rtcPortMode \(environment RTC_PORT_MODE\)/],
    [{ RTC_PORT: '70000' }, /mediasoup\.rtcPort \(environment RTC_PORT\)/],
    [{ RTC_PORT: '45000' }, /mediasoup\.rtcPort.*outside rtcMinPort–rtcMaxPort/],
    [{ RTC_PORT: '65535', MEDIASOUP_WORKERS: '2' }, /mediasoup\.rtcPort.*above 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /databaseUrl \(environment DATABASE_URL\)/],
    [{ REDIS_URL: 'redis://127.0.0.1:6379' }, /redisUrl \(environment REDIS_URL\).*not supported yet/],
    [{ TLS_CERT: '/only/cert.pem' }, /http\.tlsKey/],
    [{ LOG_LEVEL: 'loud' }, /logLevel \(environment LOG_LEVEL\)/],
    [{ JWT_SECRET: 'short' }, /jwtSecret \(environment JWT_SECRET\)/],
  ])('names the bad key for %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('takes the media port mode and port from the environment; the range mode keeps its range only', () => {
    const single = loadConfig({ RTC_PORT_MODE: 'single', RTC_PORT: '3479', MEDIASOUP_WORKERS: '4' });
    expect(single.mediasoup).toMatchObject({ rtcPortMode: 'single', rtcPort: 3479, workers: 4 });
    expect(loadConfig({ RTC_PORT: '0' }).mediasoup.rtcPort).toBe(0);
    // The single port is not checked against the range when it is not used.
    const range = loadConfig({ RTC_PORT_MODE: 'range', RTC_PORT: '45000' });
    expect(range.mediasoup).toMatchObject({ rtcPortMode: 'range', rtcMinPort: 40100, rtcMaxPort: 49999 });
  });

  it('rejects unknown keys and bad JSON in a config file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-config-'));
    writeFileSync(path.join(dir, 'extra.json'), JSON.stringify({ http: { prot: 1 } }));
    expect(() => loadConfig({ CONFIG_FILE: path.join(dir, 'extra.json') })).toThrow(/invalid configuration: http: Unrecognized key/);
    writeFileSync(path.join(dir, 'broken.json'), '{ nope');
    expect(() => loadConfig({ CONFIG_FILE: path.join(dir, 'broken.json') })).toThrow(/not valid JSON/);
  });
});

describe('JWT secret', () => {
  it('generates one secret, keeps it 0600, and reuses it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-secret-'));
    const first = resolveJwtSecret(null, dir, 'development');
    expect(first.length).toBeGreaterThanOrEqual(48);
    expect(statSync(path.join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    expect(resolveJwtSecret(null, dir, 'development')).toBe(first);
    expect(readFileSync(path.join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first);
  });

  it('refuses to start in production without an explicit strong secret', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-secret-'));
    expect(() => resolveJwtSecret(null, dir, 'production')).toThrow(/required when NODE_ENV=production/);
    expect(() => resolveJwtSecret('a'.repeat(40), dir, 'production')).toThrow(/too weak/);
    const strong = 'q3J9x-Lm2Vb8Rt6Yz0Wc4Np7Hs1Kd5Fg';
    expect(resolveJwtSecret(strong, dir, 'production')).toBe(strong);
  });
});
