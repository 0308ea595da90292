import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { en as enText } from '../../client/i18n/en.ts';
import { id as idText } from '../../client/i18n/id.ts';
import { averageColour, bodyState, cspProblems, dominant, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { countMediaRequests, mediaRequests } from '../helpers/media-requests.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

type Stats = { framesDecoded: number; audioPacketsReceived: number; totalSamplesReceived: number };
const stats = (s: BrowserSession) => s.page.evaluate(() => (globalThis as any).kvCall.mediaStats() as Promise<Stats>);
const REMOTE = '[data-testid="remote-video"]';

describe('a family link and a booth in one call, through the SFU, in real Chromium', () => {
  let app: App;
  let seeded: SeededVisit;
  let booth: BrowserSession;
  let family: BrowserSession;
  const workerCrashes: string[] = [];
  const csp: CspWatch[] = [];
  /** A dead mediasoup worker explains every media failure after it: say so first. */
  const explain = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (err) {
      if (workerCrashes.length) throw new Error(`mediasoup worker crashed during the call: ${workerCrashes.join('; ')} (then: ${(err as Error).message})`);
      throw err;
    }
  };

  beforeAll(async () => {
    app = await startTestApp();
    app.pool.on('workerReplaced', (e) => workerCrashes.push(`pid ${e.oldPid}: ${e.error}`));
    seeded = await seedVisit(app, { visitorNames: ['Siti Aminah'] });
    booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    family = await launchBrowser({ media: fakeMedia('red', 440) });
    csp.push(await watchContentSecurityPolicy(booth.page), await watchContentSecurityPolicy(family.page));
    await countMediaRequests(family.page);
  });
  afterAll(async () => {
    await family?.close();
    await booth?.close();
    await app?.close();
  });

  it('the booth shows its visit and joins it by itself (the start time has come)', async () => {
    await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
    await waitUntil('booth waiting for the family', async () => (await bodyState(booth.page)).state === 'waiting', 20_000);
    expect((await bodyState(booth.page)).visitId).toBe(seeded.visitId);
    const row = await app.storage.db.selectFrom('visits').select(['status']).where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row.status).toBe('live');
  });

  it('the family opens its link, passes the camera check and each side sees and hears the other', () => explain(async () => {
    await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    await waitUntil('family in call', async () => (await bodyState(family.page)).state === 'in-call', 20_000);
    // each side renders the OTHER side's colour
    await waitUntil('family sees blue (booth)', async () => dominant(await averageColour(family.page, REMOTE)) === 'blue', 20_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${family.logs.join('\n')}`);
    });
    await waitUntil('booth sees red (family)', async () => dominant(await averageColour(booth.page, REMOTE)) === 'red', 20_000);
    // self views show their own colour
    expect(dominant(await averageColour(family.page, '[data-testid="self-video"]'))).toBe('red');
    expect(dominant(await averageColour(booth.page, '[data-testid="self-video"]'))).toBe('blue');
    // audio arrives both ways (headless has no output: count packets and samples)
    for (const side of [family, booth]) {
      const s = await waitUntil('audio packets', async () => {
        const x = await stats(side);
        return x.audioPacketsReceived > 50 && x.totalSamplesReceived > 0 ? x : null;
      });
      expect(s.framesDecoded).toBeGreaterThan(0);
    }
    expect(workerCrashes).toEqual([]);
    // The camera was started by the page's small first script once the link checked good
    // (POST /api/join-links/check), and the call page took that stream: one camera request.
    expect(await family.page.evaluate(() => performance.getEntriesByName('kv:camera-start').length)).toBe(1);
    expect(await mediaRequests(family.page)).toMatchObject({ getUserMedia: 1 });
  }));

  it('the family page shows the time left, the connection quality and the monitoring notice', async () => {
    const left = await family.page.$eval('[data-testid="time-left"]', (el) => el.textContent ?? '');
    expect(left).toMatch(/^\d{1,2}:\d{2}(:\d{2})?$/);
    const minutes = Number(left.split(':')[0]);
    expect(minutes).toBeGreaterThanOrEqual(57); // 1 h visit started a minute ago
    // a clean loopback link settles at "good" (the indicator judges a few readings, not one)
    const readings: string[] = [];
    await waitUntil('quality good', async () => {
      const q = await family.page.$eval('[data-testid="quality"]', (el) => (el as any).dataset.quality as string);
      readings.push(q);
      return q === 'good';
    }, 15_000, 500).catch((err) => {
      throw new Error(`quality never read "good"; readings: ${readings.join(', ')}`, { cause: err });
    });
    const notice = await family.page.$eval('[data-testid="monitored-notice"]', (el) => el.textContent ?? '');
    expect(notice).toContain('dipantau dan direkam');
    // the countdown runs: a later reading is smaller
    const seconds = (mmss: string) => mmss.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
    await waitUntil('time left decreases', async () => {
      const now = await family.page.$eval('[data-testid="time-left"]', (el) => el.textContent ?? '');
      return seconds(now) <= seconds(left) - 2;
    }, 6_000, 250);
    // the quality indicator carries the measurement behind it, in the page's language
    const q = await family.page.$eval('[data-testid="quality"]', (el) => ({ ...(el as any).dataset, text: el.textContent ?? '' }) as Record<string, string>);
    expect(Number(q.rttMs)).toBeGreaterThanOrEqual(0);
    expect(q.text).toContain(idText['call.quality.good']);
    // English toggle, and back
    const text = (sel: string) => family.page.$eval(sel, (el) => el.textContent ?? '');
    const inmate = seeded.inmate.name;
    expect(await text('[data-testid="status-title"]')).toBe(idText['family.visitWith'].replace('{inmate}', inmate));
    await family.page.click('.lang-toggle');
    expect(await text('[data-testid="monitored-notice"]')).toContain('monitored and recorded');
    expect(await text('[data-testid="status-title"]')).toBe(enText['family.visitWith'].replace('{inmate}', inmate));
    expect(await text('[data-testid="quality"]')).toContain(`${enText['call.quality.label']}: ${enText['call.quality.good']}`);
    expect(await text('.lang-toggle')).toBe(enText['lang.switch']);
    expect(await family.page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('en');
    await family.page.click('.lang-toggle');
    expect(await text('[data-testid="monitored-notice"]')).toBe(idText['call.monitored']);
    expect(await text('[data-testid="status-title"]')).toBe(idText['family.visitWith'].replace('{inmate}', inmate));
    expect(await text('.lang-toggle')).toBe(idText['lang.switch']);
    expect(await family.page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('id');
  });

  it('hanging up ends the call on both sides; the booth returns to its idle screen', async () => {
    family.page.once('dialog', (d) => void d.accept());
    await family.page.click('[data-testid="hang-up"]');
    await waitUntil('family ended', async () => (await bodyState(family.page)).state === 'ended');
    expect((await bodyState(family.page)).endReason).toBe('hung_up');
    await waitUntil('booth ended', async () => (await bodyState(booth.page)).state === 'ended');
    await waitUntil('booth idle again', async () => (await bodyState(booth.page)).state === 'idle', 15_000);
    const row = await app.storage.db.selectFrom('visits').selectAll().where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'ended', end_reason: 'hung_up' });
  });

  it('both pages ran the call under the strict Content-Security-Policy with no violation (socket.io, mediasoup)', () => {
    expect(csp.flatMap((w) => w.documents.map((d) => new URL(d.url).pathname))).toEqual(['/booth/', '/family/']);
    expect(csp.flatMap((w) => cspProblems(w, app.url)), [...booth.logs, ...family.logs].join('\n')).toEqual([]);
  });
});
