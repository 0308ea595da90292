import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateIn, timeIn, zoneName } from '../../client/common/facility-time.ts';
import type { App } from '../../server/app.ts';
import { TestCallClient } from '../calls/socket-client.ts';
import { bodyState, cspProblems, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';

const SHOTS = process.env.SHOTS_DIR ?? '/tmp/shots/desk';

/**
 * A zone where it is daytime now (06:00–18:00 local), so today's schedule has room before and
 * after "now" whenever the test runs: an Indonesian zone when one fits, else a fixed offset.
 */
function daytimeZone(): string {
  const hour = new Date().getUTCHours();
  for (const [zone, offset] of [['Asia/Jakarta', 7], ['Asia/Makassar', 8], ['Asia/Jayapura', 9]] as const) {
    const local = (hour + offset) % 24;
    if (local >= 6 && local < 18) return zone;
  }
  let offset = (12 - hour + 24) % 24;
  if (offset > 12) offset -= 24;
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

/** Sideways scrolling of the page as it is now (px; 0 = none). */
const overflow = (page: Page) => page.evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });

/** The page at 1280x800 and at 390 px: a PNG of each (looked at by hand) and no sideways scrolling at either. */
async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const [width, height] of [[1280, 800], [390, 844]] as const) {
    await page.setViewport({ width, height, deviceScaleFactor: 1 });
    await new Promise((r) => setTimeout(r, 300));
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`) as `${string}.png`, fullPage: true });
    expect(await overflow(page), `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
  }
  await page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
}

