import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { apiOperations } from '../../server/http/api-operations.ts';
import { cspProblems, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { startTestApp } from '../helpers/test-app.ts';

/** Runs in the page (the node tsconfig has no DOM types). */
const visibleOps = () =>
  [...(globalThis as any).document.querySelectorAll('details.op')].filter((d: any) => !d.hidden && !d.closest('section').hidden).map((d: any) => d.id as string);

describe('API reference page /api-docs/ (real Chromium)', () => {
  let app: App;
  let browser: BrowserSession;
  let csp: CspWatch;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    csp = await watchContentSecurityPolicy(browser.page);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows every operation of the document, grouped by tag, in Bahasa Indonesia, from the server itself', async () => {
    const requests: string[] = [];
    browser.page.on('request', (r) => requests.push(r.url()));
    await browser.page.setViewport({ width: 1280, height: 800 });
    await browser.page.goto(`${app.url}/api-docs/`, { waitUntil: 'networkidle2' });
    const count = apiOperations(app.config).length;
    await waitUntil('every operation rendered', async () => (await browser.page.evaluate(visibleOps)).length === count, 10_000);
    expect(requests.every((url) => url.startsWith(app.url)), 'nothing loaded from elsewhere (no CDN)').toBe(true);
    expect(await browser.page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('id');
    expect(await browser.page.$eval('h1', (e) => e.textContent)).toContain('Referensi API');
    expect(await browser.page.$eval('#status', (e) => e.textContent)).toBe(`${count} endpoint ditampilkan.`);
    const tags = await browser.page.$$eval('.tag-section > h2', (hs) => hs.map((h) => h.textContent));
    expect(tags.slice(0, 3)).toEqual(['auth', 'visits', 'inmates']);
    expect(browser.logs.filter((l) => l.startsWith('pageerror') || l.includes('Content Security Policy'))).toEqual([]);
  });

  it('an operation shows its access, parameters, body fields with rules, responses and error codes; #operationId opens it', async () => {
    await browser.page.goto(`${app.url}/api-docs/#postVisits`, { waitUntil: 'networkidle2' });
    await waitUntil('POST /api/visits open', () => browser.page.evaluate(() => (globalThis as any).document.getElementById('postVisits')?.open === true), 10_000);
    const text = await browser.page.$eval('#postVisits', (e) => (e as any).innerText as string);
    expect(text).toContain('POST');
    expect(text).toContain('/api/visits');
    expect(text).toContain('Login petugas · peran: petugas, pengawas, admin');
    expect(text).toContain('Isi permintaan (application/json)');
    expect(text).toMatch(/visitorIds\s+string\[\]\s+wajib · min\. 1 item · maks\. 3 item · tiap item: format uuid/);
    expect(text).toMatch(/durationMinutes\s+integer\s+opsional · ≥ 1 · ≤ 60/);
    expect(text).toContain('Kode galat: booth_busy inmate_busy');
    expect(text).toContain('token_expired');
    await browser.page.click('#getInmatesId > summary');
    const inmate = await browser.page.$eval('#getInmatesId', (e) => (e as any).innerText as string);
    expect(inmate).toMatch(/id\s+\(jalur\)\s+string\s+wajib · format uuid/);
    await browser.page.click('#postRemisiLookup > summary');
    const lookup = await browser.page.$eval('#postRemisiLookup', (e) => (e as any).innerText as string);
    expect(lookup).toContain('Publik, tanpa login');
  });

  it('the filter narrows by path, summary or error code; English on request', async () => {
    await browser.page.goto(`${app.url}/api-docs/`, { waitUntil: 'networkidle2' });
    await waitUntil('rendered', async () => (await browser.page.evaluate(visibleOps)).length > 40, 10_000);
    await browser.page.type('#filter', 'booth_busy');
    expect(await browser.page.evaluate(visibleOps)).toEqual(['postVisits']);
    await browser.page.$eval('#filter', (e) => ((e as any).value = ''));
    await browser.page.type('#filter', 'post enrol');
    expect(await browser.page.evaluate(visibleOps)).toEqual(['postBoothsIdDevices']);
    await browser.page.type('#filter', ' nothing-like-this');
    expect(await browser.page.$eval('#status', (e) => e.textContent)).toBe('Tidak ada endpoint yang cocok.');
    await browser.page.click('.lang-toggle');
    expect(await browser.page.$eval('#status', (e) => e.textContent)).toBe('No endpoint matches.');
    expect(await browser.page.$eval('h1', (e) => e.textContent)).toContain('API reference');
    await browser.page.click('.lang-toggle');
  });

  it.each([390, 1280])('no sideways scrolling at %i px with every operation open', async (width) => {
    await browser.page.setViewport({ width, height: 800 });
    await browser.page.goto(`${app.url}/api-docs/`, { waitUntil: 'networkidle2' });
    await waitUntil('rendered', async () => (await browser.page.evaluate(visibleOps)).length > 40, 10_000);
    await browser.page.evaluate(() => { for (const d of (globalThis as any).document.querySelectorAll('details.op')) d.open = true; });
    const overflow = await browser.page.evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });
    expect(overflow).toBeLessThanOrEqual(0);
    if (process.env.API_DOCS_SCREENSHOTS) await browser.page.screenshot({ path: `${process.env.API_DOCS_SCREENSHOTS}/api-docs-${width}.png`, clip: { x: 0, y: 0, width, height: 2400 } });
  });

  it('every load of the page above ran under the strict Content-Security-Policy with no violation', () => {
    const paths = csp.documents.map((d) => new URL(d.url).pathname);
    expect(paths.length).toBeGreaterThanOrEqual(4);
    expect(new Set(paths)).toEqual(new Set(['/api-docs/']));
    expect(cspProblems(csp, app.url), browser.logs.join('\n')).toEqual([]);
  });
});
