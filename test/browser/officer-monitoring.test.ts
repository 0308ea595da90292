import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { ladderSettings } from '../../server/calls/downlink-ladder.ts';
import { TestCallClient } from '../calls/socket-client.ts';
import { averageColour, bodyState, cspProblems, dominant, launchBrowser, WAIT_SCALE, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit, type SeededVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Stats = { framesDecoded: number; videoPackets: number; audioPackets: number; totalSamplesReceived: number };

describe('an officer watches a live call silently from the dashboard, in real Chromium', () => {
  let app: App;
  let seeded: SeededVisit;
  let privilegedVisitId: string;
  let privilegedBooth: TestCallClient;
  let booth: BrowserSession;
  let family: BrowserSession;
  let officerPage: BrowserSession;
  let officer: Awaited<ReturnType<typeof loginOfficer>>;
  let csp: CspWatch;
  const tile = (visitId: string) => `[data-testid="call-tile"][data-visit-id="${visitId}"]`;
  const remoteTiles = (s: BrowserSession) => s.page.evaluate(() => (globalThis as any).document.querySelectorAll('#remotes .remote-tile').length as number);
  const stats = (visitId: string) => officerPage.page.evaluate((v) => (globalThis as any).kvOfficer.stats(v) as Promise<Stats>, visitId);

  beforeAll(async () => {
    app = await startTestApp();
    seeded = await seedVisit(app, { visitorNames: ['Siti Aminah'] });
    officer = await loginOfficer(app, [seeded.facilityId]);
    // A privileged (legal counsel) visit live in a second booth of the same facility, without media.
    const now = new Date().toISOString();
    const boothId = randomUUID();
    const deviceId = randomUUID();
    await app.storage.db.insertInto('booths').values({ id: boothId, facility_id: seeded.facilityId, name: 'Bilik 2', created_at: now }).execute();
    await app.storage.db.insertInto('booth_devices').values({ id: deviceId, booth_id: boothId, label: 'PC bilik 2', created_by: 'test', created_at: now, revoked_at: null }).execute();
    const privileged = await seedVisit(app, { booth: { id: boothId, facilityId: seeded.facilityId, deviceId }, visitorNames: ['Advokat Rahman'] });
    await app.storage.db.updateTable('visits').set({ privileged: 1, privileged_approval: 'approved' }).where('id', '=', privileged.visitId).execute();
    privilegedVisitId = privileged.visitId;
    privilegedBooth = await TestCallClient.open(app, { token: privileged.boothToken, role: 'booth' });
    await privilegedBooth.ok('joinCall', { visitId: privilegedVisitId });

    booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    family = await launchBrowser({ media: fakeMedia('red', 440) });
    officerPage = await launchBrowser();
    csp = await watchContentSecurityPolicy(officerPage.page);
  });
  afterAll(async () => {
    privilegedBooth?.close();
    await officerPage?.close();
    await family?.close();
    await booth?.close();
    await app?.close();
  });

  it('the booth and the family are in the call', async () => {
    await booth.page.goto(`${app.url}/booth/?t=${seeded.boothToken}`);
    await waitUntil('booth waiting', async () => (await bodyState(booth.page)).state === 'waiting', 20_000);
    await family.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    await waitUntil('family in call', async () => (await bodyState(family.page)).state === 'in-call', 20_000);
    await waitUntil('family sees the booth', async () => dominant(await averageColour(family.page, '[data-testid="remote-video"]')) === 'blue', 20_000);
  });

  it('the officer signs in and sees every live call of the facility in the grid, both parties on the low layer', async () => {
    const page = officerPage.page;
    await page.goto(`${app.url}/officer/#live`);
    await page.waitForSelector('#login-form input[name="username"]');
    await page.type('#login-form input[name="username"]', officer.username);
    await page.type('#login-form input[name="password"]', officer.password);
    await page.click('#login-form button[type="submit"]');
    await waitUntil('dashboard live', async () => (await bodyState(page)).state === 'live' && (await page.$(tile(seeded.visitId))) !== null, 20_000);
    expect((await bodyState(page)).calls).toBe('2');
    const text = await page.$eval(tile(seeded.visitId), (el) => el.textContent ?? '');
    expect(text).toContain(seeded.inmate.name);
    expect(text).toContain('Siti Aminah');
    expect(text).toContain('Bilik 1');
    expect(await page.$eval(`${tile(seeded.visitId)} [data-testid="recording-state"]`, (el) => (el as any).dataset.recording)).toMatch(/^(recording|starting|not_recorded|failed)$/);
    expect(await page.$eval(`${tile(seeded.visitId)} [data-testid="time-left"]`, (el) => el.textContent ?? '')).toMatch(/^\d{1,2}:\d{2}(:\d{2})?$/);
    // the privileged call is listed, labelled, and not watched
    expect(await page.$eval(`${tile(privilegedVisitId)} [data-testid="privileged-label"]`, (el) => el.textContent ?? '')).toContain('tidak dipantau dan tidak direkam');
    expect(await page.$(`${tile(privilegedVisitId)} video`)).toBeNull();
    // grid: booth blue, family red, decoded from the officer's own receive transport
    await waitUntil('grid booth video', async () => dominant(await averageColour(page, `${tile(seeded.visitId)} [data-testid="party-video"][data-role="booth"]`)) === 'blue', 20_000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${officerPage.logs.join('\n')}`);
    });
    await waitUntil('grid family video', async () => dominant(await averageColour(page, `${tile(seeded.visitId)} [data-testid="party-video"][data-role="family"]`)) === 'red', 20_000);
    const hidden = (await app.calls.call(seeded.visitId)!.room()).peers().filter((p) => p.hidden);
    expect(hidden).toHaveLength(1);
    expect(hidden[0]!.consumers().map((c) => c.kind)).toEqual(['video', 'video']); // no audio on the grid
    // the grid asks for the lowest layer, and the officer's link control never climbs above it
    await sleep(ladderSettings.baseHoldMs + 2_000);
    expect(hidden[0]!.consumers().map((c) => c.preferredLayers?.spatialLayer)).toEqual([0, 0]);
    expect((await app.calls.call(privilegedVisitId)!.room()).peers().some((p) => p.hidden)).toBe(false);
    expect((await stats(seeded.visitId)).audioPackets).toBe(0);
  });

  it('focusing the call gives full video of both parties and their audio; the parties see no extra peer', async () => {
    const page = officerPage.page;
    await page.click(`${tile(seeded.visitId)} [data-testid="focus-call"]`);
    await waitUntil('focus view', async () => (await bodyState(page)).state === 'focus');
    await waitUntil('focus booth video', async () => dominant(await averageColour(page, '[data-testid="focus-video"][data-role="booth"]')) === 'blue', 20_000);
    await waitUntil('focus family video', async () => dominant(await averageColour(page, '[data-testid="focus-video"][data-role="family"]')) === 'red', 20_000);
    const s = await waitUntil('officer receives audio', async () => {
      const x = await stats(seeded.visitId);
      return x.audioPackets > 50 && x.totalSamplesReceived > 0 ? x : null;
    }, 20_000);
    expect(s.framesDecoded).toBeGreaterThan(0);
    expect(await page.$$eval('[data-testid="focus-video"]', (els) => els.map((e) => (e as any).muted))).toEqual([false, false]);
    // participants: exactly one remote each, none of them the officer
    expect(await remoteTiles(family)).toBe(1);
    expect(await remoteTiles(booth)).toBe(1);
    const roles = await family.page.$$eval('#remotes .remote-tile', (els) => els.map((e) => (e as any).dataset.role));
    expect(roles).toEqual(['booth']);
    const audit = await app.storage.db.selectFrom('audit_log').selectAll().where('subject_id', '=', seeded.visitId).where('action', 'in', ['call.observe', 'call.listen']).orderBy('seq').execute();
    expect(audit.map((a) => [a.action, a.actor_id])).toEqual([
      ['call.observe', officer.officer.id],
      ['call.listen', officer.officer.id],
    ]);
  });

  it('a warning from the focus view shows on both participant pages and is audited', async () => {
    const page = officerPage.page;
    await page.type('[data-testid="warn-message"]', 'Mohon jaga sopan santun.');
    await page.click('[data-testid="warn-send"]');
    await waitUntil('warning sent', async () => (await page.$eval('[data-testid="action-status"]', (el) => (el as any).dataset.result)) === 'ok');
    for (const side of [family, booth]) {
      const shown = await waitUntil('warning shown', async () => {
        const el = await side.page.$('[data-testid="officer-warning"]');
        return el ? ((await el.evaluate((x) => x.textContent)) ?? '') : null;
      });
      expect(shown).toContain('Mohon jaga sopan santun.');
    }
    const warn = await app.storage.db.selectFrom('audit_log').selectAll().where('subject_id', '=', seeded.visitId).where('action', '=', 'call.warn').execute();
    expect(warn.map((a) => a.actor_id)).toEqual([officer.officer.id]);
    // still no extra peer after all of this
    expect(await remoteTiles(family)).toBe(1);
  });

  it('muting the family from the focus view: the booth stops receiving that media, the family is told; unmuting restores it; all audited', async () => {
    const page = officerPage.page;
    const familyPeer = (await app.calls.call(seeded.visitId)!.room()).peers().find((p) => p.role === 'family')!;
    const button = (kind: 'audio' | 'video') => `[data-testid="mute-${kind}"][data-peer-id="${familyPeer.id}"]`;
    const boothReceives = () => booth.page.evaluate(() => (globalThis as any).kvCall.mediaStats() as Promise<{ videoPacketsReceived: number; audioPacketsReceived: number }>);
    /** Packets the booth receives over one second, read twice to let in-flight packets land. */
    const flowing = async (kind: 'video' | 'audio') => {
      const key = kind === 'video' ? 'videoPacketsReceived' : 'audioPacketsReceived';
      const a = (await boothReceives())[key];
      await new Promise((r) => setTimeout(r, 1_000));
      return (await boothReceives())[key] - a;
    };
    const clickAndSettle = async (kind: 'audio' | 'video', muted: boolean) => {
      await page.click(button(kind));
      await waitUntil(`${kind} button shows ${muted ? 'muted' : 'unmuted'}`, async () => (await page.$eval(button(kind), (el) => (el as any).dataset.muted)) === String(muted));
    };

    expect(await flowing('video')).toBeGreaterThan(10);
    await clickAndSettle('video', true);
    await waitUntil('booth receives no family video', async () => (await flowing('video')) === 0, 10_000, 100);
    expect(await flowing('audio')).toBeGreaterThan(10); // audio still flows
    const told = await waitUntil('family told', async () => {
      const el = await family.page.$('[data-testid="officer-mute-video"][data-muted="true"]');
      return el ? ((await el.evaluate((x) => x.textContent)) ?? '') : null;
    });
    expect(told).toContain('petugas');

    await clickAndSettle('audio', true);
    await waitUntil('booth receives no family audio', async () => (await flowing('audio')) === 0, 10_000, 100);

    await clickAndSettle('video', false);
    await clickAndSettle('audio', false);
    await waitUntil('family video back at the booth', async () => (await flowing('video')) > 10, 15_000, 100);
    await waitUntil('family audio back at the booth', async () => (await flowing('audio')) > 10, 15_000, 100);
    await waitUntil('booth sees the family again', async () => dominant(await averageColour(booth.page, '[data-testid="remote-video"]')) === 'red', 15_000);

    const mutes = await app.storage.db.selectFrom('audit_log').selectAll().where('subject_id', '=', seeded.visitId).where('action', 'in', ['call.mute', 'call.unmute']).orderBy('seq').execute();
    expect(mutes.map((a) => [a.action, a.actor_id, JSON.parse(a.details).kind])).toEqual([
      ['call.mute', officer.officer.id, 'video'],
      ['call.mute', officer.officer.id, 'audio'],
      ['call.unmute', officer.officer.id, 'video'],
      ['call.unmute', officer.officer.id, 'audio'],
    ]);
  });

  it('the English toggle switches the dashboard', async () => {
    const page = officerPage.page;
    await page.click('[data-testid="focus-back"]');
    await waitUntil('grid again', async () => (await bodyState(page)).state === 'live');
    await page.click('.lang-toggle');
    await waitUntil('english', async () => ((await page.$eval(`${tile(privilegedVisitId)} [data-testid="privileged-label"]`, (el) => el.textContent ?? '')).includes('not monitored or recorded')));
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.lang)).toBe('en');
    // back on the grid: the audio consumers are gone again
    await waitUntil('no audio on the grid', async () => (await app.calls.call(seeded.visitId)!.room()).peers().find((p) => p.hidden)?.consumers().every((c) => c.kind === 'video'));
    const grid = (await app.calls.call(seeded.visitId)!.room()).peers().find((p) => p.hidden)!.consumers();
    expect(grid.map((c) => c.preferredLayers?.spatialLayer)).toEqual([0, 0]);
  });

  it('extends and then ends the call with a reason from the focus view', async () => {
    const page = officerPage.page;
    await page.click(`${tile(seeded.visitId)} [data-testid="focus-call"]`);
    await waitUntil('focus view', async () => (await bodyState(page)).state === 'focus');
    await page.type('[data-testid="extend-reason"]', 'Keluarga datang dari jauh');
    await page.click('[data-testid="extend-call"]');
    await waitUntil('extended', async () => (await page.$eval('[data-testid="action-status"]', (el) => (el as any).dataset.result)) === 'ok');
    page.once('dialog', (d) => void d.accept());
    await page.type('[data-testid="end-reason"]', 'Melanggar tata tertib');
    await page.click('[data-testid="end-call"]');
    for (const side of [family, booth]) await waitUntil('party ended', async () => (await bodyState(side.page)).state === 'ended');
    expect((await bodyState(family.page)).endReason).toBe('ended_by_officer');
    await waitUntil('focus shows the end', async () => (await page.$('[data-testid="focus-view"][data-ended="true"]')) !== null);
    const actions = await app.storage.db.selectFrom('audit_log').select(['action', 'actor_id']).where('subject_id', '=', seeded.visitId).where('action', 'in', ['call.extend', 'call.end']).orderBy('seq').execute();
    expect(actions.map((a) => a.action)).toEqual(['call.extend', 'call.end']);
  });

  it('the Recordings tab lists the call, opens it and plays a segment', async () => {
    const page = officerPage.page;
    expect(await app.storage.db.selectFrom('recordings').select(['status']).where('visit_id', '=', privilegedVisitId).executeTakeFirst()).toBeUndefined();
    await waitUntil('recording complete', async () => (await app.storage.db.selectFrom('recordings').select(['status']).where('visit_id', '=', seeded.visitId).executeTakeFirst())?.status === 'complete', 30_000);
    await page.click('[data-testid="tab-recordings"]');
    await waitUntil('listed', async () => (await page.$(`[data-testid="recording-row"][data-visit-id="${seeded.visitId}"]`)) !== null);
    await page.click(`[data-testid="recording-open"][data-visit-id="${seeded.visitId}"]`);
    await page.waitForSelector('[data-testid="segment-play"]', { timeout: 10_000 * WAIT_SCALE });
    await page.click('[data-testid="segment-play"]');
    await waitUntil('segment loads', async () => page.$eval('[data-testid="recording-player"]', (v) => ((v as any).readyState as number) >= 1 && (v as any).duration > 0), 15_000);
    const audit = await app.storage.db.selectFrom('audit_log').select(['action']).where('subject_id', '=', seeded.visitId).where('action', 'in', ['recording.inspect', 'recording.play']).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['recording.inspect', 'recording.play']);
  });

  it('the dashboard ran under the strict Content-Security-Policy with no violation (live video, playback)', () => {
    expect(csp.documents.map((d) => new URL(d.url).pathname)).toContain('/officer/');
    expect(cspProblems(csp, app.url), officerPage.logs.join('\n')).toEqual([]);
  });
});
