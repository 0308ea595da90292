import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { id as idText } from '../../client/i18n/id.ts';
import { averageColour, bodyState, dominant, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

const REMOTE = '[data-testid="remote-video"]';
const SELF = '[data-testid="self-video"]';

/**
 * The family's first camera request waits until the test answers it (window.__answerCamera(true |
 * false)), as when a mother has not yet tapped Allow or Block; later requests go through at once.
 */
const CAMERA_GATE = `(() => {
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  let asked = 0;
  let answer = null;
  window.__cameraAnswered = false;
  window.__answerCamera = (allow) => { window.__cameraAnswered = true; answer?.(allow); };
  navigator.mediaDevices.getUserMedia = (c) => ++asked > 1 ? gum(c) : new Promise((resolve, reject) => {
    answer = (allow) => allow ? gum(c).then(resolve, reject) : reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
})();`;

const framesDecoded = (s: BrowserSession) => s.page.evaluate(async () => ((await (globalThis as any).kvCall.mediaStats()).framesDecoded as number));

describe('a family whose camera is still starting when the call opens (real Chromium)', () => {
  let app: App;
  let booth: BrowserSession;
  let family: BrowserSession;
  beforeAll(async () => {
    app = await startTestApp();
    booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    family = await launchBrowser({ media: fakeMedia('red', 440) });
    await family.page.evaluateOnNewDocument(CAMERA_GATE);
  });
  afterAll(async () => {
    await family?.close();
    await booth?.close();
    await app?.close();
  });

  async function boothInCall(): Promise<string> {
    const seeded = await seedVisit(app);
    await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
    await waitUntil('booth waiting for the family', async () => (await bodyState(booth.page)).state === 'waiting', 20_000);
    return seeded.joinTokens[0]!;
  }

  it('sees the booth before its own camera answers, then sends once it does; one call connection, opened by the first script', async () => {
    const token = await boothInCall();
    const cdp = await family.page.createCDPSession();
    await cdp.send('Network.enable');
    const sockets: string[] = [];
    cdp.on('Network.webSocketCreated', (e: { url: string }) => sockets.push(e.url));
    await family.page.goto(`${app.url}/family/?t=${token}`);
    await waitUntil('family receives the booth with its camera unanswered', async () => (await framesDecoded(family)) > 0, 20_000);
    expect(await family.page.evaluate(() => (globalThis as any).__cameraAnswered)).toBe(false);
    expect(await family.page.$eval(SELF, (v) => (v as unknown as { srcObject: unknown }).srcObject)).toBeNull();
    expect((await bodyState(family.page)).state).toBe('in-call');
    await waitUntil('family sees blue (booth)', async () => dominant(await averageColour(family.page, REMOTE)) === 'blue', 20_000);
    expect((await bodyState(booth.page)).state).toBe('in-call');

    await family.page.evaluate(() => (globalThis as any).__answerCamera(true));
    await waitUntil('booth sees red (family)', async () => dominant(await averageColour(booth.page, REMOTE)) === 'red', 20_000);
    expect(dominant(await averageColour(family.page, SELF))).toBe('red');
    // The call page took over the socket the first script opened (a second one would take over the first).
    expect(sockets.filter((url) => url.includes('/socket.io/'))).toHaveLength(1);
    expect(await family.page.evaluate(() => performance.getEntriesByName('kv:socket-open').length)).toBe(1);
    expect((await bodyState(family.page)).state).toBe('in-call');
    await cdp.detach();
  });

  it('refused after the call opened: the family steps out (the call goes on), is told how to allow it, and Coba lagi joins again', async () => {
    const token = await boothInCall();
    await family.page.goto(`${app.url}/family/?t=${token}`);
    await waitUntil('family in the call, camera unanswered', async () => (await bodyState(family.page)).state === 'in-call', 20_000);
    await waitUntil('booth sees the family', async () => (await bodyState(booth.page)).state === 'in-call', 20_000);

    await family.page.evaluate(() => (globalThis as any).__answerCamera(false));
    await waitUntil('camera refused', async () => (await bodyState(family.page)).state === 'permission', 15_000);
    expect(await family.page.$eval('[data-testid="status-message"]', (el) => el.textContent ?? '')).toBe(idText['family.permission.denied']);
    // The family left without hanging up: the booth waits for it, the call stays live, nothing reaches the family.
    await waitUntil('booth sees the family leave', async () => (await bodyState(booth.page)).state === 'waiting', 15_000);
    expect(await framesDecoded(family)).toBe(0);
    const visitId = (await bodyState(booth.page)).visitId!;
    const row = await app.storage.db.selectFrom('visits').select(['status']).where('id', '=', visitId).executeTakeFirstOrThrow();
    expect(row.status).toBe('live');
    // A call state change while refused does not take the page away from the explanation.
    expect((await bodyState(family.page)).state).toBe('permission');

    await family.page.click('[data-testid="retry"]');
    await waitUntil('family back in the call', async () => (await bodyState(family.page)).state === 'in-call', 20_000);
    await waitUntil('booth sees red (family)', async () => dominant(await averageColour(booth.page, REMOTE)) === 'red', 20_000);
    await waitUntil('family sees blue (booth)', async () => dominant(await averageColour(family.page, REMOTE)) === 'blue', 20_000);
  });
});
