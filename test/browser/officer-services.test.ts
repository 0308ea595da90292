import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { facilityNow } from '../../server/drive-thru/facility-clock.ts';
import { REMISI_CSV_COLUMNS } from '../../server/remisi/csv-import.ts';
import { cspProblems, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { makeNik, ONE_PIXEL_PNG, postJson, seedInmate, startPublicServicesApp } from '../helpers/public-services.ts';
import { createFacility, loginOfficer } from '../helpers/test-app.ts';

const text = (s: BrowserSession, selector: string) => s.page.$eval(selector, (el) => el.textContent ?? '').catch(() => '');

describe('officer public-services pages in real Chromium', () => {
  let app: App;
  let browser: BrowserSession;
  let facility: Awaited<ReturnType<typeof createFacility>>;
  let supervisor: Awaited<ReturnType<typeof loginOfficer>>;
  let family: Awaited<ReturnType<typeof seedInmate>>;
  let csp: CspWatch;

  beforeAll(async () => {
    app = await startPublicServicesApp({});
    facility = await createFacility(app);
    supervisor = await loginOfficer(app, [facility.id], 'supervisor');
    family = await seedInmate(app, facility.id, 'B.II-9/2024', [makeNik()]);
    browser = await launchBrowser();
    csp = await watchContentSecurityPolicy(browser.page);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function signIn(pagePath: string) {
    const { page } = browser;
    await page.goto(`${app.url}${pagePath}`);
    if (await page.$('#login-form')) {
      await page.type('[name="username"]', supervisor.username);
      await page.type('[name="password"]', supervisor.password);
      await page.click('#login-form button[type="submit"]');
    }
    await waitUntil('signed in', async () => (await page.$('.officer-bar')) !== null);
  }

  it('remisi import: a bad file is refused by line, a good one imported', async () => {
    await signIn('/petugas-remisi/');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-csv-'));
    const header = REMISI_CSV_COLUMNS.join(',');
    writeFileSync(path.join(dir, 'bad.csv'), `${header}\nB.II-9/2024,Budi,umum,2024,tiga puluh,PAS-1,,,\n`);
    writeFileSync(path.join(dir, 'good.csv'), `${header}\nB.II-9/2024,Budi,umum,2024,30,PAS-1,2027-01-01,,\n`);
    const { page } = browser;
    await (await page.$('input[name="file"]'))!.uploadFile(path.join(dir, 'bad.csv'));
    await page.click('#import button[type="submit"]');
    await waitUntil('line error', async () => (await text(browser, '#import-status')).includes('Baris 2, kolom remission_days'));
    await (await page.$('input[name="file"]'))!.uploadFile(path.join(dir, 'good.csv'));
    await page.click('#import button[type="submit"]');
    await waitUntil('imported', async () => (await text(browser, '#import-status')).includes('1 WBP dan 1 remisi diimpor'));
    await waitUntil('summary', async () => (await text(browser, '#summary')).startsWith('1 WBP tercatat'));
  });

  it('complaint triage: overdue highlighted, taken up, resolved with a public response', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ facilityId: facility.id, category: 'layanan', description: 'Antrean pendaftaran kunjungan terlalu lama.' })) form.append(k, v);
    form.append('attachment', new Blob([new Uint8Array(ONE_PIXEL_PNG)], { type: 'image/png' }), 'antrean.png');
    const filed = await fetch(`${app.url}/api/complaints`, { method: 'POST', body: form });
    const { ticket, trackingCode } = (await filed.json()) as { ticket: string; trackingCode: string };
    await app.storage.db.updateTable('complaints').set({ due_at: new Date(Date.now() - 3600_000).toISOString() }).where('ticket', '=', ticket).execute();
    await signIn('/petugas-pengaduan/');
    const { page } = browser;
    const row = `tr[data-ticket="${ticket}"]`;
    await waitUntil('listed as overdue', async () => (await page.$eval(row, (el) => el.className).catch(() => '')) === 'overdue');
    await page.click(`${row} a`);
    await waitUntil('detail', async () => (await page.$('[data-action="start"]')) !== null);
    // The photo is fetched with the token and shown from a blob: URL.
    await waitUntil('photo shown', () => page.$eval('#detail img', (img) => (img as any).naturalWidth > 0 && (img as any).src.startsWith('blob:')).catch(() => false));
    expect(await page.$eval('#detail img', (img) => (globalThis as any).getComputedStyle(img).maxWidth)).toBe('100%');
    await page.click('[data-action="start"]');
    await waitUntil('in progress', async () => (await page.$('[data-action="resolve"]')) !== null);
    await page.type('#detail [name="response"]', 'Loket tambahan sudah dibuka.');
    await page.click('[data-action="resolve"]');
    await waitUntil('resolved', async () => (await text(browser, '#detail h2')).includes('Selesai'));
    const view = await (await fetch(`${app.url}/api/complaints/${ticket}`, { headers: { 'x-tracking-code': trackingCode } })).json();
    expect(view).toMatchObject({ status: 'resolved', history: [{}, {}, { response: 'Loket tambahan sudah dibuka.' }] });
  });

  it('drive-thru station: find by number, serve, accept one item and refuse one, deliver', async () => {
    const tomorrow = facilityNow('Asia/Jakarta', new Date(Date.now() + 24 * 3600_000)).date;
    const session = (await (await postJson(app, '/api/officer/drive-thru/sessions', { date: tomorrow, startTime: '09:00', endTime: '11:00', capacity: 5 }, supervisor.auth)).json()) as { id: string };
    const booked = await postJson(app, '/api/drive-thru/tickets', {
      sessionId: session.id, visitorNik: family.niks[0], registrationNumber: 'B.II-9/2024',
      items: [{ category: 'makanan', description: 'Kue', quantity: 1 }, { category: 'pakaian', description: 'Jaket', quantity: 1 }],
    });
    const { ticket, trackingCode } = (await booked.json()) as { ticket: string; trackingCode: string };
    await signIn('/petugas-drive-thru/');
    const { page } = browser;
    await page.type('#find [name="ticket"]', ticket);
    await page.click('#find button[type="submit"]');
    await waitUntil('ticket shown', async () => (await text(browser, '#ticket-status')) === 'Terdaftar, menunggu giliran');
    await page.click('[data-action="serve"]');
    await waitUntil('inspection form', async () => (await page.$('#inspect')) !== null);
    await page.click('input[name="decision-1"][value="rejected"]');
    await page.type('[name="items.1.reason"]', 'Jaket bertudung tidak diizinkan');
    await page.click('#inspect button[type="submit"]');
    await waitUntil('inspected', async () => (await text(browser, '#ticket-status')) === 'Selesai diperiksa');
    await page.click('[data-action="deliver"]');
    await waitUntil('delivered', async () => (await text(browser, '#ticket-status')) === 'Sudah diserahkan ke WBP');
    const view = await (await fetch(`${app.url}/api/drive-thru/tickets/${ticket}`, { headers: { 'x-tracking-code': trackingCode } })).json();
    expect(view).toMatchObject({ status: 'delivered', items: [{ decision: 'accepted' }, { decision: 'rejected', reason: 'Jaket bertudung tidak diizinkan' }] });
  });

  it('a supervisor of two facilities chooses one at sign-in, then switches to the other from the bar', async () => {
    const other = await createFacility(app);
    const both = await loginOfficer(app, [facility.id, other.id], 'supervisor');
    await app.storage.db.insertInto('complaints').values({
      id: crypto.randomUUID(), ticket: 'ADU-UJI-0001', tracking_code_hash: 'x', facility_id: other.id, category: 'layanan', description: 'Keluhan di UPT kedua.',
      anonymous: 1, reporter_name: null, contact: null, status: 'new', assigned_to: null, due_at: new Date(Date.now() + 86_400_000).toISOString(),
      created_at: new Date().toISOString(), updated_at: new Date().toISOString(),
    }).execute();
    const { page } = browser;
    await page.goto(`${app.url}/petugas-pengaduan/`);
    await page.evaluate(() => (globalThis as any).sessionStorage.clear());
    await page.reload();
    await page.waitForSelector('#login-form');
    await page.type('[name="username"]', both.username);
    await page.type('[name="password"]', both.password);
    await page.click('#login-form button[type="submit"]');
    await waitUntil('asked to choose', async () => (await text(browser, '#login-status')).includes('Pilih UPT'));
    await page.select('#login-form select[name="facilityId"]', facility.id);
    await page.click('#login-form button[type="submit"]');
    await waitUntil('signed in to the first', async () => (await text(browser, '[data-testid="signed-in-as"]')).includes(facility.name));
    expect(await page.$('tr[data-ticket="ADU-UJI-0001"]')).toBeNull();

    await page.select('[data-testid="facility-switch"]', other.id);
    await waitUntil('signed in to the second', async () => (await text(browser, '[data-testid="signed-in-as"]')).includes(other.name), 10_000);
    await waitUntil('its complaints listed', async () => (await page.$('tr[data-ticket="ADU-UJI-0001"]')) !== null);
    const switches = await app.storage.db.selectFrom('audit_log').select(['facility_id']).where('action', '=', 'officer.facility_switch').where('actor_id', '=', both.officer.id).execute();
    expect(switches).toEqual([{ facility_id: other.id }]);
  });

  it('every officer page above ran under the strict Content-Security-Policy with no violation (blob: photo included)', () => {
    const paths = csp.documents.map((d) => new URL(d.url).pathname);
    expect(paths).toEqual(expect.arrayContaining(['/petugas-remisi/', '/petugas-pengaduan/', '/petugas-drive-thru/']));
    expect(cspProblems(csp, app.url), browser.logs.join('\n')).toEqual([]);
  });
});
