import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { addDays, localDate } from '../../client/common/facility-time.ts';
import type { App } from '../../server/app.ts';
import { signFamilySession } from '../../server/family/family-session.ts';
import { launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

interface AxeViolation { id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }

/** axe-core's WCAG 2.2 AA rules on the page as it is now. */
async function axeViolations(session: BrowserSession): Promise<string[]> {
  // Injected through DevTools (not a <script>), so the page's Content-Security-Policy stays as served.
  await session.page.evaluate(axeSource);
  const violations = (await session.page.evaluate(
    (tags) => (globalThis as any).axe.run((globalThis as any).document, { runOnly: { type: 'tag', values: tags } }).then((r: any) => r.violations),
    WCAG_22_AA,
  )) as AxeViolation[];
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('every page passes axe-core WCAG 2.2 AA at 390 px (real Chromium)', () => {
  let app: App;
  let seeded: SeededVisit;
  let early: SeededVisit;
  let browser: BrowserSession;

  beforeAll(async () => {
    app = await startTestApp();
    seeded = await seedVisit(app, { start: new Date(Date.now() + 5 * 60_000), durationSeconds: 900 });
    early = await seedVisit(app, { start: new Date(Date.now() + 3 * 3600_000), durationSeconds: 900 });
    browser = await launchBrowser({ media: fakeMedia('red', 440) });
    await browser.page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const pages: Array<[string, () => string]> = [
    ['home', () => '/'],
    ['family (link before the call)', () => `/family/?t=${seeded.joinTokens[0]}`],
    ['family (link opened before its window: countdown)', () => `/family/?t=${early.joinTokens[0]}`],
    ['booth kiosk', () => `/booth/?t=${seeded.boothToken}`],
    ['officer dashboard sign-in', () => '/officer/'],
    ['remisi', () => '/remisi/'],
    ['pengaduan', () => '/pengaduan/'],
    ['drive-thru', () => '/drive-thru/'],
    ['family portal: Masuk', () => '/kunjungan/#masuk'],
    ['family portal: Daftar', () => '/kunjungan/'],
    ['drive-thru queue board', () => `/drive-thru-antrean/?facility=${seeded.facilityId}`],
    ['officer remisi', () => '/petugas-remisi/'],
    ['officer complaints', () => '/petugas-pengaduan/'],
    ['officer drive-thru', () => '/petugas-drive-thru/'],
    ['API reference (POST /api/visits open)', () => '/api-docs/#postVisits'],
  ];

  it.each(pages)('%s', async (_name, pathOf) => {
    await browser.page.goto(`${app.url}${pathOf()}`, { waitUntil: 'networkidle2' });
    // The pages fill their text in from the i18n module: wait until the title is there.
    await waitUntil('page rendered', () => browser.page.evaluate(() => ((globalThis as any).document.querySelector('h1')?.textContent ?? '').trim().length > 0), 10_000);
    expect(await axeViolations(browser)).toEqual([]);
    const overflow = await browser.page.evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });
    expect(overflow, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(0);
  });

  it('API reference with every operation open', async () => {
    await browser.page.goto(`${app.url}/api-docs/`, { waitUntil: 'networkidle2' });
    await waitUntil('reference rendered', () => browser.page.evaluate(() => (globalThis as any).document.querySelectorAll('details.op').length > 40), 10_000);
    await browser.page.evaluate(() => { for (const d of (globalThis as any).document.querySelectorAll('details.op')) d.open = true; });
    expect(await axeViolations(browser)).toEqual([]);
  });

  // The officer desk signed in as an admin (every tab shows): one tab at a time, as the role's menu opens it.
  const deskTabs = [
    'schedule',
    'book',
    'live',
    'recordings',
    'settings',
  ];
  let signedIn = false;

  it.each(deskTabs)('officer desk tab %s', async (tab) => {
    const { page } = browser;
    if (!signedIn) {
      const admin = await loginOfficer(app, [seeded.facilityId], 'admin');
      await page.goto(`${app.url}/officer/`, { waitUntil: 'networkidle2' });
      await page.type('#login-form input[name="username"]', admin.username);
      await page.type('#login-form input[name="password"]', admin.password);
      await page.click('#login-form button[type="submit"]');
      await page.waitForSelector('#desk-panel');
      signedIn = true;
    }
    await page.click(`[data-testid="tab-${tab}"]`);
    await waitUntil(`${tab} shown`, () => page.evaluate((id) => (globalThis as any).document.querySelector(`#tab-${id}[aria-selected="true"]`) !== null && (globalThis as any).document.querySelector('#desk-panel > *') !== null, tab), 10_000);
    // let the tab's first load arrive (lists, rules)
    await waitUntil(`${tab} loaded`, () => page.evaluate(() => !(globalThis as any).document.querySelector('#desk-panel')!.textContent!.includes('Memuat')), 10_000);
    // the states with the most on screen: a visit's links (copy, WhatsApp, QR); the slot grid of a chosen inmate and visitor
    if (tab === 'schedule') {
      // the seeded visit's local day (near midnight it may be tomorrow there)
      const day = localDate('Asia/Jakarta', seeded.start);
      await page.$eval('[data-testid="schedule-date"]', (el, value) => { (el as any).value = value; el.dispatchEvent(new (globalThis as any).Event('change')); }, day);
      await page.waitForSelector(`[data-testid="visit-row"][data-visit-id="${seeded.visitId}"]`);
      await page.click(`[data-testid="visit-row"][data-visit-id="${seeded.visitId}"] [data-testid="show-links"]`);
      await page.waitForSelector('[data-testid="link-card"] img[src^="data:"]');
    }
    if (tab === 'book') {
      await page.type('[data-testid="inmate-search"]', seeded.inmate.name);
      await page.click('[data-testid="inmate-search-submit"]');
      await page.click(await page.waitForSelector(`[data-testid="pick-inmate"][data-inmate-id="${seeded.inmate.id}"]`).then(() => `[data-testid="pick-inmate"][data-inmate-id="${seeded.inmate.id}"]`));
      await page.click(await page.waitForSelector('[data-testid="pick-visitor"]').then(() => '[data-testid="pick-visitor"]'));
      await page.waitForSelector('[data-testid="slot-booth"]');
    }
    expect(await axeViolations(browser)).toEqual([]);
    const overflow = await page.evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });
    expect(overflow, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(0);
  });
});

describe('officer app tabs of the facility registers pass axe-core WCAG 2.2 AA at 390 px and 1280 px (real Chromium)', () => {
  let app: App;
  let seeded: SeededVisit;
  let browser: BrowserSession;
  let admin: Awaited<ReturnType<typeof loginOfficer>>;

  beforeAll(async () => {
    app = await startTestApp();
    seeded = await seedVisit(app, { start: new Date(Date.now() + 60 * 60_000), durationSeconds: 900 });
    admin = await loginOfficer(app, [seeded.facilityId], 'admin');
    // A banned visitor, so the ban badge and the un-ban form are checked too.
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const ban = await fetch(`${app.url}/api/visitors/${seeded.visitors[0]!.id}/ban`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...admin.auth }, body: JSON.stringify({ reason: 'membawa barang terlarang', until }),
    });
    if (ban.status !== 200) throw new Error(`ban: ${ban.status} ${await ban.text()}`);
    // Counsel registered before card numbers were required (none on file): the missing badge and the entry panel are checked too.
    const counsel = await fetch(`${app.url}/api/inmates/${seeded.inmate.id}/visitors`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...admin.auth },
      body: JSON.stringify({ name: 'Dewi Lestari, S.H.', nik: '3171014501900002', relationship: 'kuasa_hukum', phone: '081234567890', advocateCredential: 'SEMENTARA-1' }),
    });
    if (counsel.status !== 201) throw new Error(`counsel: ${counsel.status} ${await counsel.text()}`);
    const counselId = ((await counsel.json()) as { visitor: { id: string } }).visitor.id;
    await app.storage.db.updateTable('visitors').set({ advocate_credential: null }).where('id', '=', counselId).execute();
    // Messages for the desk (Pesan): one waiting with WhatsApp and e-mail links, one the provider refused.
    const now = new Date().toISOString();
    for (const status of ['manual', 'failed'] as const) {
      const id = randomUUID();
      await app.storage.db.insertInto('notification_outbox').values({
        id, idempotency_key: `axe:${id}`, facility_id: seeded.facilityId, recipient_ref: seeded.visitors[0]!.id, to_name: seeded.visitors[0]!.name, to_phone: '+6281234567890', to_email: 'keluarga@example.org',
        template: 'visitCancelled', language: 'id', params: JSON.stringify({ time: 'Senin, 1 Desember 2026 pukul 09.00 WIB', reason: 'Bilik sedang diperbaiki' }), status, channel: null, attempts: status === 'failed' ? 4 : 0,
        next_attempt_at: now, claim_token: null, lease_until: null, last_error: status === 'failed' ? 'HTTP 500 from provider' : null, provider_id: null, expires_at: null, created_at: now, sent_at: null, handled_by: null, handled_at: null,
      }).execute();
    }
    // A family registration waiting for verification, with its KTP photo (Verifikasi keluarga).
    const { default: sharp } = await import('sharp');
    const registration = new FormData();
    const inmateNumber = (await app.storage.db.selectFrom('inmates').select('registration_number').where('id', '=', seeded.inmate.id).executeTakeFirstOrThrow()).registration_number;
    for (const [k, v] of Object.entries({ facilityId: seeded.facilityId, registrationNumber: inmateNumber, name: 'Ani Rahmawati', nik: '3171014501900011', relationship: 'anak', phone: '081234567890', email: 'ani@example.org' })) registration.append(k, v);
    registration.append('ktp', new Blob([new Uint8Array(await sharp({ create: { width: 320, height: 200, channels: 3, background: '#3366aa' } }).jpeg().toBuffer())], { type: 'image/jpeg' }), 'ktp.jpg');
    const registered = await fetch(`${app.url}/api/family/registrations`, { method: 'POST', body: registration });
    if (registered.status !== 202) throw new Error(`registration: ${registered.status} ${await registered.text()}`);
    browser = await launchBrowser();
    await browser.page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
    await browser.page.goto(`${app.url}/officer/`);
    await browser.page.waitForSelector('#login-form input[name="username"]');
    await browser.page.type('#login-form input[name="username"]', admin.username);
    await browser.page.type('#login-form input[name="password"]', admin.password);
    await browser.page.click('#login-form button[type="submit"]');
    await browser.page.waitForSelector('[data-testid="tab-inmates"]');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** Opens a tab and, for some, the part worth checking (a chosen inmate's family, every panel open). */
  const tabs: Array<[string, string, string, (() => Promise<void>)?]> = [
    ['WBP', 'inmates', 'inmate-row'],
    ['Keluarga (a chosen inmate)', 'inmates', 'inmate-row', async () => {
      // The list may still be redrawn by the tab's load: click until the family shows.
      await waitUntil('family of the inmate', async () => {
        await browser.page.click('[data-testid="inmate-family"]');
        return browser.page.waitForSelector('[data-testid="visitor-row"][data-banned="true"]', { timeout: 2000 });
      });
      await browser.page.waitForSelector('[data-testid="visitor-row"] [data-testid="visitor-credential-missing"]');
      await browser.page.waitForSelector('[data-testid="visitor-credential-form"]');
    }],
    ['Bilik', 'booths', 'booth-row'],
    ['Akun petugas', 'accounts', 'account-row'],
    ['Fasilitas', 'facilities', 'facility-row'],
    ['Kata sandi', 'password', 'password-form'],
    ['Pesan (waiting and failed messages)', 'messages', 'message-row'],
    ['Verifikasi keluarga (a registration with its KTP photo)', 'registrations', 'registration-ktp-image'],
    ['Pengaturan (family booking)', 'settings', 'family-booking'],
  ];

  it.each(tabs)('%s', async (_name, id, ready, more) => {
    await browser.page.click(`[data-testid="tab-${id}"]`);
    await browser.page.waitForSelector(`[data-testid="${ready}"]`);
    await more?.();
    // Every folded panel open, so its form is checked too.
    await browser.page.evaluate(() => { for (const d of (globalThis as any).document.querySelectorAll('details')) d.open = true; });
    for (const width of [390, 1280]) {
      await browser.page.setViewport({ width, height: width === 390 ? 844 : 800, deviceScaleFactor: 1 });
      expect(await axeViolations(browser), `at ${width} px`).toEqual([]);
      const overflow = await browser.page.evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });
      expect(overflow, `no sideways scrolling at ${width} px`).toBeLessThanOrEqual(0);
    }
    await browser.page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
  });

  it('the forced password change at first sign-in', async () => {
    const post = (path: string, method: string, body: unknown) => fetch(`${app.url}${path}`, { method, headers: { 'content-type': 'application/json', ...admin.auth }, body: JSON.stringify(body) });
    const created = (await (await post('/api/officers', 'POST', { username: 'axe.baru', displayName: 'Petugas Baru', password: 'sementara-123456', role: 'officer' })).json()) as { officer: { id: string } };
    await post(`/api/officers/${created.officer.id}`, 'PATCH', { password: 'direset-admin-1234', reason: 'akun baru' });
    await browser.page.evaluate(() => (globalThis as any).sessionStorage.clear());
    await browser.page.reload();
    await browser.page.waitForSelector('#login-form input[name="username"]');
    await browser.page.type('#login-form input[name="username"]', 'axe.baru');
    await browser.page.type('#login-form input[name="password"]', 'direset-admin-1234');
    await browser.page.click('#login-form button[type="submit"]');
    await browser.page.waitForSelector('[data-testid="forced-password"]');
    // With the errors shown: every field named and described.
    await browser.page.click('[data-testid="password-form"] button[type="submit"]');
    await browser.page.waitForSelector('[data-testid="password-form"] .field-error');
    expect(await axeViolations(browser)).toEqual([]);
  });
});

