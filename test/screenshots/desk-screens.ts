/**
 * Screenshots of every officer tab, the family page (before its window, in the call) and the booth
 * kiosk, at 390 px and 1280×800, for a person to look at. Not a test: it reports sideways
 * scrolling but asserts nothing.
 *
 *   npm run screenshots [-- <folder>]        (default /tmp/shots/all; builds nothing: run `npm run build:client` first)
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import type { App } from '../../server/app.ts';
import { averageColour, bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';

const OUT = process.argv[2] ?? '/tmp/shots/all';
const SIZES = [[1280, 800], [390, 844]] as const;
/** Every tab of the officer desk an admin sees (client/officer/tabs.ts), with the element each one draws. */
const TABS: Array<[id: string, ready: string]> = [
  ['schedule', '[data-testid="visit-row"]'],
  ['book', '[data-testid="booking-view"]'],
  ['inmates', '[data-testid="inmates-view"][data-drawn]'],
  ['visitors', '[data-testid="visitors-view"][data-drawn]'],
  ['live', '[data-testid="tab-live"][aria-selected="true"]'],
  ['recordings', '[data-testid="tab-recordings"][aria-selected="true"]'],
  ['settings', '[data-testid="settings-form"]'],
  ['booths', '[data-testid="booths-view"][data-drawn]'],
  ['accounts', '[data-testid="accounts-view"][data-drawn]'],
  ['facilities', '[data-testid="facilities-view"][data-drawn]'],
  ['password', '[data-testid="password-view"][data-drawn]'],
];

const problems: string[] = [];

