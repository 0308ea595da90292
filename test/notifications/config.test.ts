import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config/load.ts';
import { buildChannels, channelsFor } from '../../server/notifications/channels.ts';

function withFile(notifications: unknown) {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-notify-config-')), 'config.json');
  writeFileSync(file, JSON.stringify({ notifications }));
  return loadConfig({ CONFIG_FILE: file });
}

const wa = { kind: 'whatsapp', apiVersion: 'v23.0', phoneNumberId: '1234567890', tokenEnv: 'WHATSAPP_TOKEN' };
const mail = { kind: 'smtp', host: 'smtp.example.go.id', port: 587, secure: false, user: 'kunjungan', passwordEnv: 'SMTP_PASSWORD', from: 'Lapas <k@example.go.id>' };

describe('notification channels in the configuration', () => {
  it('has no channel by default: every facility sends by hand', () => {
    const c = loadConfig({});
    expect(c.notifications.channels).toEqual({});
    expect(channelsFor(c.notifications, 'LP-ANY')).toEqual([]);
    expect(buildChannels(c.notifications, {}).size).toBe(0);
  });

  it('maps facilities to channels, "*" for the others; secrets come from the environment, a missing one stops the start', () => {
    const c = withFile({ channels: { wa, mail }, facilities: { 'LP-CIPINANG': ['wa', 'mail'], '*': ['mail'] } });
    expect(channelsFor(c.notifications, 'LP-CIPINANG')).toEqual(['wa', 'mail']);
    expect(channelsFor(c.notifications, 'RT-LAIN')).toEqual(['mail']);
    expect(c.notifications.channels.wa).toMatchObject({ baseUrl: 'https://graph.facebook.com', languageCodes: { id: 'id', en: 'en' } });
    expect([...buildChannels(c.notifications, { WHATSAPP_TOKEN: 't', SMTP_PASSWORD: 'p' }).keys()]).toEqual(['wa', 'mail']);
    expect(() => buildChannels(c.notifications, { SMTP_PASSWORD: 'p' })).toThrow(ConfigError);
    expect(() => buildChannels(c.notifications, { SMTP_PASSWORD: 'p' })).toThrow(/notifications\.channels\.wa\.tokenEnv: environment variable WHATSAPP_TOKEN is not set/);
  });

  it.each([
    [{ channels: { mail }, facilities: { 'LP-A': ['sms'] } }, /notifications\.facilities\.LP-A\.0: no channel named sms/],
    [{ channels: { wa: { ...wa, token: 'in-the-file' } } }, /notifications\.channels\.wa/],
    [{ channels: { wa: { ...wa, apiVersion: '23' } } }, /notifications\.channels\.wa\.apiVersion/],
    [{ channels: { mail: { ...mail, passwordEnv: 'lower-case' } } }, /notifications\.channels\.mail\.passwordEnv/],
    [{ sender: { leaseMs: 10_000, sendTimeoutMs: 30_000 } }, /notifications\.sender\.leaseMs/],
  ])('refuses %j', (notifications, message) => {
    expect(() => withFile(notifications)).toThrow(message);
  });
});
