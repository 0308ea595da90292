import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { facilityNow } from '../../server/drive-thru/facility-clock.ts';
import { replaceRemisiRecords } from '../../server/remisi/remisi-store.ts';
import { cspProblems, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { makeNik, ONE_PIXEL_PNG, postJson, seedInmate, startPublicServicesApp } from '../helpers/public-services.ts';
import { createFacility, loginOfficer } from '../helpers/test-app.ts';

const text = (s: BrowserSession, selector: string) => s.page.$eval(selector, (el) => el.textContent ?? '').catch(() => '');

describe('public-services pages in real Chromium (Bahasa Indonesia by default)', () => {
  let app: App;
  let browser: BrowserSession;
  let facility: Awaited<ReturnType<typeof createFacility>>;
  let family: Awaited<ReturnType<typeof seedInmate>>;
  let csp: CspWatch;

  beforeAll(async () => {
    app = await startPublicServicesApp({});
    facility = await createFacility(app);
    family = await seedInmate(app, facility.id, 'B.I-501/2024', [makeNik()]);
    browser = await launchBrowser();
    csp = await watchContentSecurityPolicy(browser.page);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('home page links to the three public services (after the family portal)', async () => {
    await browser.page.goto(`${app.url}/`);
    const links = await browser.page.$$eval('#public-services a', (as) => as.map((a) => [a.getAttribute('href'), a.textContent]));
    // the family portal (/kunjungan/) heads the list; the three services follow in this order
    expect(links.filter(([href]) => href !== './kunjungan/').slice(0, 3)).toEqual([['./remisi/', 'Informasi remisi'], ['./pengaduan/', 'Pengaduan'], ['./drive-thru/', 'Drive-thru titipan barang']]);
  });

  it('remisi: a family member looks up the record; a wrong NIK gets the uniform answer', async () => {
    await replaceRemisiRecords(app.storage, facility.id, [{
      registrationNumber: 'B.I-501/2024', name: 'Andi Saputra', expectedReleaseDate: '2027-08-17', pbEligibleDate: null, cbEligibleDate: '2026-01-05',
      entries: [{ kind: 'umum', year: 2024, days: 30, decreeNumber: 'PAS-1' }, { kind: 'khusus', year: 2025, days: 15, decreeNumber: 'PAS-2' }],
    }], (importId) => ({ actorKind: 'system', actorId: 'test-seed', facilityId: facility.id, action: 'remisi.import', subjectKind: 'remisi_import', subjectId: importId }));
    const { page } = browser;
    await page.goto(`${app.url}/remisi/`);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('id');
    await page.type('[name="registrationNumber"]', 'B.I-501/2024');
    await page.type('[name="nik"]', makeNik());
    await page.click('#lookup button[type="submit"]');
    await waitUntil('not-found message', async () => (await text(browser, '#status')).includes('Data tidak ditemukan'));
    await page.$eval('[name="nik"]', (el) => ((el as any).value = ''));
    await page.type('[name="nik"]', family.niks[0]!);
    await page.click('#lookup button[type="submit"]');
    await waitUntil('remisi result', async () => (await text(browser, '#total')) === 'Total remisi: 45 hari');
    expect(await text(browser, '#result')).toContain('Andi Saputra');
    expect(await text(browser, '#expected-release')).toMatch(/17 Agustus 2027/);
  });

  it('pengaduan: files a complaint with a photo, then tracks it with the tracking code', async () => {
    const { page } = browser;
    await page.goto(`${app.url}/pengaduan/?facility=${facility.id}`);
    await waitUntil('facility list', async () => (await page.$eval('[name="facilityId"]', (el) => (el as any).value as string)) === facility.id);
    await page.select('[name="category"]', 'pungli');
    await page.type('[name="description"]', 'Ada petugas yang meminta uang untuk antrean kunjungan.');
    await page.type('[name="contact"]', '081234567890');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-photo-'));
    writeFileSync(path.join(dir, 'bukti.png'), ONE_PIXEL_PNG);
    const file = await page.$('input[name="attachment"]');
    await file!.uploadFile(path.join(dir, 'bukti.png'));
    await page.click('#complaint button[type="submit"]');
    const ticket = await waitUntil('ticket shown', async () => /^ADU-/.test(await text(browser, '#ticket')) && text(browser, '#ticket'));
    expect(await text(browser, '#tracking-code')).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const stored = await app.storage.db.selectFrom('complaints').selectAll().where('ticket', '=', ticket).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ category: 'pungli', contact: '081234567890', anonymous: 0 });
    expect(await app.storage.db.selectFrom('complaint_attachments').select('media_type').where('complaint_id', '=', stored.id).executeTakeFirst()).toEqual({ media_type: 'image/png' });
    await page.click('#track button[type="submit"]');
    await waitUntil('tracked status', async () => (await text(browser, '#complaint-status')) === 'Baru');
  });

  it('drive-thru: books a ticket with a QR code, follows it, and the queue board shows it being served', async () => {
    const supervisor = await loginOfficer(app, [facility.id], 'supervisor');
    const tomorrow = facilityNow('Asia/Jakarta', new Date(Date.now() + 24 * 3600_000)).date;
    const created = await postJson(app, '/api/officer/drive-thru/sessions', { date: tomorrow, startTime: '09:00', endTime: '11:00', capacity: 20 }, supervisor.auth);
    const session = (await created.json()) as { id: string };
    const { page } = browser;
    await page.goto(`${app.url}/drive-thru/?facility=${facility.id}`);
    await waitUntil('session offered', async () => (await page.$$eval('[name="sessionId"] option', (o) => o.map((x) => (x as any).value as string))).includes(session.id));
    await page.type('[name="visitorNik"]', family.niks[0]!);
    await page.type('[name="registrationNumber"]', 'B.I-501/2024');
    await page.select('[name="items.0.category"]', 'makanan');
    await page.type('[name="items.0.description"]', 'Nasi rendang');
    await page.click('#booking button[type="submit"]');
    await waitUntil('ticket booked', async () => (await text(browser, '#queue-number')) === 'Nomor antrean 1');
    const ticket = await text(browser, '#ticket');
    expect(ticket).toMatch(/^TB-/);
    await waitUntil('QR image decoded', () => page.$eval('#qr', (img) => (img as any).naturalWidth > 0));
    await page.click('#track button[type="submit"]');
    await waitUntil('ticket status', async () => (await text(browser, '#ticket-status')) === 'Terdaftar, menunggu giliran');

    // The station calls it; the board of today shows it (the session is moved to today for that).
    await app.storage.db.updateTable('drive_thru_sessions').set({ date: facilityNow('Asia/Jakarta').date, start_time: '00:00', end_time: '23:59' }).where('id', '=', session.id).execute();
    expect((await postJson(app, `/api/officer/drive-thru/tickets/${ticket}/serve`, {}, supervisor.auth)).status).toBe(200);
    await page.goto(`${app.url}/drive-thru-antrean/?facility=${facility.id}`);
    await waitUntil('board shows number 1 served', async () => (await text(browser, `[data-session="${session.id}"] .now`)) === '1');
    expect(await text(browser, '#facility-name')).toContain(facility.name);
  });

  it('every page above ran under the strict Content-Security-Policy with no violation (QR data: URL included)', () => {
    const paths = csp.documents.map((d) => new URL(d.url).pathname);
    expect(paths).toEqual(expect.arrayContaining(['/', '/remisi/', '/pengaduan/', '/drive-thru/', '/drive-thru-antrean/']));
    expect(cspProblems(csp, app.url), browser.logs.join('\n')).toEqual([]);
  });
});
