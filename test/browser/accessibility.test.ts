import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

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
  let browser: BrowserSession;

  beforeAll(async () => {
    app = await startTestApp();
    seeded = await seedVisit(app, { start: new Date(Date.now() + 5 * 60_000), durationSeconds: 900 });
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
    ['booth kiosk', () => `/booth/?t=${seeded.boothToken}`],
    ['officer dashboard sign-in', () => '/officer/'],
    ['remisi', () => '/remisi/'],
    ['pengaduan', () => '/pengaduan/'],
    ['drive-thru', () => '/drive-thru/'],
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
});
