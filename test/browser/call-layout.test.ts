import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

interface Box { top: number; bottom: number; left: number; right: number; width: number; height: number }
interface Layout { viewport: { width: number; height: number }; scrollWidth: number; video: Box | null; clock: Box | null; clockText: string }

/** Where the remote video and the countdown are, against the viewport, with nothing scrolled. */
function layoutOf(s: BrowserSession): Promise<Layout> {
  return s.page.evaluate(() => {
    const doc = (globalThis as any).document;
    const win = globalThis as any;
    win.scrollTo(0, 0);
    const box = (el: any): Box | null => {
      if (!el || el.hidden) return null;
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height };
    };
    const clock = doc.querySelector('[data-testid="time-left"]');
    return {
      viewport: { width: win.innerWidth, height: win.innerHeight },
      scrollWidth: doc.documentElement.scrollWidth,
      video: box(doc.querySelector('[data-testid="remote-video"]')),
      clock: box(clock),
      clockText: String(clock?.textContent ?? ''),
    };
  });
}

function expectInside(what: string, box: Box | null, viewport: { width: number; height: number }): void {
  expect(box, `${what} is shown`).not.toBeNull();
  expect(box!.width * box!.height, `${what} has a size`).toBeGreaterThan(0);
  expect(box!.left, `${what} left edge`).toBeGreaterThanOrEqual(0);
  expect(box!.top, `${what} top edge`).toBeGreaterThanOrEqual(0);
  expect(box!.right, `${what} right edge`).toBeLessThanOrEqual(viewport.width + 0.5);
  expect(box!.bottom, `${what} bottom edge`).toBeLessThanOrEqual(viewport.height + 0.5);
}

describe('call pages fit their screens: the booth kiosk at 1280×800, the family on a 390 px phone', () => {
  let app: App;
  let seeded: SeededVisit;
  let booth: BrowserSession;
  let family: BrowserSession;

  beforeAll(async () => {
    app = await startTestApp();
    seeded = await seedVisit(app, { visitorNames: ['Siti Aminah'] });
    booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    family = await launchBrowser({ media: fakeMedia('red', 440) });
    await booth.page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
    await family.page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
    await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
    await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    for (const side of [booth, family]) {
      await waitUntil('in call', async () => (await bodyState(side.page)).state === 'in-call', 20_000);
      await waitUntil('remote video playing', () => side.page.evaluate(() => {
        const v = (globalThis as any).document.querySelector('[data-testid="remote-video"]');
        return !!v && v.videoWidth > 0 && v.readyState >= 2;
      }), 20_000);
    }
  });
  afterAll(async () => {
    await family?.close();
    await booth?.close();
    await app?.close();
  });

  it('the booth kiosk shows the whole remote video and the countdown within 1280×800', async () => {
    const layout = await layoutOf(booth);
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.viewport.width);
    expectInside('remote video', layout.video, layout.viewport);
    expectInside('countdown', layout.clock, layout.viewport);
    expect(layout.clockText).toMatch(/\d{1,2}:\d{2}/);
    if (process.env.SCREENSHOT_DIR) {
      mkdirSync(process.env.SCREENSHOT_DIR, { recursive: true });
      await booth.page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/booth-call-1280.png` });
    }
  });

  it('the family page at 390 px shows the remote video across the width and does not scroll sideways', async () => {
    const layout = await layoutOf(family);
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.viewport.width);
    expectInside('remote video', layout.video, layout.viewport);
    expect(layout.video!.width).toBeGreaterThan(layout.viewport.width * 0.8);
    expect(layout.clock, 'countdown is shown').not.toBeNull();
    if (process.env.SCREENSHOT_DIR) {
      mkdirSync(process.env.SCREENSHOT_DIR, { recursive: true });
      await family.page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/family-call-390.png`, fullPage: true });
    }
  });
});
