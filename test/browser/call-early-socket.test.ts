import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CDPSession } from 'puppeteer-core';
import type { App } from '../../server/app.ts';
import { id as idText } from '../../client/i18n/id.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

/** How long the call page's chunk is held back: everything the first script's socket does happens before the page listens. */
const CALL_PAGE_DELAY_MS = 2500;

const framesDecoded = (s: BrowserSession) => s.page.evaluate(async () => ((await (globalThis as any).kvCall?.mediaStats())?.framesDecoded as number) ?? 0);

describe('the family page\'s first script connects before the call page has loaded (real Chromium)', () => {
  let app: App;
  let booth: BrowserSession;
  let family: BrowserSession;
  let cdp: CDPSession;
  /** request methods the family page sent on its socket */
  const sent: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    family = await launchBrowser({ media: fakeMedia('red', 440) });
    await family.page.setRequestInterception(true);
    family.page.on('request', (req) => {
      if (/\/assets\/call-page-[^/]+\.js$/.test(req.url())) setTimeout(() => void req.continue().catch(() => {}), CALL_PAGE_DELAY_MS);
      else void req.continue().catch(() => {});
    });
    cdp = await family.page.createCDPSession();
    await cdp.send('Network.enable');
    cdp.on('Network.webSocketFrameSent', (e: { response: { payloadData: string } }) => {
      const method = /"request",\{"method":"(\w+)"/.exec(e.response.payloadData)?.[1];
      if (method) sent.push(method);
    });
  });
  afterAll(async () => {
    await family?.close();
    await booth?.close();
    await app?.close();
  });

  it('a good link: the page takes over the socket that already said hello, joined and made the transports, and asks none of them again', async () => {
    const seeded = await seedVisit(app);
    await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
    await waitUntil('booth waiting for the family', async () => (await bodyState(booth.page)).state === 'waiting', 20_000);
    sent.length = 0;
    await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    // The family has entered the call before its page could show it.
    await waitUntil('booth sees the family', async () => (await bodyState(booth.page)).state === 'in-call', 20_000);
    await waitUntil('family in the call, receiving', async () => (await bodyState(family.page)).state === 'in-call' && (await framesDecoded(family)) > 0, 30_000);
    const marks = await family.page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])));
    expect(marks['kv:socket']! - marks['kv:socket-open']!).toBeGreaterThan(CALL_PAGE_DELAY_MS / 2);
    expect(sent.filter((m) => m === 'hello')).toHaveLength(1);
    expect(sent.filter((m) => m === 'joinCall')).toHaveLength(1);
    expect(sent.filter((m) => m === 'createTransport')).toHaveLength(2);
    expect(sent).toContain('consumeReady');
  });

  it('an expired link: the refusal the socket got before the page listened is shown, and no camera is opened', async () => {
    const past = await seedVisit(app, { start: new Date(Date.now() - 3 * 3600_000), durationSeconds: 1800 });
    sent.length = 0;
    await family.page.goto(`${app.url}/family/?t=${past.joinTokens[0]}`);
    await waitUntil('refused', async () => (await bodyState(family.page)).state === 'refused', 20_000);
    expect((await bodyState(family.page)).refusal).toBe('token_expired');
    expect(await family.page.$eval('[data-testid="status-message"]', (el) => el.textContent ?? '')).toBe(idText['call.refused.token_expired']);
    expect(await family.page.evaluate(() => performance.getEntriesByName('kv:camera-start').length)).toBe(0);
    expect(sent).toEqual([]);
    expect(app.calls.call(past.visitId)).toBeUndefined();
  });
});
