import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { id as idText } from '../../client/i18n/id.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { countMediaRequests, mediaRequests } from '../helpers/media-requests.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

describe('refused links show a clear message and get no media (real Chromium)', () => {
  let app: App;
  let seeded: SeededVisit;
  let other: SeededVisit;
  let browser: BrowserSession;

  beforeAll(async () => {
    app = await startTestApp();
    seeded = await seedVisit(app);
    other = await seedVisit(app);
    browser = await launchBrowser();
    await countMediaRequests(browser.page);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function expectRefused(pagePath: string, code: keyof typeof refusalKeys) {
    const page = browser.page;
    await page.goto(`${app.url}${pagePath}`);
    await waitUntil(`refused (${code})`, async () => (await bodyState(page)).state === 'refused', 15_000);
    const state = await bodyState(page);
    expect(state.refusal).toBe(code);
    const message = await page.$eval('[data-testid="status-message"]', (el) => el.textContent ?? '');
    expect(message).toBe(idText[refusalKeys[code]]);
    expect(await page.$eval('[data-testid="status-title"]', (el) => el.textContent ?? '')).toBe(idText['call.refused.title']);
    // no media: no peer connection, no camera request, no remote video
    expect(await mediaRequests(page)).toEqual({ peerConnections: 0, getUserMedia: 0 });
    expect(await page.$$('[data-testid="remote-video"]')).toHaveLength(0);
  }

  const refusalKeys = {
    not_a_visitor: 'call.refused.not_a_visitor',
    token_expired: 'call.refused.token_expired',
    token_invalid: 'call.refused.token_invalid',
    token_missing: 'call.refused.token_missing',
    device_revoked: 'call.refused.device_revoked',
  } as const;

  it('a link naming another visit', async () => {
    const crossed = app.ctx.tokens.signJoin(seeded.visitors[0]!.id, { id: other.visitId, scheduledStart: other.start, durationSeconds: 3600 });
    await expectRefused(`/family/?t=${crossed}`, 'not_a_visitor');
  });

  it('an expired link', async () => {
    const past = await seedVisit(app, { start: new Date(Date.now() - 3 * 3600_000), durationSeconds: 1800 });
    await expectRefused(`/family/?t=${past.joinTokens[0]}`, 'token_expired');
  });

  it('a tampered link', async () => {
    const [h, p, s] = seeded.joinTokens[0]!.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, visit: other.visitId })).toString('base64url');
    await expectRefused(`/family/?t=${h}.${forged}.${s}`, 'token_invalid');
  });

  it('a link without its token', async () => {
    await expectRefused('/family/', 'token_missing');
  });

  it('a revoked booth device', async () => {
    await app.storage.db.updateTable('booth_devices').set({ revoked_at: new Date().toISOString() }).where('id', '=', other.deviceId).execute();
    await expectRefused(`/booth/?t=${other.boothToken}`, 'device_revoked');
  });

  it('none of them opened a call on the server', async () => {
    expect(app.calls.call(seeded.visitId)).toBeUndefined();
    expect(app.calls.call(other.visitId)).toBeUndefined();
    expect(await app.calls.liveState.listCalls()).toEqual([]);
  });
});

describe('a family that refuses the camera (real Chromium)', () => {
  let app: App;
  let browser: BrowserSession;
  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
    // the first request is denied, as when the family taps "Block"; the retry is allowed
    await browser.page.evaluateOnNewDocument(`(() => {
      const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      let asked = 0;
      navigator.mediaDevices.getUserMedia = (c) => (++asked === 1 ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : gum(c));
    })();`);
    await countMediaRequests(browser.page); // counts every request, the denied one too
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('is told how to allow it (also when the early camera start was refused), and Coba lagi asks again and joins', async () => {
    const seeded = await seedVisit(app);
    const page = browser.page;
    await page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    await waitUntil('camera refused', async () => (await bodyState(page)).state === 'permission', 15_000);
    expect((await bodyState(page)).mediaProblem).toBe('denied');
    expect(await page.$eval('[data-testid="status-message"]', (el) => el.textContent ?? '')).toBe(idText['family.permission.denied']);
    expect(await mediaRequests(page)).toMatchObject({ getUserMedia: 1, peerConnections: 0 });
    // The first script had started to enter the call; the page stepped out of it.
    await waitUntil('family out of the call', async () => !app.calls.call(seeded.visitId)?.currentRoom.visiblePeers().some((p) => p.role === 'family'), 10_000);
    await page.click('[data-testid="retry"]');
    await waitUntil('joined after the retry', async () => ['waiting', 'in-call'].includes((await bodyState(page)).state ?? ''), 20_000);
    expect(await mediaRequests(page)).toMatchObject({ getUserMedia: 2 });
  });
});
