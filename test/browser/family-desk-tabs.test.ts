import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../client/common/facility-time.ts';
import type { App } from '../../server/app.ts';
import { cspProblems, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const overflow = (page: Page) => page.evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });
const text = (page: Page, selector: string) => page.$eval(selector, (el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim());

const SHOTS = process.env.SHOTS_DIR ?? '/tmp/shots/family-desk';

/** No sideways scrolling at 390 px nor at 1280 px (a PNG of each, looked at by hand); back to 1280 px. */
async function fitsBothWidths(page: Page, what: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const [width, height] of [[390, 844], [1280, 800]] as const) {
    await page.setViewport({ width, height, deviceScaleFactor: 1 });
    await new Promise((r) => setTimeout(r, 200));
    await page.screenshot({ path: path.join(SHOTS, `${what.replace(/\W+/g, '-')}-${width}.png`) as `${string}.png`, fullPage: true });
    expect(await overflow(page), `${what} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
  }
}

describe('the officer tabs Pesan and Verifikasi keluarga (real Chromium)', () => {
  let app: App;
  let session: BrowserSession;
  let csp: CspWatch;
  let officer: Awaited<ReturnType<typeof loginOfficer>>;
  let seeded: SeededVisit;
  const reason = 'Bilik sedang diperbaiki';
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${app.url}${url}`, { method, headers: { 'content-type': 'application/json', ...officer.auth }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const manual = async () => (await api('GET', '/api/notifications?status=manual')).body.messages as Json[];

  beforeAll(async () => {
    // no channel configured: every message waits for the desk; a fast sender so the test does not wait 5 s
    const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-officer2-')), 'config.json');
    writeFileSync(configFile, JSON.stringify({ notifications: { sender: { intervalMs: 100 } } }));
    app = await startTestApp({ CONFIG_FILE: configFile });
    seeded = await seedVisit(app, { start: new Date(Date.now() + 3 * 3600_000), durationSeconds: 1800, visitorNames: ['Siti Aminah', 'Joko Susilo'] });
    // Siti has a WhatsApp number, Joko none
    await app.storage.db.updateTable('visitors').set({ phone: '+6281234567890' }).where('id', '=', seeded.visitors[0]!.id).execute();
    officer = await loginOfficer(app, [seeded.facilityId], 'officer');
    session = await launchBrowser();
    csp = await watchContentSecurityPolicy(session.page);
    await session.page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
    const { page } = session;
    await page.goto(`${app.url}/officer/`);
    await page.waitForSelector('#login-form input[name="username"]');
    await page.type('#login-form input[name="username"]', officer.username);
    await page.type('#login-form input[name="password"]', officer.password);
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('[data-testid="tab-messages"]');
  });
  afterAll(async () => {
    await session?.close();
    await app?.close();
  });

  it('Pesan: a cancelled visit gives one message per visitor with its text, a wa.me link where there is a number; "Sudah dikirim" removes it', async () => {
    const { page } = session;
    expect((await api('POST', `/api/visits/${seeded.visitId}/cancel`, { reason })).status).toBe(200);
    await waitUntil('two messages for the desk', async () => (await manual()).length === 2);
    // A message the provider kept refusing, listed apart
    const failedId = randomUUID();
    const now = new Date().toISOString();
    await app.storage.db.insertInto('notification_outbox').values({
      id: failedId, idempotency_key: `test.failed:${failedId}`, facility_id: seeded.facilityId, recipient_ref: randomUUID(), to_name: 'Rina Wati', to_phone: '+6289876543210', to_email: 'rina@example.org',
      template: 'registrationRejected', language: 'id', params: JSON.stringify({ reason: 'Foto KTP buram' }), status: 'failed', channel: 'whatsapp', attempts: 4, next_attempt_at: now,
      claim_token: null, lease_until: null, last_error: 'HTTP 500 from provider', provider_id: null, expires_at: null, created_at: now, sent_at: null, handled_by: null, handled_at: null,
    }).execute();

    await page.click('[data-testid="tab-messages"]');
    await page.waitForSelector('[data-testid="messages-manual"] [data-testid="message-row"]');
    const rows = await page.$$eval('[data-testid="messages-manual"] [data-testid="message-row"]', (els) => els.map((el) => ({
      name: el.querySelector('strong')!.textContent,
      text: el.querySelector('[data-testid="message-text"]')!.textContent,
      whatsapp: el.querySelector('[data-testid="message-whatsapp"]')?.getAttribute('href') ?? null,
      note: el.querySelector('.notice')?.textContent ?? null,
    })));
    expect(rows.map((r) => r.name).sort()).toEqual(['Joko Susilo', 'Siti Aminah']);
    for (const r of rows) expect(r.text).toContain(`dibatalkan oleh petugas. Alasan: ${reason}`);
    const siti = rows.find((r) => r.name === 'Siti Aminah')!;
    const joko = rows.find((r) => r.name === 'Joko Susilo')!;
    expect(siti.whatsapp).toMatch(/^https:\/\/wa\.me\/6281234567890\?text=/);
    expect(decodeURIComponent(siti.whatsapp!.split('?text=')[1]!)).toContain(`Alasan: ${reason}`);
    expect(siti.note).toBeNull();
    expect(joko.whatsapp).toBeNull();
    expect(joko.note).toBe('Tidak ada nomor WhatsApp atau e-mail: sampaikan langsung kepada keluarga.');
    expect(await text(page, '[data-testid="messages-manual"] h3')).toBe('Menunggu dikirim petugas (2)');
    // the failed one: its own list, with the e-mail link and the last error
    const failed = `[data-testid="messages-failed"] [data-message-id="${failedId}"]`;
    expect(await text(page, `${failed} [data-testid="message-text"]`)).toContain('ditolak. Alasan: Foto KTP buram');
    expect(await page.$eval(`${failed} [data-testid="message-mailto"]`, (el) => el.getAttribute('href'))).toMatch(/^mailto:rina@example\.org\?subject=/);
    expect(await text(page, failed)).toContain('HTTP 500 from provider');
    await fitsBothWidths(page, 'Pesan');

    // Siti's message was sent by hand: marked, gone from the list, gone from the server's list, audited
    const sitiId = (await manual()).find((m) => m.recipient.name === 'Siti Aminah').id as string;
    await page.click(`[data-message-id="${sitiId}"] [data-testid="message-handled"]`);
    await waitUntil('row gone', async () => (await page.$(`[data-message-id="${sitiId}"]`)) === null);
    expect(await text(page, '[data-testid="messages-notice"]')).toBe('Pesan untuk Siti Aminah ditandai sudah dikirim.');
    expect(await text(page, '[data-testid="messages-manual"] h3')).toBe('Menunggu dikirim petugas (1)');
    expect((await manual()).map((m) => m.recipient.name)).toEqual(['Joko Susilo']);
    const row = await app.storage.db.selectFrom('notification_outbox').select(['status', 'handled_by']).where('id', '=', sitiId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'handled', handled_by: officer.officer.id });

    // Another officer handled Joko's meanwhile: the desk says so and drops the row
    const jokoId = (await manual())[0].id as string;
    expect((await api('POST', `/api/notifications/${jokoId}/handled`, {})).status).toBe(200);
    await page.click(`[data-message-id="${jokoId}"] [data-testid="message-handled"]`);
    await waitUntil('row gone', async () => (await page.$(`[data-message-id="${jokoId}"]`)) === null);
    expect(await text(page, '[data-testid="messages-notice"]')).toBe('Pesan ini sudah ditangani petugas lain.');
    expect(await text(page, '[data-testid="messages-manual"] [data-testid="messages-empty"]')).toBe('Tidak ada pesan yang menunggu.');
    expect(cspProblems(csp, app.url)).toEqual([]);
  });
});

describe('family booking at the desk: the rules in Pengaturan, confirming a family booking in Jadwal (real Chromium)', () => {
  let app: App;
  let session: BrowserSession;
  let csp: CspWatch;
  let supervisor: Awaited<ReturnType<typeof loginOfficer>>;
  let pending: SeededVisit;
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${app.url}${url}`, { method, headers: { 'content-type': 'application/json', ...supervisor.auth }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    app = await startTestApp();
    pending = await seedVisit(app, { start: new Date(Date.now() + 2 * 3600_000), durationSeconds: 1800, visitorNames: ['Dewi Lestari'] });
    // a family booking in a facility that confirms them: it holds the slot but waits for an officer
    await app.storage.db.updateTable('visits').set({ confirmation: 'pending' }).where('id', '=', pending.visitId).execute();
    supervisor = await loginOfficer(app, [pending.facilityId], 'supervisor');
    session = await launchBrowser();
    csp = await watchContentSecurityPolicy(session.page);
    await session.page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
    const { page } = session;
    await page.goto(`${app.url}/officer/`);
    await page.waitForSelector('#login-form input[name="username"]');
    await page.type('#login-form input[name="username"]', supervisor.username);
    await page.type('#login-form input[name="password"]', supervisor.password);
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('[data-testid="tab-settings"]');
  });
  afterAll(async () => {
    await session?.close();
    await app?.close();
  });

  it('Pengaturan: family booking allowed, confirmed by an officer, change deadline; an out-of-range deadline is named and not saved', async () => {
    const { page } = session;
    await page.click('[data-testid="tab-settings"]');
    await page.waitForSelector('[data-testid="family-booking"]');
    // the defaults of a facility that never saved its rules
    expect(await page.$eval('[data-testid="family-booking-enabled"]', (el) => (el as any).checked)).toBe(true);
    expect(await page.$eval('[data-testid="family-booking-confirmation"]', (el) => (el as any).value)).toBe('auto');
    expect(await page.$eval('[data-testid="family-booking-deadline"]', (el) => (el as any).value)).toBe('24');
    await page.select('[data-testid="family-booking-confirmation"]', 'officer');
    await page.$eval('[data-testid="family-booking-deadline"]', (el) => { (el as any).value = ''; });
    await page.type('[data-testid="family-booking-deadline"]', '200');
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-errors"]');
    expect(await text(page, '[data-testid="settings-errors"]')).toBe('Batas ubah/batal oleh keluarga (jam sebelum kunjungan): harus bilangan bulat 0–168');
    expect((await api('GET', '/api/facility/rules')).body.rules.familyBooking).toEqual({ enabled: true, confirmation: 'auto', changeDeadlineHours: 24 });
    await page.$eval('[data-testid="family-booking-deadline"]', (el) => { (el as any).value = ''; });
    await page.type('[data-testid="family-booking-deadline"]', '12');
    await page.click('[data-testid="family-booking-enabled"]');
    await page.click('[data-testid="settings-save"]');
    await waitUntil('saved', async () => (await text(page, '[data-testid="settings-status"]')) === 'Aturan tersimpan.');
    expect((await api('GET', '/api/facility/rules')).body.rules.familyBooking).toEqual({ enabled: false, confirmation: 'officer', changeDeadlineHours: 12 });
    await fitsBothWidths(page, 'Pengaturan');
  });

  it('Jadwal: a family booking awaiting confirmation says so, offers no links, and Konfirmasi confirms it (audited)', async () => {
    const { page } = session;
    const row = `[data-testid="visit-row"][data-visit-id="${pending.visitId}"]`;
    await page.click('[data-testid="tab-schedule"]');
    await page.waitForSelector('[data-testid="schedule-date"]');
    await page.$eval('[data-testid="schedule-date"]', (el, day) => { (el as any).value = day; el.dispatchEvent(new (globalThis as any).Event('change')); }, localDate('Asia/Jakarta', pending.start));
    await page.waitForSelector(`${row} [data-testid="visit-awaiting"]`);
    expect(await text(page, `${row} [data-testid="visit-awaiting"]`)).toBe('menunggu konfirmasi');
    expect(await page.$(`${row} [data-testid="show-links"]`)).toBeNull();
    expect(await page.$(`${row} [data-testid="cancel-visit"]`)).not.toBeNull();
    await fitsBothWidths(page, 'Jadwal with a booking to confirm');
    await page.click(`${row} [data-testid="confirm-visit"]`);
    await waitUntil('confirmed', async () => (await page.$(`${row} [data-testid="visit-awaiting"]`)) === null && (await page.$(`${row} [data-testid="show-links"]`)) !== null);
    expect(await page.$(`${row} [data-testid="confirm-visit"]`)).toBeNull();
    const visit = await app.storage.db.selectFrom('visits').select('confirmation').where('id', '=', pending.visitId).executeTakeFirstOrThrow();
    expect(visit.confirmation).toBe('confirmed');
    const audit = await app.storage.db.selectFrom('audit_log').select(['actor_id', 'subject_id']).where('action', '=', 'visit.confirmed').execute();
    expect(audit).toEqual([{ actor_id: supervisor.officer.id, subject_id: pending.visitId }]);
    expect(cspProblems(csp, app.url)).toEqual([]);
  });
});

describe('Verifikasi keluarga: the KTP photo beside the data; approve, or reject with a reason (real Chromium)', () => {
  let app: App;
  let session: BrowserSession;
  let csp: CspWatch;
  let officer: Awaited<ReturnType<typeof loginOfficer>>;
  let seeded: SeededVisit;
  let inmateNumber: string;
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${app.url}${url}`, { method, headers: { 'content-type': 'application/json', ...officer.auth }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Json };
  };
  /** The family portal's request: multipart with the KTP image. */
  async function register(fields: Record<string, string>, color: string): Promise<void> {
    const { default: sharp } = await import('sharp');
    const ktp = await sharp({ create: { width: 320, height: 200, channels: 3, background: color } }).jpeg().toBuffer();
    const form = new FormData();
    for (const [k, v] of Object.entries({ facilityId: seeded.facilityId, relationship: 'anak', phone: '081234567890', ...fields })) form.append(k, v);
    form.append('ktp', new Blob([new Uint8Array(ktp)], { type: 'image/jpeg' }), 'ktp.jpg');
    const res = await fetch(`${app.url}/api/family/registrations`, { method: 'POST', body: form });
    expect(res.status, await res.text()).toBe(202);
  }
  const row = (name: string) => `[data-testid="registration-row"][data-name="${name}"]`;

  beforeAll(async () => {
    app = await startTestApp();
    seeded = await seedVisit(app, { start: new Date(Date.now() + 3 * 3600_000), durationSeconds: 1800 });
    inmateNumber = (await app.storage.db.selectFrom('inmates').select('registration_number').where('id', '=', seeded.inmate.id).executeTakeFirstOrThrow()).registration_number;
    officer = await loginOfficer(app, [seeded.facilityId], 'officer');
    await register({ registrationNumber: inmateNumber, name: 'Ani Rahmawati', nik: '3171014501900011' }, '#3366aa');
    await register({ registrationNumber: 'TIDAK.ADA/2025', name: 'Bambang Wijaya', nik: '3171014501900012', email: 'bambang@example.org' }, '#aa6633');
    session = await launchBrowser();
    csp = await watchContentSecurityPolicy(session.page);
    await session.page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
    const { page } = session;
    await page.goto(`${app.url}/officer/`);
    await page.waitForSelector('#login-form input[name="username"]');
    await page.type('#login-form input[name="username"]', officer.username);
    await page.type('#login-form input[name="password"]', officer.password);
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('[data-testid="tab-registrations"]');
  });
  afterAll(async () => {
    await session?.close();
    await app?.close();
  });

  it('shows each pending registration with its KTP image (blob:, loaded with the officer token) beside the data', async () => {
    const { page } = session;
    await page.click('[data-testid="tab-registrations"]');
    await page.waitForSelector(`${row('Ani Rahmawati')} [data-testid="registration-ktp-image"]`);
    await page.waitForSelector(`${row('Bambang Wijaya')} [data-testid="registration-ktp-image"]`);
    const image = await page.$eval(`${row('Ani Rahmawati')} [data-testid="registration-ktp-image"]`, (el) => ({
      src: el.getAttribute('src'), alt: el.getAttribute('alt'), width: (el as any).naturalWidth as number,
    }));
    expect(image.src).toMatch(/^blob:/);
    expect(image.alt).toBe('Foto KTP yang dikirim Ani Rahmawati');
    expect(image.width).toBe(320);
    expect(await text(page, `${row('Ani Rahmawati')} [data-testid="registration-inmate"]`)).toBe(`${seeded.inmate.name} (${inmateNumber})`);
    expect(await text(page, `${row('Bambang Wijaya')} [data-testid="registration-inmate"]`)).toBe('Tidak ada WBP aktif dengan nomor ini di UPT ini');
    const data = await text(page, row('Bambang Wijaya'));
    expect(data).toContain('bambang@example.org');
    expect(data).toContain('TIDAK.ADA/2025');
    expect(data).not.toContain('3171014501900012'); // the NIK only masked
    await fitsBothWidths(page, 'Verifikasi keluarga');
  });

  it('approves a matched registration (the visitor exists afterwards); one without an inmate is refused with the reason, then rejected with a reason the family reads', async () => {
    const { page } = session;
    await page.click(`${row('Ani Rahmawati')} [data-testid="registration-approve"]`);
    await waitUntil('approved', async () => (await page.$(row('Ani Rahmawati'))) === null);
    expect(await text(page, '[data-testid="registrations-notice"]')).toBe('Pendaftaran Ani Rahmawati disetujui; kini terdaftar sebagai pengunjung.');
    const visitors = (await api('GET', `/api/inmates/${seeded.inmate.id}/visitors`)).body.visitors as Json[];
    expect(visitors.map((v) => v.name)).toContain('Ani Rahmawati');

    await page.click(`${row('Bambang Wijaya')} [data-testid="registration-approve"]`);
    await waitUntil('refusal shown', async () => (await text(page, `${row('Bambang Wijaya')} .decision .status`)) !== '');
    expect(await text(page, `${row('Bambang Wijaya')} .decision .status`)).toBe('Belum dapat disetujui: tidak ada WBP aktif dengan nomor registrasi ini di UPT ini.');
    await page.click(`${row('Bambang Wijaya')} [data-testid="registration-reject-open"]`);
    await page.click(`${row('Bambang Wijaya')} [data-testid="registration-reject-submit"]`);
    expect(await text(page, `${row('Bambang Wijaya')} .field-error`)).toBe('Alasan penolakan (dibaca keluarga): wajib diisi');
    const reason = 'Nomor registrasi WBP tidak terdaftar di Lapas ini';
    await page.type(`${row('Bambang Wijaya')} [data-testid="registration-reject-reason"]`, reason);
    await page.click(`${row('Bambang Wijaya')} [data-testid="registration-reject-submit"]`);
    await waitUntil('rejected', async () => (await page.$(row('Bambang Wijaya'))) === null);
    expect(await text(page, '[data-testid="registrations-empty"]')).toBe('Tidak ada pendaftaran dengan status ini.');
    // the rejected list shows the reason the family is given
    await page.select('[data-testid="registrations-status"]', 'rejected');
    await page.waitForSelector(`${row('Bambang Wijaya')} [data-testid="registration-reason"]`);
    expect(await text(page, `${row('Bambang Wijaya')} [data-testid="registration-reason"]`)).toBe(reason);
    expect(await page.$(`${row('Bambang Wijaya')} [data-testid="registration-approve"]`)).toBeNull();
    expect(cspProblems(csp, app.url)).toEqual([]);
  });
});