describe('the family portal signed in passes axe-core WCAG 2.2 AA at 390 px and 1280 px (real Chromium)', () => {
  let app: App;
  let browser: BrowserSession;
  const NIK = '3174015505900001';

  beforeAll(async () => {
    app = await startTestApp();
    const facility = await createFacility(app);
    const sup = await loginOfficer(app, [facility.id], 'supervisor');
    const call = async (method: string, url: string, body?: unknown, auth: Record<string, string> = sup.auth) => {
      const res = await fetch(`${app.url}${url}`, { method, headers: { 'content-type': 'application/json', ...auth }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = (await res.json().catch(() => ({}))) as any;
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    await call('POST', '/api/booths', { name: 'Bilik 1' });
    const day = [{ from: '08:00', to: '15:00' }];
    await call('PUT', '/api/facility/rules', { visitingHours: { 0: day, 1: day, 2: day, 3: day, 4: day, 5: day, 6: day }, slotMinutes: 30, maxVisitorsPerVisit: 3, quota: null });
    const ktp = await sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 200, g: 200, b: 200 } } }).png().toBuffer();
    // Two registrations of one person: one approved (so there is something to book), one rejected with its reason.
    for (const [registrationNumber, name] of [['AX.1/2025', 'Budi Santoso'], ['AX.2/2025', 'Joko Susilo']] as const) {
      await call('POST', '/api/inmates', { registrationNumber, name, block: 'A' });
      const form = new FormData();
      for (const [k, v] of Object.entries({ facilityId: facility.id, registrationNumber, name: 'Siti Aminah', nik: NIK, relationship: 'orang_tua', phone: '081234567890' })) form.set(k, v);
      form.set('ktp', new Blob([ktp], { type: 'image/png' }), 'ktp.png');
      const res = await fetch(`${app.url}/api/family/registrations`, { method: 'POST', body: form });
      if (res.status !== 202) throw new Error(`registration: ${res.status} ${await res.text()}`);
    }
    const pending = (await call('GET', '/api/family/registrations?status=pending')).registrations as Array<{ id: string; registrationNumber: string }>;
    await call('POST', `/api/family/registrations/${pending.find((r) => r.registrationNumber === 'AX.1/2025')!.id}/approve`, {});
    await call('POST', `/api/family/registrations/${pending.find((r) => r.registrationNumber === 'AX.2/2025')!.id}/reject`, { reason: 'Foto KTP tidak terbaca.' });
    const account = await app.storage.db.selectFrom('family_accounts').select('id').where('facility_id', '=', facility.id).executeTakeFirstOrThrow();
    const { token, expiresAt } = signFamilySession(app.ctx, { accountId: account.id, facilityId: facility.id });
    const family = { authorization: `Bearer ${token}` };
    const me = await call('GET', '/api/family/me', undefined, family);
    const visitorId = me.visitors[0].visitorId as string;
    const date = addDays(localDate('Asia/Jakarta'), 3);
    const slots = (await call('GET', `/api/family/slots?visitorId=${visitorId}&date=${date}`, undefined, family)).slots as Array<{ start: string; free: boolean }>;
    await call('POST', '/api/family/visits', { visitorId, scheduledStart: slots.find((s) => s.free)!.start }, family);

    browser = await launchBrowser();
    await browser.page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
    await browser.page.goto(`${app.url}/kunjungan/`);
    await browser.page.evaluate((s) => (globalThis as any).sessionStorage.setItem('kv.family.session', s), JSON.stringify({ token, expiresAt: expiresAt.toISOString(), name: 'Siti Aminah' }));
    await browser.page.reload();
    await browser.page.waitForSelector('[data-testid="sign-out"]');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const screens: Array<[string, string, string]> = [
    ['Kunjungan saya (a booked visit)', 'visits', '[data-testid="upcoming"] [data-testid="visit"]'],
    ['Buat jadwal (free slots)', 'book', '[data-testid="slot"]'],
    ['Pendaftaran (one rejected, with its reason)', 'registrations', '[data-testid="rejection-reason"]'],
  ];

  it.each(screens)('%s', async (_name, nav, ready) => {
    await browser.page.click(`[data-testid="nav-${nav}"]`);
    if (nav === 'book') {
      await browser.page.waitForSelector('[data-testid="book-date"]');
      await browser.page.$eval('[data-testid="book-date"]', (el, v) => { (el as any).value = v; el.dispatchEvent(new (globalThis as any).Event('change')); }, addDays(localDate('Asia/Jakarta'), 3));
    }
    await browser.page.waitForSelector(ready);
    for (const width of [390, 1280]) {
      await browser.page.setViewport({ width, height: width === 390 ? 844 : 800, deviceScaleFactor: 1 });
      expect(await axeViolations(browser), `at ${width} px`).toEqual([]);
      const overflow = await browser.page.evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });
      expect(overflow, `no sideways scrolling at ${width} px`).toBeLessThanOrEqual(0);
    }
    await browser.page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
  });
});
