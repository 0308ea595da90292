import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { projectRoot } from '../../server/config/load.ts';
import { averageColour, bodyState, cspProblems, dominant, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { startTestApp } from '../helpers/test-app.ts';

/**
 * The proof: a facility goes from `npm run facility -- create` to a live call on its
 * schedule through the officer pages only. The API is used here only to check what a step did.
 */

const ZONES = [['Asia/Jakarta', 7], ['Asia/Makassar', 8], ['Asia/Jayapura', 9]] as const;

/**
 * The Indonesian zone where now is furthest from local midnight: today's grid then has a slot
 * starting within the next 10 minutes and room for more after it.
 */
function zoneAwayFromMidnight(): string {
  const utcMinutes = new Date().getUTCHours() * 60 + new Date().getUTCMinutes();
  const room = (offset: number) => {
    const local = (utcMinutes + offset * 60) % 1440;
    return Math.min(local, 1440 - local);
  };
  return [...ZONES].sort((a, b) => room(b[1]) - room(a[1]))[0]![0];
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/facilities/facility-cli.ts', ...args], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const NEW_PASSWORD = 'kata-sandi-lapas-baru-1';

describe('a new facility, from the CLI to a live call on its schedule, through the officer pages (real Chromium)', () => {
  let app: App;
  let dataDir: string;
  let desk: BrowserSession;
  let family: BrowserSession | undefined;
  let booth: BrowserSession | undefined;
  let csp: CspWatch;
  let created: { facilityId: string; adminUsername: string; adminPassword: string };
  let zone: string;
  let token = '';
  let boothId = '';
  let boothUrl = '';
  const inmates: Record<'andi' | 'bayu', string> = { andi: '', bayu: '' };
  const visitors: Record<'sri' | 'tono', string> = { sri: '', tono: '' };
  let liveVisitId = '';
  let liveStart = new Date();
  let familyLink = '';
  let bayuVisitId = '';

  const page = () => desk.page;
  const text = (selector: string, on: Page = page()) => on.$eval(selector, (el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim()).catch(() => '');
  /** Reads what the pages did, with the token the page itself holds. */
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${app.url}${url}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

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

  /** Clears a text input and types into it (its input events update the page's state). */
  async function retype(selector: string, value: string): Promise<void> {
    await page().$eval(selector, (el) => ((el as any).value = ''));
    await page().type(selector, value);
  }

  /** An admin tab (WBP, Keluarga, Bilik): act on the drawing made after the click. */
  async function openTab(id: string, view: string): Promise<void> {
    await page().$eval(`[data-testid="${view}"]`, (el) => delete (el as any).dataset.drawn).catch(() => {});
    await page().click(`[data-testid="tab-${id}"]`);
    await page().waitForSelector(`[data-testid="${view}"][data-drawn]`);
  }

  /** WBP tab, searched by name, until the inmate's row shows. */
  async function findInmate(name: string, id: string): Promise<string> {
    await openTab('inmates', 'inmates-view');
    const search = '[data-testid="inmates-view"] [data-testid="inmate-search"]';
    await retype(search, name);
    await page().$eval(search, (el) => (el as any).form.requestSubmit());
    const row = `[data-testid="inmate-row"][data-inmate-id="${id}"]`;
    await page().waitForSelector(row);
    return row;
  }

  /** A desk tab (Jadwal, Buat kunjungan, Pengaturan): the body says which one shows. */
  async function openDeskTab(id: 'schedule' | 'book' | 'settings'): Promise<void> {
    await page().click(`[data-testid="tab-${id}"]`);
    await waitUntil(`tab ${id}`, async () => (await bodyState(page())).state === id);
  }

  async function token_(): Promise<string> {
    return page().evaluate(() => (globalThis as any).sessionStorage.getItem('kv.officer.token') as string);
  }

  /** Buat kunjungan up to the slot grid: search the WBP by name, pick them and the visitors given. */
  async function startBooking(inmateName: string, inmateId: string, visitorIds: string[]): Promise<void> {
    await openDeskTab('book');
    if (await page().$('[data-testid="book-another"]')) await page().click('[data-testid="book-another"]');
    if (await page().$('[data-testid="change-inmate"]')) await page().click('[data-testid="change-inmate"]');
    await retype('[data-testid="inmate-search"]', inmateName);
    await page().click('[data-testid="inmate-search-submit"]');
    await page().waitForSelector(`[data-testid="pick-inmate"][data-inmate-id="${inmateId}"]`);
    await page().click(`[data-testid="pick-inmate"][data-inmate-id="${inmateId}"]`);
    await page().waitForSelector('[data-testid="pick-visitor"]');
    for (const id of visitorIds) await page().click(`[data-testid="pick-visitor"][data-key="${id}"]`);
    if (visitorIds.length) await page().waitForSelector('[data-testid="slot"]');
  }

  const slots = () => page().$$eval('[data-testid="slot"]', (els) => els.map((e) => ({ ...(e as any).dataset }) as { boothId: string; start: string; free: string; reason: string }));

  beforeAll(async () => {
    zone = zoneAwayFromMidnight();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-path-'));
    // The facility and its first admin come from the CLI, in the database the app then serves.
    const cli = await runCli(['create', '--code', 'LP-JALUR', '--name', 'Lapas Kelas IIA Jalur', '--kind', 'lapas', '--timezone', zone, '--admin', 'admin.jalur', '--json'], { DATA_DIR: dataDir });
    expect(cli.code, cli.stderr).toBe(0);
    created = JSON.parse(cli.stdout) as typeof created;
    app = await startTestApp({ DATA_DIR: dataDir });
    desk = await launchBrowser();
    csp = await watchContentSecurityPolicy(desk.page);
    await desk.browser.defaultBrowserContext().overridePermissions(app.url, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
    await desk.page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
  });
  afterAll(async () => {
    await family?.close();
    await booth?.close();
    await desk?.close();
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the admin printed by the CLI signs in and must change the password before any tab', async () => {
    await page().goto(`${app.url}/officer/`);
    await page().waitForSelector('#login-form input[name="username"]');
    await page().type('#login-form input[name="username"]', created.adminUsername);
    await page().type('#login-form input[name="password"]', created.adminPassword);
    await page().click('#login-form button[type="submit"]');
    await page().waitForSelector('[data-testid="forced-password"]');
    expect(await page().$('[data-testid^="tab-"]')).toBeNull();
    await fill('[data-testid="password-form"]', { currentPassword: created.adminPassword, newPassword: NEW_PASSWORD, repeatPassword: NEW_PASSWORD });
    await page().click('[data-testid="password-form"] button[type="submit"]');
    await page().waitForSelector('[data-testid="tab-schedule"]');
    token = await token_();
    const me = await api('GET', '/api/auth/me');
    expect(me.body).toMatchObject({ mustChangePassword: false, officer: { username: 'admin.jalur', role: 'admin' }, facility: { id: created.facilityId } });
    const tabs = await page().$$eval('[role="tab"]', (els) => els.map((e) => (e as any).dataset.testid));
    expect(tabs).toEqual(expect.arrayContaining(['tab-schedule', 'tab-book', 'tab-inmates', 'tab-visitors', 'tab-booths', 'tab-settings', 'tab-accounts']));
  });

  it('Bilik: adds a booth and enrols a device; the booth URL is shown once', async () => {
    await openTab('booths', 'booths-view');
    await fill('[data-testid="booth-add"]', { name: 'Bilik 1' });
    await page().click('[data-testid="booth-add"] button[type="submit"]');
    await waitUntil('booth listed', async () => (await page().$('[data-testid="booth-row"]')) !== null);
    boothId = await page().$eval('[data-testid="booth-row"]', (el) => (el as any).dataset.boothId as string);
    const row = `[data-testid="booth-row"][data-booth-id="${boothId}"]`;
    await page().click(`${row} [data-testid="device-enrol-open"]`);
    await fill(`${row} [data-testid="device-enrol"]`, { label: 'PC kios bilik 1' });
    await page().click(`${row} [data-testid="device-enrol"] button[type="submit"]`);
    await page().waitForSelector('[data-testid="device-url"]');
    boothUrl = await text('[data-testid="device-url"]');
    expect(boothUrl.startsWith(`${app.url}/booth/`)).toBe(true);
    const listed = await api('GET', `/api/booths/${boothId}/devices`);
    expect(listed.body.devices).toEqual([expect.objectContaining({ label: 'PC kios bilik 1', active: true })]);
  });

  it('WBP and Keluarga: adds two inmates and registers a family member of each, with a phone', async () => {
    await openTab('inmates', 'inmates-view');
    for (const [key, reg, name] of [['andi', 'JL-001/2026', 'Andi Saputra'], ['bayu', 'JL-002/2026', 'Bayu Pratama']] as const) {
      await page().click('[data-testid="inmate-add-panel"] summary');
      await fill('[data-testid="inmate-add"]', { registrationNumber: reg, name, block: 'A' });
      await page().click('[data-testid="inmate-add"] button[type="submit"]');
      await waitUntil(`${name} listed`, async () => (await text('[data-testid="inmate-list"]')).includes(name));
      inmates[key] = await page().$$eval('[data-testid="inmate-row"]', (rows, n) => (rows.find((r) => (r.textContent ?? '').includes(n)) as any).dataset.inmateId as string, name);
    }
    for (const [key, inmate, name, nik, phone] of [
      ['sri', inmates.andi, 'Sri Rahayu', '3171014501900001', '0812 3456 7890'],
      ['tono', inmates.bayu, 'Tono Pratama', '3171010101800002', '0813-1111-2222'],
    ] as const) {
      await page().click(`${await findInmate(key === 'sri' ? 'Andi' : 'Bayu', inmate)} [data-testid="inmate-family"]`);
      const of = key === 'sri' ? 'Andi Saputra' : 'Bayu Pratama';
      await waitUntil('keluarga of the inmate', async () => (await page().$('[data-testid="visitors-view"] [data-testid="visitor-register"]')) !== null && (await text('[data-testid="visitors-of"]')).includes(of));
      await fill('[data-testid="visitor-register"]', { name, nik, relationship: key === 'sri' ? 'suami_istri' : 'orang_tua', phone });
      await page().click('[data-testid="visitor-register"] button[type="submit"]');
      await waitUntil(`${name} registered`, async () => (await text('[data-testid="visitor-list"]')).includes(name));
      visitors[key] = await page().$$eval('[data-testid="visitor-row"]', (rows, n) => (rows.find((r) => (r.textContent ?? '').includes(n)) as any).dataset.visitorId as string, name);
    }
    const sri = await api('GET', `/api/inmates/${inmates.andi}/visitors`);
    expect(sri.body.visitors).toEqual([expect.objectContaining({ id: visitors.sri, name: 'Sri Rahayu', phone: '+6281234567890', ban: null })]);
  });

  it('Pengaturan: visiting hours all day every day, 10-minute slots and a weekly quota of 1', async () => {
    await openDeskTab('settings');
    await page().waitForSelector('[data-testid="settings-form"]');
    for (const day of ['0', '1', '2', '3', '4', '5', '6']) {
      const box = `[data-testid="weekday"][data-day="${day}"]`;
      if (!(await page().$(`${box} [data-testid="window-from"]`))) await page().click(`${box} [data-testid="add-window"]`);
      await retype(`${box} [data-testid="window-from"]`, '00:00');
      await retype(`${box} [data-testid="window-to"]`, '24:00');
    }
    await retype('[data-testid="slot-minutes"]', '10');
    await page().select('[data-testid="quota-period"]', 'week');
    await retype('[data-testid="quota-count"]', '1');
    await page().click('[data-testid="settings-save"]');
    await waitUntil('rules saved', async () => (await text('[data-testid="settings-status"]')) === 'Aturan tersimpan.');
    const saved = await api('GET', '/api/facility/rules');
    const allDay = [{ from: '00:00', to: '24:00' }];
    expect(saved.body).toMatchObject({
      isDefault: false,
      rules: { slotMinutes: 10, quota: { count: 1, period: 'week' }, visitingHours: { 0: allDay, 1: allDay, 2: allDay, 3: allDay, 4: allDay, 5: allDay, 6: allDay } },
    });
  });

  it('Buat kunjungan: books the soonest slot of the grid and copies the family link', async () => {
    await startBooking('Andi', inmates.andi, [visitors.sri]);
    const grid = await slots();
    const free = grid.filter((s) => s.free === 'true').sort((a, b) => a.start.localeCompare(b.start));
    expect(free.length).toBeGreaterThan(1);
    const soonest = free[0]!;
    // 10-minute slots: the soonest free one starts within 10 minutes, so its links already open.
    expect(new Date(soonest.start).getTime() - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    expect(grid.filter((s) => s.start < soonest.start).every((s) => s.reason === 'past')).toBe(true);
    await page().click(`[data-testid="slot"][data-key="${soonest.boothId}|${soonest.start}"]`);
    await waitUntil('no clash', async () => (await page().$eval('[data-testid="check-result"]', (el) => (el as any).dataset.state)) === 'ok');
    await page().click('[data-testid="book-submit"]');
    await page().waitForSelector('[data-testid="booked"]');
    liveVisitId = await page().$eval('[data-testid="booked"]', (el) => (el as any).dataset.visitId as string);
    liveStart = new Date(soonest.start);
    const stored = await api('GET', `/api/visits/${liveVisitId}`);
    expect(stored.status).toBe(200);
    expect(stored.body.visit).toMatchObject({ status: 'scheduled', scheduledStart: new Date(soonest.start).toISOString(), booth: { id: boothId }, inmate: { id: inmates.andi } });

    await page().waitForSelector('[data-testid="booked"] [data-testid="link-card"] [data-testid="copy-link"]');
    await page().bringToFront();
    await page().click('[data-testid="booked"] [data-testid="copy-link"]');
    await waitUntil('copied', async () => (await text('[data-testid="booked"] [data-testid="copy-status"]')) === 'Tautan disalin.');
    familyLink = await page().evaluate(() => (globalThis as any).navigator.clipboard.readText() as Promise<string>);
    expect(familyLink).toBe(await page().$eval('[data-testid="booked"] [data-testid="link-url"]', (el) => (el as any).value as string));
    expect(familyLink.startsWith(`${app.url}/family/`)).toBe(true);
  });

  it('the family opens the copied link and the kiosk opens the booth URL: both in the call, each seeing the other', async () => {
    family = await launchBrowser({ media: fakeMedia('red', 440) });
    booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    await booth.page.goto(boothUrl);
    await family.page.goto(familyLink);
    // The link is open already (10 min early): the family waits for the booth, which joins at the start.
    await waitUntil('family waiting or in the call', async () => ['waiting', 'in-call'].includes((await bodyState(family!.page)).state ?? ''), 30_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${family!.logs.join('\n')}`);
    });
    await waitUntil('the start time', async () => Date.now() >= liveStart.getTime(), Math.max(1000, liveStart.getTime() - Date.now() + 5000), 1000);
    await waitUntil('family in call', async () => (await bodyState(family!.page)).state === 'in-call', 30_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${family!.logs.join('\n')}`);
    });
    await waitUntil('booth in call', async () => (await bodyState(booth!.page)).state === 'in-call', 30_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${booth!.logs.join('\n')}`);
    });
    expect((await bodyState(booth.page)).visitId).toBe(liveVisitId);
    await waitUntil('family sees the booth (blue)', async () => dominant(await averageColour(family!.page, '[data-testid="remote-video"]')) === 'blue', 20_000);
    await waitUntil('booth sees the family (red)', async () => dominant(await averageColour(booth!.page, '[data-testid="remote-video"]')) === 'red', 20_000);
  }, 15 * 60_000); // the soonest slot starts up to 10 minutes after booking

  it('Jadwal shows the visit as berlangsung', async () => {
    await openDeskTab('schedule');
    const row = `[data-testid="visit-row"][data-visit-id="${liveVisitId}"]`;
    await waitUntil('row live', async () => (await page().$eval(row, (el) => (el as any).dataset.status).catch(() => '')) === 'live');
    expect(await text(`${row} [data-testid="visit-status"]`)).toBe('berlangsung');
    expect(await page().$(`${row} [data-testid="open-call"]`)).not.toBeNull();
  });

  it('a second visit for the same inmate this week: the grid says the quota is used up and submit stays disabled', async () => {
    await startBooking('Andi', inmates.andi, [visitors.sri]);
    await page().waitForSelector('[data-testid="quota"]');
    expect(await page().$eval('[data-testid="quota"]', (el) => (el as any).dataset.over)).toBe('true');
    expect(await text('[data-testid="quota"]')).toBe('Kuota WBP: 1 dari 1 kunjungan minggu ini sudah terpakai.');
    const grid = await slots();
    expect(grid.some((s) => s.free === 'true')).toBe(false);
    const future = grid.filter((s) => s.reason !== 'past');
    expect(future.length).toBeGreaterThan(0);
    // every future slot is refused; the quota is named on each that is not busy for another reason
    expect(future.every((s) => ['quota_exceeded', 'inmate_busy', 'booth_busy', 'visitor_busy'].includes(s.reason))).toBe(true);
    expect(future.filter((s) => s.reason === 'quota_exceeded').length).toBeGreaterThan(0);
    expect(await page().$('[data-testid="no-free-slot"]')).not.toBeNull();
    expect(await page().$eval('[data-testid="book-submit"]', (el) => (el as any).disabled)).toBe(true);
    // The page tells the truth: the server would refuse the same booking.
    const slot = future.find((s) => s.reason === 'quota_exceeded')!;
    const check = await api('POST', '/api/visits/check', { inmateId: inmates.andi, boothId, visitorIds: [visitors.sri], scheduledStart: slot.start, durationMinutes: 10 });
    expect(check.body.problems.map((p: { code: string }) => p.code)).toContain('quota_exceeded');
  });

  it('a banned visitor: banned from the Keluarga tab, then the booking page refuses them', async () => {
    // Bayu gets a visit later today first (kept for the transfer below).
    await startBooking('Bayu', inmates.bayu, [visitors.tono]);
    const free = (await slots()).filter((s) => s.free === 'true').sort((a, b) => a.start.localeCompare(b.start));
    const later = free[Math.min(2, free.length - 1)]!;
    await page().click(`[data-testid="slot"][data-key="${later.boothId}|${later.start}"]`);
    await waitUntil('no clash', async () => (await page().$eval('[data-testid="check-result"]', (el) => (el as any).dataset.state)) === 'ok');
    await page().click('[data-testid="book-submit"]');
    await page().waitForSelector('[data-testid="booked"]');
    bayuVisitId = await page().$eval('[data-testid="booked"]', (el) => (el as any).dataset.visitId as string);

    await page().click(`${await findInmate('Bayu', inmates.bayu)} [data-testid="inmate-family"]`);
    await waitUntil('keluarga of Bayu', async () => (await text('[data-testid="visitors-of"]')).includes('Bayu Pratama'));
    const row = `[data-testid="visitor-row"][data-visitor-id="${visitors.tono}"]`;
    // The list can render again right after it appeared (its fetch answering): open the ban panel
    // of the row that stays, not of one replaced between finding and clicking it.
    await waitUntil('ban panel open', async () => {
      if (await page().$(`${row} details[open] [data-testid="visitor-ban-form"]`)) return true;
      await page().click(`${row} [data-testid="visitor-ban-open"]`).catch(() => undefined);
      return false;
    });
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await fill(`${row} [data-testid="visitor-ban-form"]`, { reason: 'membawa barang terlarang' });
    await page().$eval(`${row} [data-testid="visitor-ban-form"] [name="until"]`, (el, v) => ((el as any).value = v), until);
    await page().click(`${row} [data-testid="visitor-ban-form"] button[type="submit"]`);
    await waitUntil('ban shown', async () => (await text(`${row} [data-testid="visitor-ban"]`)).startsWith('Dilarang sampai'));

    await startBooking('Bayu', inmates.bayu, []);
    const box = `[data-testid="pick-visitor"][data-key="${visitors.tono}"]`;
    expect(await page().$eval(box, (el) => (el as any).disabled)).toBe(true);
    expect(await page().$eval(box, (el) => (el.parentElement!.textContent ?? ''))).toContain(`dilarang sampai ${until}`);
    expect(await page().$('[data-testid="slot"]')).toBeNull();
    expect(await page().$eval('[data-testid="book-submit"]', (el) => (el as any).disabled)).toBe(true);
    const refused = await api('POST', '/api/visits/check', { inmateId: inmates.bayu, boothId, visitorIds: [visitors.tono], scheduledStart: later.start, durationMinutes: 10 });
    expect(refused.body.problems.map((p: { code: string }) => p.code)).toContain('visitor_banned');
  });

  it('a transferred inmate: marked from the WBP tab, their visit later today shows dibatalkan on Jadwal', async () => {
    const row = await findInmate('Bayu', inmates.bayu);
    await page().click(`${row} [data-testid="inmate-edit"]`);
    await fill(`${row} [data-testid="inmate-status-form"]`, { status: 'transferred', reason: 'dipindah ke Lapas Nusakambangan' });
    await page().click(`${row} [data-testid="inmate-status-form"] button[type="submit"]`);
    await page().waitForSelector('[data-testid="inmate-cancelled-visits"]');
    expect(await page().$eval('[data-testid="inmate-cancelled-visits"]', (el) => (el as any).dataset.count)).toBe('1');

    await openDeskTab('schedule');
    const visit = `[data-testid="visit-row"][data-visit-id="${bayuVisitId}"]`;
    await waitUntil('row cancelled', async () => (await page().$eval(visit, (el) => (el as any).dataset.status).catch(() => '')) === 'cancelled');
    expect(await text(`${visit} [data-testid="visit-status"]`)).toBe('dibatalkan');
    // the live call of the other inmate is untouched
    expect(await page().$eval(`[data-testid="visit-row"][data-visit-id="${liveVisitId}"]`, (el) => (el as any).dataset.status)).toBe('live');
    const stored = await api('GET', `/api/visits/${bayuVisitId}`);
    expect(stored.body.visit).toMatchObject({ status: 'cancelled' });
    expect((await bodyState(family!.page)).state).toBe('in-call');
  });

  it('the desk ran under the strict Content-Security-Policy with no violation', () => {
    expect(cspProblems(csp, app.url), desk.logs.join('\n')).toEqual([]);
  });
});