async function shoot(page: Page, name: string): Promise<void> {
  for (const [width, height] of SIZES) {
    await page.setViewport({ width, height, deviceScaleFactor: 1 });
    await new Promise((r) => setTimeout(r, 400));
    const file = path.join(OUT, `${name}-${width}.png`) as `${string}.png`;
    await page.screenshot({ path: file, fullPage: true });
    const sideways = await page.evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });
    if (sideways > 0) problems.push(`${name} at ${width} px scrolls sideways by ${sideways} px`);
    console.log(`${file}${sideways > 0 ? `  (sideways scroll ${sideways} px)` : ''}`);
  }
  await page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const sessions: BrowserSession[] = [];
  let app: App | undefined;
  try {
    app = await startTestApp();
    const live = await seedVisit(app, { start: new Date(Date.now() - 60_000), durationSeconds: 3600, visitorNames: ['Siti Aminah'] });
    const booth = { id: live.boothId, facilityId: live.facilityId, deviceId: live.deviceId };
    const later = await seedVisit(app, { booth, start: new Date(Date.now() + 2 * 3600_000), durationSeconds: 1800, visitorNames: ['Rina Wati', 'Joko Susilo'] });
    const admin = await loginOfficer(app, [live.facilityId], 'admin');
    const auth = { 'content-type': 'application/json', ...admin.auth };
    const allDay = [{ from: '00:00', to: '24:00' }];
    await fetch(`${app.url}/api/facility/rules`, {
      method: 'PUT', headers: auth,
      body: JSON.stringify({ visitingHours: { 0: allDay, 1: allDay, 2: allDay, 3: allDay, 4: allDay, 5: allDay, 6: allDay }, slotMinutes: 30, maxVisitorsPerVisit: 3, quota: { count: 4, period: 'month' } }),
    });

    // The live visit: the kiosk and the family in the call, with fake cameras.
    const kiosk = await launchBrowser({ media: fakeMedia('blue', 660) });
    const family = await launchBrowser({ media: fakeMedia('red', 440) });
    const desk = await launchBrowser();
    sessions.push(kiosk, family, desk);
    await kiosk.page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
    await kiosk.page.goto(`${app.url}/booth/?t=${live.boothToken}`);
    await family.page.goto(`${app.url}/family/?t=${live.joinTokens[0]}`);
    await waitUntil('family in call', async () => (await bodyState(family.page)).state === 'in-call', 30_000);
    await waitUntil('booth in call', async () => (await bodyState(kiosk.page)).state === 'in-call', 30_000);

    const page = desk.page;
    await page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
    await page.goto(`${app.url}/officer/`);
    await page.waitForSelector('#login-form input[name="username"]');
    await shoot(page, 'officer-sign-in');
    await page.type('#login-form input[name="username"]', admin.username);
    await page.type('#login-form input[name="password"]', admin.password);
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('[data-testid="tab-schedule"]');

    for (const [id, ready] of TABS) {
      await page.$eval(`[data-testid="${id}-view"]`, (el) => delete (el as any).dataset.drawn).catch(() => {});
      if (id === 'visitors') {
        // Keluarga of an inmate, reached as an officer does: from the WBP row.
        await page.click('[data-testid="tab-inmates"]');
        await page.waitForSelector(`[data-testid="inmate-row"][data-inmate-id="${later.inmate.id}"] [data-testid="inmate-family"]`);
        await page.click(`[data-testid="inmate-row"][data-inmate-id="${later.inmate.id}"] [data-testid="inmate-family"]`);
        await waitUntil('visitors listed', async () => (await page.$('[data-testid="visitor-row"]')) !== null);
      } else {
        await page.click(`[data-testid="tab-${id}"]`);
        await page.waitForSelector(ready, { timeout: 30_000 });
      }
      await new Promise((r) => setTimeout(r, 1000));
      await shoot(page, `officer-${id}`);
      if (id === 'schedule') {
        await page.click(`[data-testid="visit-row"][data-visit-id="${later.visitId}"] [data-testid="show-links"]`);
        await page.waitForSelector(`[data-testid="visit-row"][data-visit-id="${later.visitId}"] [data-testid="link-qr"]`);
        await shoot(page, 'officer-schedule-links');
      }
      if (id === 'book') {
        await page.type('[data-testid="inmate-search"]', later.inmate.name);
        await page.click('[data-testid="inmate-search-submit"]');
        await page.waitForSelector(`[data-testid="pick-inmate"][data-inmate-id="${later.inmate.id}"]`);
        await page.click(`[data-testid="pick-inmate"][data-inmate-id="${later.inmate.id}"]`);
        await page.waitForSelector('[data-testid="pick-visitor"]');
        await page.click('[data-testid="pick-visitor"]');
        await page.waitForSelector('[data-testid="slot"]');
        const free = await page.$$eval('[data-testid="slot"][data-free="true"]', (els) => els.map((e) => (e as any).dataset.key as string));
        if (free.length) {
          await page.click(`[data-testid="slot"][data-key="${free.at(-1)}"]`);
          await waitUntil('checked', async () => (await page.$eval('[data-testid="check-result"]', (el) => (el as any).dataset.state)) !== 'checking');
        }
        await shoot(page, 'officer-book-grid');
      }
      if (id === 'live') {
        // One call watched: opened from its Jadwal row.
        await page.click('[data-testid="tab-schedule"]');
        await page.waitForSelector(`[data-visit-id="${live.visitId}"] [data-testid="open-call"]`);
        await page.click(`[data-visit-id="${live.visitId}"] [data-testid="open-call"]`);
        await page.waitForSelector(`[data-testid="focus-view"][data-visit-id="${live.visitId}"]`);
        // the pictures, not black tiles (an observer's media takes a moment)
        await waitUntil('focus pictures', async () => (await averageColour(page, '[data-testid="focus-view"] video')) !== null, 20_000).catch(() => {});
        await new Promise((r) => setTimeout(r, 1000));
        await shoot(page, 'officer-live-focus');
      }
    }

    // The family page: a link opened before its window (countdown), and in the call.
    const early = await family.browser.newPage();
    await early.goto(`${app.url}/family/?t=${later.joinTokens[0]}`);
    await waitUntil('early page', async () => (await bodyState(early)).state === 'early');
    await shoot(early, 'family-before-start');
    await early.close();
    await shoot(family.page, 'family-in-call');
    await shoot(kiosk.page, 'booth-kiosk-in-call');
  } finally {
    for (const s of sessions) await s.close();
    await app?.close();
  }
  if (problems.length) console.log(`\nLayout problems:\n${problems.join('\n')}`);
  else console.log(`\nNo page scrolls sideways at ${SIZES.map(([w]) => w).join(' or ')} px.`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
