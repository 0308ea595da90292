import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../../client/common/facility-time.ts';
import type { App } from '../../server/app.ts';
import { cspProblems, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { choose, overflow, text } from '../helpers/family-portal.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

const MOTHER = { name: 'Siti Aminah', nik: '3174015505900001', email: 'siti.aminah@example.id', phone: '0812 3456 7890' };
const AUNT = { name: 'Rina Wati', nik: '3275024107850002', email: 'rina.wati@example.id', phone: '081298765432' };

describe('the family portal /kunjungan/ at 390 px: register, approval, code sign-in by e-mail, booking, cancel (real Chromium, real SMTP)', () => {
  let app: App;
  let smtp: SmtpReceiver;
  let session: BrowserSession;
  let csp: CspWatch;
  let facility: { id: string; code: string; name: string };
  let officer: Awaited<ReturnType<typeof loginOfficer>>;
  let ktpFile: string;
  let bigFile: string;
  let bookDate: string;
  let bookedVisitId = '';
  let boothId = '';
  const inmateIds: Record<string, string> = {};
  const inmates = { budi: 'BI.501/2025', joko: 'BI.502/2025' };

  const api = async (method: string, url: string, body?: unknown, auth: Record<string, string> = officer.auth) => {
    const res = await fetch(`${app.url}${url}`, { method, headers: { 'content-type': 'application/json', ...auth }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as any };
  };
  /** The code in the newest mail to `email` after `seen` mails had arrived. */
  const codeFrom = (email: string, seen: number) => waitUntil(`a sign-in code for ${email}`, async () => {
    const mail = smtp.received.slice(seen).reverse().find((m) => m.to.includes(email));
    return mail?.text.match(/\b(\d{6})\b/)?.[1];
  }, 30_000);
  const registrationOf = async (name: string, status: string) => {
    const list = await api('GET', `/api/family/registrations?status=${status}`);
    expect(list.status).toBe(200);
    return (list.body.registrations as Array<{ id: string; name: string }>).find((r) => r.name === name);
  };

  async function signIn(page: Page, person: { nik: string; email: string }, wrongFirst = false): Promise<void> {
    await page.click('[data-testid="nav-signIn"]');
    await page.waitForSelector('[data-testid="nik-form"] option[value="' + facility.id + '"]');
    await choose(page, '[data-testid="nik-form"] select[name="facilityId"]', facility.id);
    await page.type('[data-testid="nik-form"] input[name="nik"]', person.nik);
    const seen = smtp.received.length;
    await page.click('[data-testid="nik-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="code-form"]:not([hidden])');
    const code = await codeFrom(person.email, seen);
    // the resend button waits out its cool-down
    expect(await page.$eval('[data-testid="resend-code"]', (b) => (b as any).disabled)).toBe(true);
    if (wrongFirst) {
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      await page.type('[data-testid="code-form"] input[name="code"]', wrong);
      await page.click('[data-testid="code-form"] button[type="submit"]');
      await waitUntil('wrong code refused', async () => (await text(page, '[data-testid="code-status"]')).includes('Kode salah'));
      expect(await page.$eval('[data-testid="code-form"] input[name="code"]', (el) => el.getAttribute('aria-invalid'))).toBe('true');
      await page.$eval('[data-testid="code-form"] input[name="code"]', (el) => { (el as any).value = ''; });
    }
    await page.type('[data-testid="code-form"] input[name="code"]', code);
    await page.click('[data-testid="code-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="sign-out"]');
  }

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    const code = `LP-${randomUUID().slice(0, 8)}`;
    const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-portal-')), 'config.json');
    writeFileSync(configFile, JSON.stringify({
      notifications: {
        sender: { intervalMs: 100 },
        channels: { mail: { kind: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, from: 'Kunjungan Video <noreply@lapas.example.id>' } },
        facilities: { [code]: ['mail'] },
      },
    }));
    app = await startTestApp({ CONFIG_FILE: configFile });
    facility = await createFacility(app, code);
    officer = await loginOfficer(app, [facility.id], 'supervisor');
    const booth = await api('POST', '/api/booths', { name: 'Bilik 1' });
    expect(booth.status).toBe(201);
    boothId = booth.body.booth.id;
    for (const [name, registrationNumber] of [['Budi Santoso', inmates.budi], ['Joko Susilo', inmates.joko]] as const) {
      const created = await api('POST', '/api/inmates', { registrationNumber, name, block: 'A' });
      expect(created.status).toBe(201);
      inmateIds[registrationNumber] = created.body.inmate.id;
    }
    // Visiting hours every day, so the chosen day (three days ahead: well before the 24 h change deadline) has slots.
    const day = [{ from: '08:00', to: '15:00' }];
    expect((await api('PUT', '/api/facility/rules', { visitingHours: { 0: day, 1: day, 2: day, 3: day, 4: day, 5: day, 6: day }, slotMinutes: 30, maxVisitorsPerVisit: 3, quota: null })).status).toBe(200);
    bookDate = addDays(localDate('Asia/Jakarta'), 3);
    ktpFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-ktp-')), 'ktp.png');
    bigFile = path.join(path.dirname(ktpFile), 'ktp-besar.jpg');
    writeFileSync(bigFile, Buffer.alloc(6 * 1024 * 1024));
    await sharp({ create: { width: 640, height: 400, channels: 3, background: { r: 40, g: 90, b: 200 } } }).png().toFile(ktpFile);

    session = await launchBrowser();
    csp = await watchContentSecurityPolicy(session.page);
    await session.page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
  });
  afterAll(async () => {
    await session?.close();
    await app?.close();
    await smtp?.close();
  });

  it('is linked from the home page', async () => {
    const { page } = session;
    await page.goto(`${app.url}/`);
    await page.waitForSelector('a[href="./kunjungan/"]');
    await page.click('a[href="./kunjungan/"]');
    await page.waitForSelector('[data-testid="register-form"]');
    expect(new URL(page.url()).pathname).toBe('/kunjungan/');
  });

  it('registers with a KTP photo: a wrong NIK is refused with the reason in Indonesian; the photo is previewed; then "menunggu verifikasi"', async () => {
    const { page } = session;
    const form = '[data-testid="register-form"]';
    await page.waitForSelector(`${form} option[value="${facility.id}"]`);
    await choose(page, `${form} select[name="facilityId"]`, facility.id);
    await page.type(`${form} input[name="registrationNumber"]`, inmates.budi);
    await page.type(`${form} input[name="name"]`, MOTHER.name);
    await page.type(`${form} input[name="nik"]`, '3174015513900001'); // birth month 13
    await choose(page, `${form} select[name="relationship"]`, 'orang_tua');
    await page.type(`${form} input[name="phone"]`, MOTHER.phone);
    await page.type(`${form} input[name="email"]`, MOTHER.email);
    await page.click(`${form} button[type="submit"]`);
    await page.waitForSelector(`${form} .field-error[data-field="nik"]`);
    expect(await text(page, `${form} .field-error[data-field="nik"]`)).toBe('NIK Anda: bulan lahir (digit 9–10) harus 01–12');
    expect(await text(page, `${form} .field-error[data-field="ktp"]`)).toBe('Foto KTP: wajib diisi');
    expect(await page.$eval(`${form} input[name="nik"]`, (el) => el.getAttribute('aria-invalid'))).toBe('true');

    await page.$eval(`${form} input[name="nik"]`, (el) => { (el as any).value = ''; });
    await page.type(`${form} input[name="nik"]`, MOTHER.nik);
    const upload = await page.$(`${form} input[name="ktp"]`);
    // a photo over 5 MB is refused before it is sent over a slow network
    await (upload as any).uploadFile(bigFile);
    await page.waitForSelector(`${form} .field-error[data-field="ktp"]`);
    expect(await text(page, `${form} .field-error[data-field="ktp"]`)).toBe('Foto KTP: berkas 6.0 MB terlalu besar; paling besar 5 MB');
    expect(await page.$eval('[data-testid="ktp-preview"]', (img) => (img as any).hidden)).toBe(true);
    await (upload as any).uploadFile(ktpFile);
    await waitUntil('KTP preview shown', () => page.$eval('[data-testid="ktp-preview"]', (img) => !(img as any).hidden && (img as any).naturalWidth === 640));
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.click(`${form} button[type="submit"]`);
    await page.waitForSelector('[data-testid="register-done"]:not([hidden])');
    expect(await text(page, '[data-testid="register-done"]')).toContain('menunggu verifikasi');

    const pending = await registrationOf(MOTHER.name, 'pending');
    expect(pending).toMatchObject({ relationship: 'orang_tua', registrationNumber: inmates.budi, email: MOTHER.email });
  });

  it('signs in after approval with the code read from the SMTP server (a wrong code first is refused)', async () => {
    const pending = (await registrationOf(MOTHER.name, 'pending'))!;
    expect((await api('POST', `/api/family/registrations/${pending.id}/approve`, {})).status).toBe(200);
    const { page } = session;
    await signIn(page, MOTHER, true);
    // lands on Kunjungan saya, nothing booked yet
    await page.waitForSelector('[data-testid="upcoming"]');
    expect(await text(page, '[data-testid="upcoming"]')).toBe('Belum ada kunjungan terjadwal.');
    // English on request, and back
    await page.click('.lang-toggle');
    await waitUntil('English', async () => (await text(page, '[data-testid="upcoming"]')) === 'No visits booked yet.');
    expect(await text(page, '[data-testid="nav-book"]')).toBe('Book a visit');
    await page.click('.lang-toggle');
    await waitUntil('Bahasa Indonesia', async () => (await text(page, '[data-testid="upcoming"]')) === 'Belum ada kunjungan terjadwal.');
    expect(await page.evaluate(() => Object.keys((globalThis as any).sessionStorage))).toContain('kv.family.session');
  });

  it('books a free slot (big buttons), sees it in Kunjungan saya and cancels it before the deadline', async () => {
    const { page } = session;
    await page.click('[data-testid="nav-book"]');
    await page.waitForSelector('[data-testid="book-date"]');
    await choose(page, '[data-testid="book-date"]', bookDate);
    await waitUntil('slots of the chosen day', () => page.$$eval('[data-testid="slot"]', (els) => els.length > 0 && els.every((b) => (b as any).dataset.start)), 20_000);
    const slots = await page.$$eval('[data-testid="slot"]', (els) => els.map((b) => ({ start: (b as any).dataset.start as string, height: (b as any).getBoundingClientRect().height as number })));
    expect(slots.length).toBe(14); // 08:00–15:00 in 30-minute slots
    expect(slots.every((s) => s.height >= 44)).toBe(true);
    expect(await text(page, '[data-testid="slot"]')).toBe('08.00–08.30');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.click(`[data-testid="slot"][data-start="${slots[2]!.start}"]`);
    await waitUntil('booked notice', async () => (await text(page, '#notice')).startsWith('Kunjungan terjadwal'));
    await page.waitForSelector('[data-testid="upcoming"] [data-testid="visit"]');
    bookedVisitId = await page.$eval('[data-testid="upcoming"] [data-testid="visit"]', (el) => (el as any).dataset.visitId as string);
    expect(await text(page, `[data-visit-id="${bookedVisitId}"] [data-testid="visit-status"]`)).toBe('terjadwal');
    expect(await text(page, `[data-visit-id="${bookedVisitId}"]`)).toContain('09.00 WIB');
    expect(await text(page, `[data-visit-id="${bookedVisitId}"]`)).toContain('Budi Santoso');
    // the facility's schedule has it
    const desk = await api('GET', `/api/visits/${bookedVisitId}`);
    expect(desk.status).toBe(200);
    expect(desk.body.visit).toMatchObject({ status: 'scheduled', scheduledStart: new Date(slots[2]!.start).toISOString() });

    await page.click(`[data-visit-id="${bookedVisitId}"] [data-testid="cancel"]`);
    await page.click(`[data-visit-id="${bookedVisitId}"] [data-testid="cancel-confirm"]`);
    await waitUntil('cancelled notice', async () => (await text(page, '#notice')) === 'Kunjungan dibatalkan.');
    await waitUntil('no longer upcoming', async () => (await page.$(`[data-testid="upcoming"] [data-visit-id="${bookedVisitId}"][data-status="scheduled"]`)) === null);
    expect((await api('GET', `/api/visits/${bookedVisitId}`)).body.visit.status).toBe('cancelled');
    expect(cspProblems(csp, app.url)).toEqual([]);
  });

  it('a slot taken meanwhile (the only booth booked at the desk): a clear message and fresh slots', async () => {
    const { page } = session;
    await page.click('[data-testid="nav-book"]');
    await page.waitForSelector('[data-testid="book-date"]');
    await choose(page, '[data-testid="book-date"]', bookDate);
    await waitUntil('slots of the chosen day', async () => (await page.$$('[data-testid="slot"]')).length === 14, 20_000);
    const starts = await page.$$eval('[data-testid="slot"]', (els) => els.map((b) => (b as any).dataset.start as string));
    const taken = starts[5]!;
    // the desk books the facility's only booth at that time for another inmate's family
    const joko = inmateIds[inmates.joko]!;
    const visitor = await api('POST', `/api/inmates/${joko}/visitors`, { name: 'Ani Susilo', nik: '3201014203880003', relationship: 'suami_istri' });
    expect(visitor.status).toBe(201);
    const desk = await api('POST', '/api/visits', { inmateId: joko, boothId, visitorIds: [visitor.body.visitor.id], scheduledStart: taken, durationMinutes: 30 });
    expect(desk.status).toBe(201);
    await page.click(`[data-testid="slot"][data-start="${taken}"]`);
    await waitUntil('slot taken message', async () => (await text(page, '[data-testid="book-status"]')).startsWith('Maaf, waktu itu baru saja dipesan orang lain.'));
    await waitUntil('fresh slots without the taken one', async () => {
      const now = await page.$$eval('[data-testid="slot"]', (els) => els.map((b) => (b as any).dataset.start as string));
      return now.length === 13 && !now.includes(taken);
    });
    expect(await page.$$eval('[data-testid="slot"]', (els) => els.every((b) => !(b as any).disabled))).toBe(true);
  });

  it('a booking answered after the person signed out and opened Daftar leaves them on Daftar', async () => {
    const { page } = session;
    // hold the booking's answer until the person has signed out and opened Daftar
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    let booked = '';
    const onRequest = (req: import('puppeteer-core').HTTPRequest) => {
      if (req.method() === 'POST' && req.url().endsWith('/api/family/visits')) void held.then(() => req.continue().catch(() => {}));
      else void req.continue().catch(() => {});
    };
    const onResponse = (res: import('puppeteer-core').HTTPResponse) => {
      if (res.request().method() === 'POST' && res.url().endsWith('/api/family/visits')) void res.json().then((b: any) => (booked = b.visit?.id ?? 'answered'), () => (booked = 'answered'));
    };
    await page.setRequestInterception(true);
    page.on('request', onRequest);
    page.on('response', onResponse);
    try {
      await page.click('[data-testid="slot"]');
      await page.click('[data-testid="sign-out"]');
      await page.click('[data-testid="nav-register"]');
      await page.waitForSelector('[data-testid="register-form"]');
      release();
      await waitUntil('the booking answered', async () => booked !== '');
      await new Promise((r) => setTimeout(r, 500));
      expect(await page.$eval('[data-testid="register-form"]', (f) => (f as any).isConnected && !(f as any).hidden)).toBe(true);
      expect(await page.$('[data-testid="nik-form"]')).toBeNull(); // not sent to Masuk
      expect(await text(page, '#notice')).toBe('');
    } finally {
      page.off('request', onRequest);
      page.off('response', onResponse);
      await page.setRequestInterception(false);
    }
    if (booked !== 'answered') expect((await api('POST', `/api/visits/${booked}/cancel`, { reason: 'test: booked while signing out' })).status).toBe(200);
  });

  it('a rejected registration shows the facility\'s reason', async () => {
    const { page } = session;
    // the aunt registers (through the page) for the other inmate; the officer rejects it (Daftar is open: see above)
    const form = '[data-testid="register-form"]';
    await page.waitForSelector(`${form} option[value="${facility.id}"]`);
    await choose(page, `${form} select[name="facilityId"]`, facility.id);
    await page.type(`${form} input[name="registrationNumber"]`, inmates.joko);
    await page.type(`${form} input[name="name"]`, AUNT.name);
    await page.type(`${form} input[name="nik"]`, AUNT.nik);
    await choose(page, `${form} select[name="relationship"]`, 'saudara_kandung');
    await page.type(`${form} input[name="phone"]`, AUNT.phone);
    await page.type(`${form} input[name="email"]`, AUNT.email);
    await (await page.$(`${form} input[name="ktp"]`) as any).uploadFile(ktpFile);
    await page.click(`${form} button[type="submit"]`);
    await page.waitForSelector('[data-testid="register-done"]:not([hidden])');
    const pending = await waitUntil('the aunt\'s registration', () => registrationOf(AUNT.name, 'pending'));
    const reason = 'Foto KTP tidak terbaca, silakan daftar ulang dengan foto yang jelas.';
    expect((await api('POST', `/api/family/registrations/${pending.id}/reject`, { reason })).status).toBe(200);

    await signIn(page, AUNT);
    await page.click('[data-testid="nav-registrations"]');
    await page.waitForSelector('[data-testid="registration"][data-status="rejected"]');
    expect(await text(page, '[data-testid="registration"][data-status="rejected"]')).toContain('ditolak');
    expect(await text(page, '[data-testid="rejection-reason"]')).toBe(`Alasan penolakan: ${reason}`);
    // nobody to visit: booking says why
    await page.click('[data-testid="nav-book"]');
    await waitUntil('no visitors', async () => (await text(page, '[data-testid="book"]')).includes('Belum ada WBP'));
  });

  it('a session the server refuses sends the person back to Masuk', async () => {
    const { page } = session;
    await page.evaluate(() => {
      const s = (globalThis as any).sessionStorage;
      const saved = JSON.parse(s.getItem('kv.family.session'));
      s.setItem('kv.family.session', JSON.stringify({ ...saved, token: `${saved.token}x` }));
    });
    await page.click('[data-testid="nav-visits"]');
    await page.waitForSelector('[data-testid="nik-form"]');
    expect(await text(page, '#notice')).toBe('Sesi Anda sudah berakhir. Silakan masuk lagi.');
  });
});
