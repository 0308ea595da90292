import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { id as idText } from '../../client/i18n/id.ts';
import { bodyState, cspProblems, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';

type Stats = { framesDecoded: number; audioPacketsReceived: number };
const stats = (s: BrowserSession) => s.page.evaluate(() => (globalThis as any).kvCall.mediaStats() as Promise<Stats>);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TILE = '.remote-tile[data-role="family"]';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.2 AA rules on the page as it is now (injected through DevTools: the page's CSP stays as served). */
async function axeViolations(session: BrowserSession): Promise<string[]> {
  await session.page.evaluate(axeSource);
  const violations = (await session.page.evaluate(
    (tags) => (globalThis as any).axe.run((globalThis as any).document, { runOnly: { type: 'tag', values: tags } }).then((r: any) => r.violations),
    ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'],
  )) as Array<{ id: string; nodes: Array<{ target: string[] }> }>;
  return violations.map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The family's own camera and microphone buttons, seen from the booth, with an officer's mute winning. */
describe('family call controls: mute, camera off, the booth sees it, an officer mute wins (real Chromium)', () => {
  let app: App;
  let seeded: SeededVisit;
  let booth: BrowserSession;
  let family: BrowserSession;
  const csp: CspWatch[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    seeded = await seedVisit(app, { visitorNames: ['Siti Aminah'] });
    booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    family = await launchBrowser({ media: fakeMedia('red', 440) });
    await family.page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
    csp.push(await watchContentSecurityPolicy(booth.page), await watchContentSecurityPolicy(family.page));
    await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
    await waitUntil('booth waiting', async () => (await bodyState(booth.page)).state === 'waiting', 20_000);
    await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    await waitUntil('family in call', async () => (await bodyState(family.page)).state === 'in-call', 20_000);
  });
  afterAll(async () => {
    await family?.close();
    await booth?.close();
    await app?.close();
  });

  const button = (testid: string) =>
    family.page.$eval(`[data-testid="${testid}"]`, (el) => {
      const r = el.getBoundingClientRect();
      const lock = el.querySelector('.lock') as any;
      return { pressed: el.getAttribute('aria-pressed'), locked: (el as any).dataset.locked, hidden: (el as any).hidden as boolean, width: r.width, height: r.height, text: el.textContent ?? '', lockShown: lock ? !lock.hidden : false };
    });
  const tile = () =>
    booth.page.$eval(TILE, (el) => ({
      camera: (el as any).dataset.camera as string,
      mic: (el as any).dataset.mic as string,
      cameraOffShown: !(el.querySelector('[data-testid="remote-camera-off"]') as any).hidden,
      cameraOffText: el.querySelector('[data-testid="remote-camera-off"]')!.textContent,
      micMutedShown: !(el.querySelector('[data-testid="remote-mic-muted"]') as any).hidden,
    }));
  /** Whether the booth's counter still grows: a reading, a pause, another. */
  const grows = async (key: keyof Stats, ms = 2000) => {
    const before = (await stats(booth))[key];
    await sleep(ms);
    return (await stats(booth))[key] > before;
  };
  const producer = async (kind: 'audio' | 'video') => {
    const room = app.calls.call(seeded.visitId)!.currentRoom;
    const peer = room.peers().find((p) => p.role === 'family')!;
    return peer.producers().find((p) => p.kind === kind)!;
  };

  it('shows big labelled toggles (aria-pressed), no camera switch with one camera, and fits 390 px', async () => {
    await waitUntil('booth decodes the family video', async () => (await stats(booth)).framesDecoded > 10).catch((err) => {
      throw new Error(`${(err as Error).message}\nbooth: ${booth.logs.join('\n')}\nfamily: ${family.logs.join('\n')}`);
    });
    for (const id of ['mic-toggle', 'camera-toggle']) {
      const b = await button(id);
      expect(b.pressed).toBe('false');
      expect(b.hidden).toBe(false);
      expect(b.width).toBeGreaterThanOrEqual(44);
      expect(b.height).toBeGreaterThanOrEqual(44);
    }
    expect((await button('mic-toggle')).text).toContain(idText['call.controls.mic']);
    expect((await button('camera-toggle')).text).toContain(idText['call.controls.camera']);
    // Chromium's fake capture has one camera: nothing to switch to
    expect((await button('camera-switch')).hidden).toBe(true);
    const overflow = await family.page.evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await tile()).toMatchObject({ camera: 'on', mic: 'on', cameraOffShown: false, micMutedShown: false });
  });

  it('camera off: the booth shows "kamera mati" and no new frames; camera on: frames again', async () => {
    await family.page.click('[data-testid="camera-toggle"]');
    await waitUntil('camera pressed', async () => (await button('camera-toggle')).pressed === 'true');
    expect((await producer('video')).paused).toBe(true);
    await waitUntil('booth shows camera off', async () => (await tile()).camera === 'off');
    expect(await tile()).toMatchObject({ cameraOffShown: true, cameraOffText: idText['call.remote.cameraOff'], micMutedShown: false });
    await sleep(1000); // frames already on their way
    expect(await grows('framesDecoded')).toBe(false);
    // the microphone goes on meanwhile
    expect(await grows('audioPacketsReceived', 1000)).toBe(true);

    await family.page.click('[data-testid="camera-toggle"]');
    await waitUntil('camera not pressed', async () => (await button('camera-toggle')).pressed === 'false');
    await waitUntil('booth shows camera on', async () => (await tile()).camera === 'on');
    expect((await tile()).cameraOffShown).toBe(false);
    await waitUntil('frames again', () => grows('framesDecoded', 1000));
  });

  it('microphone off: the booth shows the muted mic and its audio packets stop; on: they grow again', async () => {
    await family.page.click('[data-testid="mic-toggle"]');
    await waitUntil('mic pressed', async () => (await button('mic-toggle')).pressed === 'true');
    expect((await producer('audio')).paused).toBe(true);
    await waitUntil('booth shows the muted mic', async () => (await tile()).micMutedShown);
    expect((await tile()).mic).toBe('muted');
    await sleep(1000);
    expect(await grows('audioPacketsReceived')).toBe(false);
    expect(await grows('framesDecoded', 1000)).toBe(true);

    await family.page.click('[data-testid="mic-toggle"]');
    await waitUntil('mic not pressed', async () => (await button('mic-toggle')).pressed === 'false');
    await waitUntil('booth shows the mic on', async () => !(await tile()).micMutedShown);
    await waitUntil('audio again', () => grows('audioPacketsReceived', 1000));
  });

  it('an officer mute shows the lock; the family cannot lift it (refused by the server), the booth never hears it', async () => {
    const officer = await loginOfficer(app, [seeded.facilityId]);
    const peerId = (await producer('audio')).appData.peerId as string;
    const mute = (muted: boolean) =>
      fetch(`${app.url}/api/calls/${seeded.visitId}/mute`, { method: 'POST', headers: { ...officer.auth, 'content-type': 'application/json' }, body: JSON.stringify({ peerId, kind: 'audio', muted }) });
    expect((await mute(true)).status).toBe(200);
    await waitUntil('mic locked', async () => (await button('mic-toggle')).locked === 'true');
    expect(await button('mic-toggle')).toMatchObject({ pressed: 'true', lockShown: true });
    expect((await button('mic-toggle')).text).toContain(idText['call.controls.lockedByOfficer']);
    await waitUntil('booth shows the muted mic', async () => (await tile()).micMutedShown);

    await family.page.click('[data-testid="mic-toggle"]');
    const note = await waitUntil('refusal said', () =>
      family.page.$eval('[data-testid="media-note"]', (el) => ((el as any).dataset.outcome === 'muted_by_officer' ? el.textContent : null)),
    );
    expect(note).toBe(idText['call.controls.refused.audio']);
    expect(await button('mic-toggle')).toMatchObject({ pressed: 'true', locked: 'true' });
    expect((await producer('audio')).paused).toBe(true);
    await sleep(1000);
    expect(await grows('audioPacketsReceived')).toBe(false);
    expect((await tile()).micMutedShown).toBe(true);

    // the officer lifts it: the family had not muted itself, so the microphone is back
    expect((await mute(false)).status).toBe(200);
    await waitUntil('mic unlocked', async () => (await button('mic-toggle')).locked === 'false');
    expect(await button('mic-toggle')).toMatchObject({ pressed: 'false', lockShown: false });
    await waitUntil('audio again', () => grows('audioPacketsReceived', 1000));
  });

  it('both pages pass axe-core WCAG 2.2 AA in the call, with the camera off and the microphone locked by an officer', async () => {
    const officer = await loginOfficer(app, [seeded.facilityId]);
    const peerId = (await producer('audio')).appData.peerId as string;
    const mute = (muted: boolean) =>
      fetch(`${app.url}/api/calls/${seeded.visitId}/mute`, { method: 'POST', headers: { ...officer.auth, 'content-type': 'application/json' }, body: JSON.stringify({ peerId, kind: 'audio', muted }) });
    expect((await mute(true)).status).toBe(200);
    await family.page.click('[data-testid="camera-toggle"]');
    await waitUntil('camera off and mic locked', async () => (await button('camera-toggle')).pressed === 'true' && (await button('mic-toggle')).locked === 'true');
    await family.page.click('[data-testid="mic-toggle"]');
    await waitUntil('refusal said', () => family.page.$eval('[data-testid="media-note"]', (el) => (el as any).dataset.outcome === 'muted_by_officer'));
    await waitUntil('booth shows both', async () => (await tile()).cameraOffShown && (await tile()).micMutedShown);
    expect(await axeViolations(family)).toEqual([]);
    expect(await axeViolations(booth)).toEqual([]);
    expect((await mute(false)).status).toBe(200);
    await family.page.click('[data-testid="camera-toggle"]');
    await waitUntil('camera on', async () => (await button('camera-toggle')).pressed === 'false');
  });

  it('ran under the strict Content-Security-Policy with no violation', () => {
    expect(csp.flatMap((w) => cspProblems(w, app.url)), [...booth.logs, ...family.logs].join('\n')).toEqual([]);
  });
});