const text = (page: Page, selector: string) => page.$eval(selector, (el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim());
const row = (visitId: string) => `[data-testid="visit-row"][data-visit-id="${visitId}"]`;

describe('the facility desk: schedule, booking from the slot grid, links, rules, early link (real Chromium)', () => {
  let app: App;
  let session: BrowserSession;
  let csp: CspWatch;
  let admin: Awaited<ReturnType<typeof loginOfficer>>;
  let zone: string;
  let live: SeededVisit;
  let later: SeededVisit;
  let cancelMe: SeededVisit;
  let booth2: { id: string; facilityId: string; deviceId: string };
  const parties: TestCallClient[] = [];
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${app.url}${url}`, { method, headers: { 'content-type': 'application/json', ...admin.auth }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    app = await startTestApp();
    zone = daytimeZone();
    live = await seedVisit(app, { start: new Date(Date.now() - 60_000), durationSeconds: 3600, visitorNames: ['Siti Aminah'] });
    await app.storage.db.updateTable('facilities').set({ timezone: zone }).where('id', '=', live.facilityId).execute();
    const now = new Date().toISOString();
    booth2 = { id: randomUUID(), facilityId: live.facilityId, deviceId: randomUUID() };
    await app.storage.db.insertInto('booths').values({ id: booth2.id, facility_id: live.facilityId, name: 'Bilik 2', created_at: now }).execute();
    await app.storage.db.insertInto('booth_devices').values({ id: booth2.deviceId, booth_id: booth2.id, label: 'PC bilik 2', created_by: 'test', created_at: now, revoked_at: null }).execute();
    const booth1 = { id: live.boothId, facilityId: live.facilityId, deviceId: live.deviceId };
    later = await seedVisit(app, { booth: booth2, start: new Date(Date.now() + 90 * 60_000), durationSeconds: 1800, visitorNames: ['Rina Wati', 'Joko'] });
    cancelMe = await seedVisit(app, { booth: booth1, start: new Date(Date.now() + 2 * 3600_000), durationSeconds: 1800 });
    await seedVisit(app, { booth: booth2, start: new Date(Date.now() - 3 * 3600_000), durationSeconds: 1800, status: 'missed' });
    await seedVisit(app, { booth: booth1, start: new Date(Date.now() - 4 * 3600_000), durationSeconds: 1800, status: 'ended' });
    admin = await loginOfficer(app, [live.facilityId], 'admin');
    // Visiting hours around the clock of a working day, every day, so today has free slots whenever this runs.
    const day = [{ from: '06:00', to: '20:00' }];
    const rules = await api('PUT', '/api/facility/rules', { visitingHours: { 0: day, 1: day, 2: day, 3: day, 4: day, 5: day, 6: day }, slotMinutes: 30, maxVisitorsPerVisit: 3, quota: null });
    expect(rules.status).toBe(200);
    // The live one: booth and family in the call (signalling only).
    const booth = await TestCallClient.open(app, { token: live.boothToken, role: 'booth' });
    await booth.ok('joinCall', { visitId: live.visitId });
    const family = await TestCallClient.open(app, { token: live.joinTokens[0], role: 'family' });
    await family.ok('joinCall', {});
    parties.push(booth, family);

    session = await launchBrowser();
    csp = await watchContentSecurityPolicy(session.page);
    await session.browser.defaultBrowserContext().overridePermissions(app.url, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
    await session.page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
  });
  afterAll(async () => {
    for (const p of parties) p.close();
    await session?.close();
    await app?.close();
  });

  it('signs in to the schedule: the day grouped by booth, in time order, with each status; the live call as berlangsung', async () => {
    const { page } = session;
    await page.goto(`${app.url}/officer/`);
    await page.waitForSelector('#login-form input[name="username"]');
    await page.type('#login-form input[name="username"]', admin.username);
    await page.type('#login-form input[name="password"]', admin.password);
    await page.click('#login-form button[type="submit"]');
    await waitUntil('schedule shown', async () => (await bodyState(page)).state === 'schedule' && (await page.$(row(live.visitId))) !== null);
    // an admin sees every tab of the desk
    const tabs = await page.$$eval('[role="tab"]', (els) => els.map((e) => (e as any).dataset.testid));
    expect(tabs).toEqual(expect.arrayContaining(['tab-schedule', 'tab-book', 'tab-live', 'tab-recordings', 'tab-settings']));
    await waitUntil('live row berlangsung', async () => (await page.$eval(row(live.visitId), (el) => (el as any).dataset.status)) === 'live');
    expect(await text(page, `${row(live.visitId)} [data-testid="visit-status"]`)).toBe('berlangsung');
    expect(await text(page, `${row(later.visitId)} [data-testid="visit-status"]`)).toBe('terjadwal');
    const groups = await page.$$eval('[data-testid="booth-group"]', (els) => els.map((g) => ({
      booth: (g as any).dataset.boothId,
      rows: [...g.querySelectorAll('[data-testid="visit-row"]')].map((r) => [(r as any).dataset.status, r.querySelector('[data-testid="visit-status"]')!.textContent]),
    })));
    // Bilik 1: ended (4 h ago), live, scheduled (in 2 h); Bilik 2: missed (3 h ago), scheduled (in 1.5 h)
    expect(groups).toEqual([
      { booth: live.boothId, rows: [['ended', 'selesai'], ['live', 'berlangsung'], ['scheduled', 'terjadwal']] },
      { booth: booth2.id, rows: [['missed', 'terlewat'], ['scheduled', 'terjadwal']] },
    ]);
    const time = await text(page, `${row(later.visitId)} [data-testid="visit-time"]`);
    expect(time).toBe(`${timeIn(later.start.toISOString(), zone, 'id')}–${timeIn(new Date(later.start.getTime() + 1800_000).toISOString(), zone, 'id')} ${zoneName(zone)}`);
    // Only the live call can be opened; only scheduled visits can be cancelled
    expect(await page.$(`${row(live.visitId)} [data-testid="open-call"]`)).not.toBeNull();
    expect(await page.$(`${row(later.visitId)} [data-testid="open-call"]`)).toBeNull();
    expect(await page.$(`${row(live.visitId)} [data-testid="cancel-visit"]`)).toBeNull();
    await screenshots(page, 'schedule');
  });

  it('cancels a visit from its row: a missing reason is named, then the row turns dibatalkan (audited)', async () => {
    const { page } = session;
    await page.click(`${row(cancelMe.visitId)} [data-testid="cancel-visit"]`);
    await page.type(`${row(cancelMe.visitId)} [data-testid="cancel-reason"]`, 'x');
    await page.click(`${row(cancelMe.visitId)} [data-testid="cancel-submit"]`);
    expect(await text(page, `${row(cancelMe.visitId)} [data-testid="cancel-error"]`)).toBe('Alasan pembatalan: wajib diisi, minimal 3 huruf');
    await screenshots(page, 'schedule-cancel');
    await page.$eval(`${row(cancelMe.visitId)} [data-testid="cancel-reason"]`, (el) => { (el as any).value = ''; });
    await page.type(`${row(cancelMe.visitId)} [data-testid="cancel-reason"]`, 'WBP sakit');
    await page.click(`${row(cancelMe.visitId)} [data-testid="cancel-submit"]`);
    await waitUntil('row cancelled', async () => (await page.$eval(row(cancelMe.visitId), (el) => (el as any).dataset.status)) === 'cancelled');
    expect(await text(page, `${row(cancelMe.visitId)} [data-testid="visit-status"]`)).toBe('dibatalkan');
    const audit = await app.storage.db.selectFrom('audit_log').select(['action', 'actor_id', 'reason']).where('subject_id', '=', cancelMe.visitId).execute();
    expect(audit).toEqual([expect.objectContaining({ action: 'visit.cancelled', actor_id: admin.officer.id, reason: 'WBP sakit' })]);
  });

  it('hands over the links of a visit: copy, a wa.me link with the prepared message, a QR code per visitor', async () => {
    const { page } = session;
    await page.click(`${row(later.visitId)} [data-testid="show-links"]`);
    await waitUntil('two link cards', async () => (await page.$$(`${row(later.visitId)} [data-testid="link-card"]`)).length === 2);
    const cards = await page.$$eval(`${row(later.visitId)} [data-testid="link-card"]`, (els) => els.map((c) => ({
      name: c.querySelector('h4')!.textContent,
      url: (c.querySelector('[data-testid="link-url"]') as any).value as string,
      wa: c.querySelector('[data-testid="whatsapp-link"]')!.getAttribute('href')!,
      qr: c.querySelector('[data-testid="link-qr"]')!.getAttribute('src')!,
      qrLoaded: (c.querySelector('[data-testid="link-qr"]') as any).naturalWidth as number,
    })));
    expect(cards.map((c) => c.name)).toEqual(['Joko', 'Rina Wati']);
    for (const card of cards) {
      expect(card.url).toMatch(new RegExp(`^${app.url.replace(/[.]/g, '\\.')}/family/\\?t=[\\w.%-]+$`));
      // no phone on record: wa.me lets the officer pick the chat; the message names the visitor, the date and time in the facility's zone, the link
      expect(card.wa.startsWith('https://wa.me/?text=')).toBe(true);
      const message = decodeURIComponent(card.wa.slice('https://wa.me/?text='.length));
      expect(message).toContain(`Yth. ${card.name},`);
      expect(message).toContain(later.inmate.name);
      expect(message).toContain(`${dateIn(later.start.toISOString(), zone, 'id')} pukul ${timeIn(later.start.toISOString(), zone, 'id')} ${zoneName(zone)}`);
      expect(message.endsWith(card.url)).toBe(true);
      expect(card.qr.startsWith('data:image/png;base64,')).toBe(true);
      expect(card.qrLoaded).toBeGreaterThan(100);
    }
    // The link works as a family link (a real join token for this visitor of this visit).
    const token = decodeURIComponent(new URL(cards[1]!.url).searchParams.get('t')!);
    expect(app.ctx.tokens.verify('join', token, { ignoreNotBefore: true })).toMatchObject({ visit: later.visitId, sub: later.visitors.find((v) => v.name === 'Rina Wati')!.id });
    await page.bringToFront();
    await page.click(`${row(later.visitId)} [data-testid="link-card"]:first-child [data-testid="copy-link"]`);
    await waitUntil('copied', async () => (await text(page, `${row(later.visitId)} [data-testid="link-card"]:first-child [data-testid="copy-status"]`)) === 'Tautan disalin.');
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(cards[0]!.url);
    // The schedule keeps refreshing without closing the open links.
    await new Promise((r) => setTimeout(r, 5000));
    expect(await page.$$(`${row(later.visitId)} [data-testid="link-card"]`)).toHaveLength(2);
    await screenshots(page, 'schedule-links');
  });

  it('opens the live call from its row: the live tab, focused on that call', async () => {
    const { page } = session;
    await page.click(`${row(live.visitId)} [data-testid="open-call"]`);
    await waitUntil('focus view of the call', async () => (await page.$(`[data-testid="focus-view"][data-visit-id="${live.visitId}"]`)) !== null);
    expect(await page.evaluate(() => (globalThis as any).location.hash)).toBe('#live');
    expect(await page.$eval('[data-testid="tab-live"]', (el) => el.getAttribute('aria-selected'))).toBe('true');
  });

  it('books a visit from the slot grid: WBP, visitors, a free slot, no clash, saved, links at once', async () => {
    const { page } = session;
    await page.click('[data-testid="tab-book"]');
    await waitUntil('booking tab', async () => (await bodyState(page)).state === 'book');
    await page.$eval('[data-testid="inmate-search"]', (el) => { (el as any).value = ''; });
    await page.type('[data-testid="inmate-search"]', later.inmate.name.split(' ').at(-1)!);
    await page.click('[data-testid="inmate-search-submit"]');
    await page.waitForSelector(`[data-testid="pick-inmate"][data-inmate-id="${later.inmate.id}"]`);
    await page.click(`[data-testid="pick-inmate"][data-inmate-id="${later.inmate.id}"]`);
    await page.waitForSelector('[data-testid="pick-visitor"]');
    expect(await page.$$eval('[data-testid="pick-visitor"]', (els) => els.length)).toBe(2);
    await page.click(`[data-testid="pick-visitor"][data-key="${later.visitors[0]!.id}"]`);
    await page.waitForSelector('[data-testid="slot-booth"]');
    // The inmate's own visit in 1.5 h shows as busy in both booths; Bilik 2's slot is the booth's too.
    const slots = await page.$$eval('[data-testid="slot"]', (els) => els.map((e) => ({ booth: (e as any).dataset.boothId, start: (e as any).dataset.start, free: (e as any).dataset.free, reason: (e as any).dataset.reason })));
    const laterStart = later.start.getTime();
    const clashing = slots.filter((s) => new Date(s.start).getTime() < laterStart + 1800_000 && new Date(s.start).getTime() + 1800_000 > laterStart);
    expect(clashing.length).toBeGreaterThan(0);
    expect(clashing.every((s) => s.free === 'false' && (s.reason === 'inmate_busy' || s.reason === 'booth_busy'))).toBe(true);
    expect(slots.filter((s) => new Date(s.start).getTime() < Date.now()).every((s) => s.reason === 'past')).toBe(true);
    const free = slots.filter((s) => s.free === 'true' && s.booth === booth2.id);
    expect(free.length).toBeGreaterThan(0);
    const chosen = free.at(-1)!;
    await screenshots(page, 'book-grid');
    await page.click(`[data-testid="slot"][data-key="${booth2.id}|${chosen.start}"]`);
    await waitUntil('no clash', async () => (await page.$eval('[data-testid="check-result"]', (el) => (el as any).dataset.state)) === 'ok');
    expect(await page.$eval('[data-testid="book-submit"]', (el) => (el as any).disabled)).toBe(false);
    await screenshots(page, 'book-chosen');
    await page.click('[data-testid="book-submit"]');
    await page.waitForSelector('[data-testid="booked"]');
    const visitId = await page.$eval('[data-testid="booked"]', (el) => (el as any).dataset.visitId as string);
    const row = await app.storage.db.selectFrom('visits').selectAll().where('id', '=', visitId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ booth_id: booth2.id, inmate_id: later.inmate.id, scheduled_start: new Date(chosen.start).toISOString(), duration_seconds: 1800, status: 'scheduled' });
    await waitUntil('links of the new visit', async () => (await page.$$('[data-testid="booked"] [data-testid="link-card"]')).length === 1);
    await screenshots(page, 'book-done');
  });

  it('a clash is shown before submit: a slot booked meanwhile by someone else, then a used-up weekly quota', async () => {
    const { page } = session;
    // two more inmates with a visitor each (their seeded visits cancelled: they hold no time)
    const other = await seedVisit(app, { booth: booth2, start: new Date(Date.now() + 5 * 3600_000), status: 'cancelled', visitorNames: ['Ani'] });
    const third = await seedVisit(app, { booth: booth2, start: new Date(Date.now() + 5 * 3600_000), status: 'cancelled', visitorNames: ['Bayu'] });
    await page.click('[data-testid="book-another"]');
    await page.$eval('[data-testid="inmate-search"]', (el) => { (el as any).value = ''; });
    await page.type('[data-testid="inmate-search"]', other.inmate.name);
    await page.click('[data-testid="inmate-search-submit"]');
    await page.waitForSelector(`[data-testid="pick-inmate"][data-inmate-id="${other.inmate.id}"]`);
    await page.click(`[data-testid="pick-inmate"][data-inmate-id="${other.inmate.id}"]`);
    await page.waitForSelector('[data-testid="pick-visitor"]');
    await page.click('[data-testid="pick-visitor"]');
    await page.waitForSelector('[data-testid="slot"][data-free="true"]');
    const start = await page.$$eval(`[data-testid="slot"][data-free="true"][data-booth-id="${live.boothId}"]`, (els) => (els.at(-1) as any).dataset.start as string);
    // Another desk books that booth and time while this page shows it free.
    const taken = await api('POST', '/api/visits', { inmateId: third.inmate.id, boothId: live.boothId, visitorIds: [third.visitors[0]!.id], scheduledStart: start, durationMinutes: 30 });
    expect(taken.status).toBe(201);
    await page.click(`[data-testid="slot"][data-key="${live.boothId}|${start}"]`);
    await waitUntil('clash shown', async () => (await page.$eval('[data-testid="check-result"]', (el) => (el as any).dataset.state)) === 'problems');
    expect(await page.$$eval('[data-testid="problem"]', (els) => els.map((e) => e.textContent))).toEqual(['Bilik: bilik sudah dipakai kunjungan lain pada waktu itu']);
    expect(await page.$eval('[data-testid="book-submit"]', (el) => (el as any).disabled)).toBe(true);
    await screenshots(page, 'book-clash');

    // A weekly quota of 1: the first inmate has used it today, so every slot of theirs this week says so before any submit.
    const rules = (await api('GET', '/api/facility/rules')).body.rules;
    expect((await api('PUT', '/api/facility/rules', { ...rules, quota: { count: 1, period: 'week' } })).status).toBe(200);
    await page.click('[data-testid="change-inmate"]');
    await page.$eval('[data-testid="inmate-search"]', (el) => { (el as any).value = ''; });
    await page.type('[data-testid="inmate-search"]', later.inmate.name);
    await page.click('[data-testid="inmate-search-submit"]');
    await page.waitForSelector(`[data-testid="pick-inmate"][data-inmate-id="${later.inmate.id}"]`);
    await page.click(`[data-testid="pick-inmate"][data-inmate-id="${later.inmate.id}"]`);
    await page.waitForSelector('[data-testid="pick-visitor"]');
    await page.click('[data-testid="pick-visitor"]');
    await page.waitForSelector('[data-testid="quota"]');
    expect(await page.$eval('[data-testid="quota"]', (el) => (el as any).dataset.over)).toBe('true');
    expect(await text(page, '[data-testid="quota"]')).toMatch(/^Kuota WBP: \d+ dari 1 kunjungan minggu ini sudah terpakai\.$/);
    const reasons = await page.$$eval('[data-testid="slot"]', (els) => [...new Set(els.map((e) => (e as any).dataset.reason))]);
    expect(reasons.every((r) => r === 'quota_exceeded' || r === 'past' || r === 'inmate_busy' || r === 'booth_busy')).toBe(true);
    expect(reasons).toContain('quota_exceeded');
    expect(await page.$('[data-testid="no-free-slot"]')).not.toBeNull();
    await screenshots(page, 'book-quota');
  });

  it('Pengaturan: a bad value is refused naming the field and why; good rules are saved', async () => {
    const { page } = session;
    await page.click('[data-testid="tab-settings"]');
    await page.waitForSelector('[data-testid="settings-form"]');
    await page.$eval('[data-testid="slot-minutes"]', (el) => { (el as any).value = ''; });
    await page.type('[data-testid="slot-minutes"]', '5');
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-errors"]');
    expect(await page.$$eval('[data-testid="settings-errors"] li', (els) => els.map((e) => e.textContent))).toEqual(['Lama satu slot (menit): harus bilangan bulat 10–120']);
    await screenshots(page, 'settings-error');
    await page.$eval('[data-testid="slot-minutes"]', (el) => { (el as any).value = ''; });
    await page.type('[data-testid="slot-minutes"]', '20');
    await page.select('[data-testid="max-visitors"]', '2');
    await page.select('[data-testid="quota-period"]', 'month');
    await page.$eval('[data-testid="quota-count"]', (el) => { (el as any).value = ''; });
    await page.type('[data-testid="quota-count"]', '4');
    // Sunday: a second window in the afternoon
    await page.click('[data-testid="weekday"][data-day="0"] [data-testid="add-window"]');
    await page.click('[data-testid="settings-save"]');
    await waitUntil('saved', async () => (await text(page, '[data-testid="settings-status"]')) === 'Aturan tersimpan.');
    const saved = (await api('GET', '/api/facility/rules')).body;
    expect(saved).toMatchObject({ isDefault: false, rules: { slotMinutes: 20, maxVisitorsPerVisit: 2, quota: { count: 4, period: 'month' } } });
    expect(saved.rules.visitingHours['0']).toEqual([{ from: '06:00', to: '20:00' }, { from: '20:00', to: '21:00' }]);
    await screenshots(page, 'settings');
  });

  it('a family link opened before its window shows the date and a countdown, then connects by itself', async () => {
    const early = await seedVisit(app, { booth: booth2, start: new Date(Date.now() + 10 * 60_000 + 25_000), durationSeconds: 600, visitorNames: ['Dewi'] });
    const family = await session.browser.newPage();
    try {
      await family.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
      await family.goto(`${app.url}/family/?t=${early.joinTokens[0]}`);
      await waitUntil('early page', async () => (await bodyState(family)).state === 'early');
      expect(await text(family, '[data-testid="status-title"]')).toBe('Kunjungan belum dimulai');
      expect(await text(family, '[data-testid="status-message"]')).toBe(
        `Kunjungan Anda dijadwalkan ${dateIn(early.start.toISOString(), zone, 'id')} pukul ${timeIn(early.start.toISOString(), zone, 'id')} ${zoneName(zone)}.`,
      );
      const help = await text(family, '[data-testid="status-help"]');
      expect(help).toMatch(/^Tautan dapat dibuka dalam 0:[0-2]\d \(10 menit sebelum jadwal\)/);
      await family.screenshot({ path: path.join(SHOTS, 'family-early-390.png') as `${string}.png`, fullPage: true });
      expect(await overflow(family)).toBeLessThanOrEqual(0);
      // the countdown runs, and at the opening the page connects with the same link
      await waitUntil('window open: connected', async () => ['checking', 'joining', 'waiting', 'in-call'].includes((await bodyState(family)).state ?? ''), 20_000);
    } finally {
      await family.close();
    }
  });

  it('an officer (not a supervisor) gets no Pengaturan tab, not even through the URL', async () => {
    const officer = await loginOfficer(app, [live.facilityId], 'officer');
    const page = await session.browser.newPage();
    try {
      await page.goto(`${app.url}/officer/#settings`);
      await page.waitForSelector('#login-form input[name="username"]');
      await page.type('#login-form input[name="username"]', officer.username);
      await page.type('#login-form input[name="password"]', officer.password);
      await page.click('#login-form button[type="submit"]');
      await waitUntil('schedule instead', async () => (await bodyState(page)).state === 'schedule');
      const tabs = await page.$$eval('[role="tab"]', (els) => els.map((e) => (e as any).dataset.testid));
      expect(tabs).toEqual(expect.arrayContaining(['tab-schedule', 'tab-book', 'tab-live', 'tab-recordings']));
      expect(tabs).not.toContain('tab-settings');
      expect(await page.evaluate(() => (globalThis as any).location.hash)).toBe('#schedule');
    } finally {
      await page.close();
    }
  });

  it('every page ran under the strict Content-Security-Policy with no violation', () => {
    expect(cspProblems(csp, app.url), session.logs.join('\n')).toEqual([]);
  });
});
