import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { cspProblems, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

const SHOTS = process.env.SHOTS_DIR ?? '/tmp/shots/admin';

type Officer = Awaited<ReturnType<typeof loginOfficer>>;

/** A weekday (Mon–Sat, facility time Asia/Jakarta) `daysAhead` or more days from now, at hh:00 WIB. */
function weekdayAt(daysAhead: number, hourWib: number): Date {
  for (let d = daysAhead; ; d++) {
    const day = new Date(Date.now() + d * 86_400_000);
    const local = new Date(day.getTime() + 7 * 3_600_000);
    if (local.getUTCDay() === 0) continue;
    return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), hourWib - 7));
  }
}

describe('officer app: WBP, Keluarga, Bilik, Akun petugas and password tabs in real Chromium', () => {
  let app: App;
  let browser: BrowserSession;
  let facilityId: string;
  let admin: Officer;
  let csp: CspWatch;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    app = await startTestApp();
    facilityId = (await createFacility(app)).id;
    admin = await loginOfficer(app, [facilityId], 'admin');
    browser = await launchBrowser();
    csp = await watchContentSecurityPolicy(browser.page);
    browser.page.on('dialog', (dialog) => void dialog.accept());
    await browser.page.setViewport({ width: 1280, height: 800 });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const page = () => browser.page;
  const text = (selector: string) => page().$eval(selector, (el) => el.textContent ?? '').catch(() => '');
  const api = (path: string, method: string, body: unknown, auth: Record<string, string>) =>
    fetch(`${app.url}${path}`, { method, headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });

  async function signIn(username: string, password: string): Promise<void> {
    await page().goto(`${app.url}/officer/`);
    await page().evaluate(() => (globalThis as any).sessionStorage.clear());
    await page().reload();
    await page().waitForSelector('#login-form input[name="username"]');
    await page().type('#login-form input[name="username"]', username);
    await page().type('#login-form input[name="password"]', password);
    await page().click('#login-form button[type="submit"]');
  }

  async function openTab(id: string, view: string): Promise<void> {
    await waitUntil(`tab ${id}`, async () => (await page().$(`[data-testid="tab-${id}"]`)) !== null);
    // The tab loads its list and draws itself again: act on that drawing, not the one before.
    await page().$eval(`[data-testid="${view}"]`, (el) => delete (el as any).dataset.drawn).catch(() => {});
    await page().click(`[data-testid="tab-${id}"]`);
    await page().waitForSelector(`[data-testid="${view}"][data-drawn]`);
  }

  /** Fills the named inputs of a form (clears them first). */
  async function fill(form: string, values: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      const selector = `${form} [name="${name}"]`;
      const tag = await page().$eval(selector, (el) => el.tagName);
      if (tag === 'SELECT') await page().select(selector, value);
      else {
        await page().$eval(selector, (el) => ((el as any).value = ''));
        await page().type(selector, value);
      }
    }
  }

  /** Screenshots at 390 px and 1280×800 (full page); at both widths nothing scrolls sideways. */
  async function shots(name: string): Promise<void> {
    for (const [width, height] of [[390, 844], [1280, 800]] as const) {
      await page().setViewport({ width, height });
      await new Promise((r) => setTimeout(r, 150));
      const overflow = await page().evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });
      expect(overflow, `${name}: no sideways scrolling at ${width} px`).toBeLessThanOrEqual(0);
      await page().screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
    }
    await page().setViewport({ width: 1280, height: 800 });
  }

  it('first sign-in with a password set by an admin shows only the change form until the password is changed', async () => {
    const created = await api('/api/officers', 'POST', { username: 'petugas.baru', displayName: 'Petugas Baru', password: 'sementara-123456', role: 'officer' }, admin.auth);
    expect(created.status).toBe(201);
    const { officer } = (await created.json()) as { officer: { id: string } };
    // An admin reset sets must_change_password.
    const reset = await api(`/api/officers/${officer.id}`, 'PATCH', { password: 'direset-admin-1234', reason: 'lupa kata sandi' }, admin.auth);
    expect(reset.status).toBe(200);

    await signIn('petugas.baru', 'direset-admin-1234');
    await page().waitForSelector('[data-testid="forced-password"]');
    expect(await page().$('[data-testid^="tab-"]'), 'no tabs while the password must be changed').toBeNull();
    const token = await page().evaluate(() => (globalThis as any).sessionStorage.getItem('kv.officer.token') as string);
    const refused = await fetch(`${app.url}/api/visits`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(403);
    await shots('forced-password');

    // Wrong current password: the field and the reason are named.
    await fill('[data-testid="password-form"]', { currentPassword: 'salah-sekali-123', newPassword: 'kata-sandi-baru-123', repeatPassword: 'kata-sandi-baru-123' });
    await page().click('[data-testid="password-form"] button[type="submit"]');
    await waitUntil('wrong current password named', async () => (await text('[data-testid="password-form"] .field-error')).includes('Kata sandi sekarang: salah'));
    // Too short and not repeated: both named before anything is sent.
    await fill('[data-testid="password-form"]', { currentPassword: 'direset-admin-1234', newPassword: 'pendek', repeatPassword: 'lain' });
    await page().click('[data-testid="password-form"] button[type="submit"]');
    await waitUntil('short password named', async () => (await text('[data-testid="password-form"]')).includes('Kata sandi baru: minimal 12 karakter'));

    await fill('[data-testid="password-form"]', { currentPassword: 'direset-admin-1234', newPassword: 'kata-sandi-baru-123', repeatPassword: 'kata-sandi-baru-123' });
    await page().click('[data-testid="password-form"] button[type="submit"]');
    await page().waitForSelector('[data-testid="tab-schedule"]');
    expect(await page().$('[data-testid="tab-accounts"]'), 'an officer sees no admin tabs').toBeNull();
    const fresh = await page().evaluate(() => (globalThis as any).sessionStorage.getItem('kv.officer.token') as string);
    expect((await fetch(`${app.url}/api/visits`, { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200);
    const login = await api('/api/auth/login', 'POST', { username: 'petugas.baru', password: 'kata-sandi-baru-123' }, {});
    expect(login.status).toBe(200);
    expect(((await login.json()) as { mustChangePassword: boolean }).mustChangePassword).toBe(false);

    // The Kata sandi tab changes it again (current password required).
    await openTab('password', 'password-view');
    await fill('[data-testid="password-view"] [data-testid="password-form"]', { currentPassword: 'kata-sandi-baru-123', newPassword: 'kata-sandi-ketiga-1', repeatPassword: 'kata-sandi-ketiga-1' });
    await page().click('[data-testid="password-view"] button[type="submit"]');
    await waitUntil('changed', async () => (await text('[data-testid="password-status"]')).includes('Kata sandi diganti'));
    await shots('password');
    expect((await api('/api/auth/login', 'POST', { username: 'petugas.baru', password: 'kata-sandi-ketiga-1' }, {})).status).toBe(200);
  });

  it('adds an inmate, registers a visitor (a wrong NIK says why), bans them and booking them is refused', async () => {
    await signIn(admin.username, admin.password);
    await openTab('inmates', 'inmates-view');
    await page().click('[data-testid="inmate-add-panel"] summary');
    // Empty form: every field named with its reason.
    await page().click('[data-testid="inmate-add"] button[type="submit"]');
    await waitUntil('fields named', async () => (await text('[data-testid="inmate-add"]')).includes('Nomor registrasi: wajib diisi'));
    await fill('[data-testid="inmate-add"]', { registrationNumber: 'BI-101/2026', name: 'Andi Wijaya', block: 'C' });
    await page().click('[data-testid="inmate-add"] button[type="submit"]');
    await waitUntil('inmate listed', async () => (await text('[data-testid="inmate-list"]')).includes('Andi Wijaya'));
    const inmateId = await page().$eval('[data-testid="inmate-row"]', (el) => (el as any).dataset.inmateId as string);
    // The same registration number again: refused, and the field says why.
    await page().click('[data-testid="inmate-add-panel"] summary');
    await fill('[data-testid="inmate-add"]', { registrationNumber: 'BI-101/2026', name: 'Orang Lain', block: 'D' });
    await page().click('[data-testid="inmate-add"] button[type="submit"]');
    await waitUntil('duplicate named', async () => (await text('[data-testid="inmate-add"]')).includes('Nomor registrasi: sudah dipakai'));

    // CSV import: one bad row rejects the file, named by line and column; the fixed file is imported.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-inmates-'));
    writeFileSync(path.join(dir, 'bad.csv'), 'registrationNumber,name,block\nBI-201/2026,Bambang,A\nBI-202/2026,Cahyo,\n');
    writeFileSync(path.join(dir, 'good.csv'), 'registrationNumber,name,block\nBI-201/2026,Bambang,A\nBI-202/2026,Cahyo,B\n');
    await page().click('[data-testid="inmate-import-panel"] summary');
    await (await page().$('[data-testid="inmate-import"] input[name="file"]'))!.uploadFile(path.join(dir, 'bad.csv'));
    await page().click('[data-testid="inmate-import"] button[type="submit"]');
    await waitUntil('line and column named', async () => (await text('[data-testid="inmate-import-errors"]')).includes('Baris 3, kolom block'));
    expect(((await (await fetch(`${app.url}/api/inmates?q=BI-20`, { headers: admin.auth })).json()) as { inmates: unknown[] }).inmates).toHaveLength(0);
    await (await page().$('[data-testid="inmate-import"] input[name="file"]'))!.uploadFile(path.join(dir, 'good.csv'));
    await page().click('[data-testid="inmate-import"] button[type="submit"]');
    await waitUntil('imported', async () => (await text('[data-testid="inmates-notice"]')).includes('2 WBP baru'));
    await shots('inmates');

    await page().click(`[data-testid="inmate-row"][data-inmate-id="${inmateId}"] [data-testid="inmate-family"]`);
    await waitUntil('keluarga of the inmate', async () => (await text('[data-testid="visitors-of"]')).includes('Andi Wijaya'));
    const form = '[data-testid="visitor-register"]';
    // Province code 99 does not exist: the reason comes from error.details.nikProblem, in Indonesian.
    await fill(form, { name: 'Sri Wahyuni', nik: '9971014501900001', relationship: 'suami_istri', phone: '0812 3456 7890' });
    await page().click(`${form} button[type="submit"]`);
    await waitUntil('province reason', async () => (await text(form)).includes('NIK: kode provinsi (digit 1–2) tidak dikenal'));
    expect(await page().$eval(`${form} [name="nik"]`, (el) => el.getAttribute('aria-invalid'))).toBe('true');
    await fill(form, { nik: '31710145019' });
    await page().click(`${form} button[type="submit"]`);
    await waitUntil('length reason', async () => (await text(form)).includes('NIK: harus tepat 16 digit'));
    await fill(form, { nik: '3171014513900001' });
    await page().click(`${form} button[type="submit"]`);
    await waitUntil('birth month reason', async () => (await text(form)).includes('NIK: bulan lahir'));
    await fill(form, { nik: '3171014501900001' });
    await page().click(`${form} button[type="submit"]`);
    await waitUntil('visitor listed', async () => (await text('[data-testid="visitor-list"]')).includes('Sri Wahyuni'));
    expect(await text('[data-testid="visitor-list"]')).toContain('****0001');
    const visitorId = await page().$eval('[data-testid="visitor-row"]', (el) => (el as any).dataset.visitorId as string);

    // A booking before the ban works; after the ban the same visitor is refused.
    const booth = (await (await api('/api/booths', 'POST', { name: 'Bilik Uji' }, admin.auth)).json()) as { booth: { id: string } };
    const booking = (start: Date) => api('/api/visits', 'POST', { inmateId, boothId: booth.booth.id, visitorIds: [visitorId], scheduledStart: start.toISOString(), durationMinutes: 30 }, admin.auth);
    expect((await booking(weekdayAt(2, 9))).status).toBe(201);

    await page().click('[data-testid="visitor-ban-open"]');
    await page().click('[data-testid="visitor-ban-form"] button[type="submit"]');
    await waitUntil('ban fields named', async () => (await text('[data-testid="visitor-ban-form"]')).includes('Alasan: wajib diisi'));
    const until = weekdayAt(30, 9).toISOString().slice(0, 10);
    await fill('[data-testid="visitor-ban-form"]', { reason: 'membawa barang terlarang' });
    await page().$eval('[data-testid="visitor-ban-form"] [name="until"]', (el, v) => ((el as any).value = v), until);
    await page().click('[data-testid="visitor-ban-form"] button[type="submit"]');
    await waitUntil('ban shown', async () => (await text('[data-testid="visitor-ban"]')).includes('Dilarang sampai'));
    await shots('visitors');
    const refused = await booking(weekdayAt(3, 10));
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'visitor_banned' } });

    // Un-ban: booking works again.
    await page().click('[data-testid="visitor-unban-open"]');
    await fill('[data-testid="visitor-unban-form"]', { reason: 'larangan dicabut kalapas' });
    await page().click('[data-testid="visitor-unban-form"] button[type="submit"]');
    await waitUntil('ban lifted', async () => (await page().$('[data-testid="visitor-ban"]')) === null);
    expect((await booking(weekdayAt(3, 10))).status).toBe(201);

    // Transfer: the future visits are cancelled and listed.
    await openTab('inmates', 'inmates-view');
    await page().click(`[data-testid="inmate-row"][data-inmate-id="${inmateId}"] [data-testid="inmate-edit"]`);
    await fill(`[data-inmate-id="${inmateId}"] [data-testid="inmate-status-form"]`, { status: 'transferred', reason: 'dipindah ke Lapas Cipinang' });
    await page().click(`[data-inmate-id="${inmateId}"] [data-testid="inmate-status-form"] button[type="submit"]`);
    await page().waitForSelector('[data-testid="inmate-cancelled-visits"]');
    expect(await page().$eval('[data-testid="inmate-cancelled-visits"]', (el) => (el as any).dataset.count)).toBe('2');
    expect(await text('[data-testid="inmate-cancelled-visits"]')).toContain('2 kunjungan mendatang dibatalkan');
  });

  it('any officer enters the missing advocate card number of counsel registered before it was required (a wrong one is named at the field); then privileged booking works', async () => {
    const inmate = (await (await api('/api/inmates', 'POST', { registrationNumber: 'BI-301/2026', name: 'Rudi Hartono', block: 'E' }, admin.auth)).json()) as { inmate: { id: string } };
    const register = async (body: Record<string, string>) =>
      ((await (await api(`/api/inmates/${inmate.inmate.id}/visitors`, 'POST', { phone: '081234567890', ...body }, admin.auth)).json()) as { visitor: { id: string } }).visitor.id;
    const counselId = await register({ name: 'Dewi Lestari, S.H.', nik: '3171014501900002', relationship: 'kuasa_hukum', advocateCredential: 'SEMENTARA-1' });
    const sisterId = await register({ name: 'Rina Hartono', nik: '3171014501900003', relationship: 'saudara_kandung' });
    // As a row from before migration 0009: counsel without a card number on file.
    await app.storage.db.updateTable('visitors').set({ advocate_credential: null }).where('id', '=', counselId).execute();
    const booth = (await (await api('/api/booths', 'POST', { name: 'Bilik Kuasa Hukum' }, admin.auth)).json()) as { booth: { id: string } };
    const privileged = (hour: number) => api('/api/visits', 'POST', {
      inmateId: inmate.inmate.id, boothId: booth.booth.id, visitorIds: [counselId], scheduledStart: weekdayAt(4, hour).toISOString(), durationMinutes: 30, privileged: true,
    }, admin.auth);
    const stuck = await privileged(9);
    expect(stuck.status).toBe(409);
    expect(await stuck.json()).toMatchObject({ error: { code: 'advocate_credential_missing' } });

    // A plain officer (not a supervisor or admin) at the desk.
    const officer = await loginOfficer(app, [facilityId], 'officer');
    await signIn(officer.username, officer.password);
    await openTab('visitors', 'visitors-view');
    await fill('[data-testid="visitors-view"] form[role="search"]', { q: 'BI-301' });
    await page().click('[data-testid="visitors-view"] form[role="search"] button[type="submit"]');
    await page().click(await page().waitForSelector(`[data-testid="visitor-inmate-choose"][data-inmate-id="${inmate.inmate.id}"]`).then(() => `[data-testid="visitor-inmate-choose"][data-inmate-id="${inmate.inmate.id}"]`));
    const row = `[data-testid="visitor-row"][data-visitor-id="${counselId}"]`;
    await page().waitForSelector(`${row} [data-testid="visitor-credential-missing"]`);
    expect(await text(`${row} [data-testid="visitor-credential-missing"]`)).toBe('Nomor kartu advokat belum tercatat');
    expect(await page().$(`[data-testid="visitor-row"][data-visitor-id="${sisterId}"] [data-testid="visitor-credential-open"]`), 'only counsel carry a card number').toBeNull();
    expect(await page().$(`${row} [data-testid="visitor-ban-open"]`), 'an officer cannot ban').toBeNull();

    const form = `${row} [data-testid="visitor-credential-form"]`;
    expect(await text(`${row} [data-testid="visitor-credential-open"]`)).toBe('Isi nomor kartu advokat');
    await page().click(`${row} [data-testid="visitor-credential-open"]`);
    // Characters the server refuses: named at the field, in Indonesian; nothing stored.
    await fill(form, { advocateCredential: 'KTA#123' });
    await page().click(`${form} button[type="submit"]`);
    await waitUntil('wrong card number named', async () => (await text(`${form} .field-error`)).includes('Nomor kartu advokat: hanya huruf, angka'));
    expect(await page().$eval(`${form} [name="advocateCredential"]`, (el) => el.getAttribute('aria-invalid'))).toBe('true');
    expect((await app.storage.db.selectFrom('visitors').select('advocate_credential').where('id', '=', counselId).executeTakeFirstOrThrow()).advocate_credential).toBeNull();
    await shots('visitor-credential-error');

    await fill(form, { advocateCredential: 'KTA 12.345/PERADI-2019' });
    await page().click(`${form} button[type="submit"]`);
    await waitUntil('card number shown', async () => (await text(`${row} [data-testid="visitor-credential"]`)).includes('Nomor kartu advokat: KTA 12.345/PERADI-2019'));
    expect(await page().$(`${row} [data-testid="visitor-credential-missing"]`)).toBeNull();
    expect(await text(`${row} [data-testid="visitor-credential-open"]`)).toBe('Ubah nomor kartu advokat');
    expect(await text('[data-testid="visitors-notice"]')).toContain('tersimpan');
    expect((await app.storage.db.selectFrom('visitors').select('advocate_credential').where('id', '=', counselId).executeTakeFirstOrThrow()).advocate_credential).toBe('KTA 12.345/PERADI-2019');
    const audit = await app.storage.db.selectFrom('audit_log').select(['actor_id', 'details']).where('action', '=', 'visitor.advocate_credential_set').where('subject_id', '=', counselId).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_id).toBe(officer.officer.id);
    expect(JSON.parse(audit[0]!.details)).toEqual({ inmateId: inmate.inmate.id, advocateCredential: 'KTA 12.345/PERADI-2019' });
    expect((await privileged(10)).status).toBe(201);
    expect(cspProblems(csp, app.url)).toEqual([]);
  });

  it('a booth and an enrolled device: the booth URL is shown once as a QR code and text; revoking ends it', async () => {
    await signIn(admin.username, admin.password);
    await openTab('booths', 'booths-view');
    await fill('[data-testid="booth-add"]', { name: 'Bilik Dua' });
    await page().click('[data-testid="booth-add"] button[type="submit"]');
    await waitUntil('booth listed', async () => (await text('[data-testid="booth-list"]')).includes('Bilik Dua'));
    const boothId = await page().$$eval('[data-testid="booth-row"]', (rows) => (rows.find((r: any) => r.textContent.includes('Bilik Dua')) as any).dataset.boothId as string);
    const row = `[data-testid="booth-row"][data-booth-id="${boothId}"]`;
    await page().click(`${row} [data-testid="device-enrol-open"]`);
    await fill(`${row} [data-testid="device-enrol"]`, { label: 'PC bilik dua' });
    await page().click(`${row} [data-testid="device-enrol"] button[type="submit"]`);
    await page().waitForSelector('[data-testid="device-qr"]');
    expect(await text('[data-testid="device-enrolled"] h3')).toContain('Bilik Dua');
    const url = await text('[data-testid="device-url"]');
    expect(url).toMatch(/\/booth\/\?t=|\/booth\/#/);
    const qr = await page().$eval('[data-testid="device-qr"]', (img) => ({ src: (img as any).src as string, width: (img as any).naturalWidth as number }));
    expect(qr.src.startsWith('data:image/png')).toBe(true);
    expect(qr.width).toBeGreaterThan(100);
    await shots('booths-enrolled');
    // Once: another tab and back, and the URL is gone from the page.
    await openTab('inmates', 'inmates-view');
    await openTab('booths', 'booths-view');
    await waitUntil('device listed', async () => (await text('[data-testid="booth-list"]')).includes('PC bilik dua'));
    // the tab is drawn anew (its list may show the device before the old drawing is replaced)
    await waitUntil('the QR code gone', async () => (await page().$('[data-testid="device-qr"]')) === null);
    expect(await page().content()).not.toContain(url.split('t=')[1] ?? url);

    await page().click('[data-testid="device-row"][data-active="true"] [data-testid="device-revoke"]');
    await waitUntil('revoked', async () => (await page().$('[data-testid="device-row"][data-active="false"]')) !== null);
    await shots('booths');
  });

  it('an admin creates an account, disables it (sign-in refused), enables it again, adds a facility and assigns the officer there', async () => {
    await signIn(admin.username, admin.password);
    await openTab('accounts', 'accounts-view');
    const form = '[data-testid="account-create"]';
    await fill(form, { username: 'Ab', displayName: 'Rina Kartika', password: 'pendek' });
    await page().click(`${form} button[type="submit"]`);
    await waitUntil('fields named', async () => (await text(form)).includes('Nama pengguna: 3–64 karakter') && (await text(form)).includes('Kata sandi awal: minimal 12 karakter'));
    await fill(form, { username: 'rina.k', displayName: 'Rina Kartika', role: 'supervisor', password: 'awal-rina-123456' });
    await page().click(`${form} button[type="submit"]`);
    const row = '[data-testid="account-row"][data-username="rina.k"]';
    await page().waitForSelector(row);
    expect(await page().$eval(row, (el) => (el as any).dataset.role)).toBe('supervisor');
    // The same username again: refused, named.
    await fill(form, { username: 'rina.k', displayName: 'Rina Lain', password: 'awal-rina-123456' });
    await page().click(`${form} button[type="submit"]`);
    await waitUntil('taken', async () => (await text(form)).includes('Nama pengguna: sudah dipakai'));
    expect((await api('/api/auth/login', 'POST', { username: 'rina.k', password: 'awal-rina-123456' }, {})).status).toBe(200);

    await page().click(`${row} [data-testid="account-change-open"]`);
    await page().click(`${row} [data-testid="account-toggle"]`);
    await waitUntil('reason named', async () => (await text(`${row} [data-testid="account-change"]`)).includes('Alasan: minimal 3 karakter') || (await text(`${row} [data-testid="account-change"]`)).includes('Alasan: wajib diisi'));
    await fill(`${row} [data-testid="account-change"]`, { reason: 'cuti panjang' });
    await page().click(`${row} [data-testid="account-toggle"]`);
    await waitUntil('disabled', async () => (await page().$eval(row, (el) => (el as any).dataset.disabled).catch(() => '')) === 'true');
    expect((await api('/api/auth/login', 'POST', { username: 'rina.k', password: 'awal-rina-123456' }, {})).status).toBe(401);
    await page().click(`${row} [data-testid="account-change-open"]`);
    await shots('accounts');
    await page().click(`${row} [data-testid="account-change-open"]`);

    await page().click(`${row} [data-testid="account-change-open"]`);
    await fill(`${row} [data-testid="account-change"]`, { reason: 'kembali bertugas', role: 'officer' });
    await page().click(`${row} [data-testid="account-role-save"]`);
    await waitUntil('role changed', async () => (await page().$eval(row, (el) => (el as any).dataset.role).catch(() => '')) === 'officer');
    await page().click(`${row} [data-testid="account-change-open"]`);
    await fill(`${row} [data-testid="account-change"]`, { reason: 'kembali bertugas' });
    await page().click(`${row} [data-testid="account-toggle"]`);
    await waitUntil('enabled', async () => (await page().$eval(row, (el) => (el as any).dataset.disabled).catch(() => '')) === 'false');
    expect((await api('/api/auth/login', 'POST', { username: 'rina.k', password: 'awal-rina-123456' }, {})).status).toBe(200);
    // The admin's own row has no change panel.
    expect(await page().$(`[data-testid="account-row"][data-username="${admin.username}"] [data-testid="account-change-open"]`)).toBeNull();

    await openTab('facilities', 'facilities-view');
    const create = '[data-testid="facility-create"]';
    await fill(create, { code: 'lp-', name: 'Lapas Baru' });
    await page().click(`${create} button[type="submit"]`);
    await waitUntil('code named', async () => (await text(create)).includes('Kode: 2–20 karakter'));
    await fill(create, { code: 'lp-baru', name: 'Lapas Baru', kind: 'rutan', timezone: 'Asia/Makassar' });
    await page().click(`${create} button[type="submit"]`);
    await waitUntil('facility listed', async () => (await text('[data-testid="facility-list"]')).includes('LP-BARU'));
    const newFacility = await page().$$eval('[data-testid="facility-row"]', (rows) => (rows.find((r: any) => r.textContent.includes('LP-BARU')) as any).dataset.facilityId as string);
    const assign = '[data-testid="facility-assign"]';
    await page().click('[data-testid="facility-assign-submit"]');
    await waitUntil('choices named', async () => (await text(assign)).includes('Petugas: wajib diisi'));
    const officers = (await (await fetch(`${app.url}/api/officers`, { headers: admin.auth })).json()) as { officers: Array<{ id: string; username: string }> };
    const rina = officers.officers.find((o) => o.username === 'rina.k')!.id;
    await fill(assign, { officerId: rina, facilityId: newFacility, role: 'supervisor' });
    await page().click('[data-testid="facility-assign-submit"]');
    await waitUntil('assigned', async () => (await text('[data-testid="facility-assign-status"]')).includes('ditugaskan di Lapas Baru'));
    const there = await api('/api/auth/login', 'POST', { username: 'rina.k', password: 'awal-rina-123456', facilityId: newFacility }, {});
    expect(there.status).toBe(200);
    expect(((await there.json()) as { officer: { role: string } }).officer.role).toBe('supervisor');
    await shots('facilities');
    expect(cspProblems(csp, app.url)).toEqual([]);
  });
});
