import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../../client/common/facility-time.ts';
import { averageColour, bodyState, cspProblems, dominant, launchBrowser, waitUntil, watchContentSecurityPolicy, type BrowserSession, type CspWatch } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { choose, familyAuth, openSlots, overflow, startPortal, text, type FamilyPerson, type Portal } from '../helpers/family-portal.ts';

const ZONE = 'Asia/Jakarta';
const MOTHER: FamilyPerson = { name: 'Siti Aminah', nik: '3174015505900001', email: 'siti.aminah@example.id', phone: '081234567890' };
const AUNT: FamilyPerson = { name: 'Rina Wati', nik: '3275024107850002', email: 'rina.wati@example.id', phone: '081298765432' };
const UNCLE: FamilyPerson = { name: 'Agus Salim', nik: '3201011203800003', email: 'agus.salim@example.id', phone: '081311112222' };
const REMOTE = '[data-testid="remote-video"]';

/** "HH:MM" in the facility's zone, `minutes` from now rounded up to the minute. */
function clockIn(minutes: number): string {
  const at = new Date(Math.ceil((Date.now() + minutes * 60_000) / 60_000) * 60_000);
  return new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

describe('the family portal at 390 px: the 15-minute reminder, the call to the booth, moving, quota and the race for the last slot (real Chromium, real SMTP)', () => {
  let portal: Portal;
  let mother: BrowserSession;
  let aunt: BrowserSession;
  let uncle: BrowserSession;
  let booth: BrowserSession | undefined;
  const csp: CspWatch[] = [];
  let boothToken = '';
  let today = '';
  let tomorrow = '';
  let callVisit = { id: '', start: '' };
  const all = { from: '00:00', to: '24:00' };

  const rules = (over: Record<string, unknown> = {}) => {
    const hours: Record<string, Array<{ from: string; to: string }>> = {};
    for (let d = 0; d < 7; d++) hours[d] = [all];
    // today opens two minutes from now: the first time offered starts then, so the booth can join it in this test
    hours[new Date(`${today}T00:00:00Z`).getUTCDay()] = [{ from: clockIn(2), to: '24:00' }];
    return { visitingHours: hours, slotMinutes: 10, maxVisitorsPerVisit: 3, quota: null, familyBooking: { enabled: true, confirmation: 'auto', changeDeadlineHours: 1 }, ...over };
  };

  beforeAll(async () => {
    portal = await startPortal();
    const { api, app, facility } = portal;
    const created = await api('POST', '/api/booths', { name: 'Bilik 1' });
    expect(created.status).toBe(201);
    const boothId = created.body.booth.id as string;
    const deviceId = randomUUID();
    await app.storage.db.insertInto('booth_devices').values({ id: deviceId, booth_id: boothId, label: 'PC bilik 1', created_by: 'test', created_at: new Date().toISOString(), revoked_at: null }).execute();
    boothToken = app.ctx.tokens.signBooth(deviceId, boothId, facility.id);
    for (const [name, registrationNumber] of [['Budi Santoso', 'BI.601/2025'], ['Joko Susilo', 'BI.602/2025'], ['Dedi Kurnia', 'BI.603/2025']] as const) {
      expect((await api('POST', '/api/inmates', { registrationNumber, name, block: 'A' })).status).toBe(201);
    }
    today = localDate(ZONE);
    tomorrow = addDays(today, 1);
    await portal.registerApproved(MOTHER, 'BI.601/2025');
    await portal.registerApproved(AUNT, 'BI.602/2025', 'saudara_kandung');
    await portal.registerApproved(UNCLE, 'BI.603/2025', 'saudara_kandung');
    mother = await launchBrowser({ media: fakeMedia('red', 440) });
    aunt = await launchBrowser();
    uncle = await launchBrowser();
    for (const s of [mother, aunt, uncle]) {
      await s.page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
      csp.push(await watchContentSecurityPolicy(s.page));
    }
  });
  afterAll(async () => {
    for (const s of [booth, uncle, aunt, mother]) await s?.close();
    await portal?.close();
  });

  it('books the first time of today (starting in about two minutes): past the change deadline the page says so and the server refuses a move (409)', async () => {
    const saved = await portal.api('PUT', '/api/facility/rules', rules());
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const { page } = mother;
    await portal.signIn(page, MOTHER);
    const starts = await openSlots(page, today);
    expect(starts.length).toBeGreaterThan(0);
    const first = starts[0]!;
    expect(Date.parse(first) - Date.now()).toBeLessThanOrEqual(3 * 60_000);
    const seen = portal.smtp.received.length;
    await page.click(`[data-testid="slot"][data-start="${first}"]`);
    await waitUntil('booked notice', async () => (await text(page, '#notice')).startsWith('Kunjungan terjadwal'));
    await page.waitForSelector('[data-testid="upcoming"] [data-testid="visit"]');
    callVisit = { id: await page.$eval('[data-testid="upcoming"] [data-testid="visit"]', (el) => (el as any).dataset.visitId as string), start: first };
    // the booking message reached the mailbox
    const booked = await portal.mailTo(MOTHER.email, seen, /sudah terjadwal/);
    expect(booked.text).toMatch(/pukul \d{2}\.\d{2} WIB \(10 menit\) sudah terjadwal/);
    // one hour deadline: already past for a visit in two minutes
    const item = `[data-visit-id="${callVisit.id}"]`;
    expect(await text(page, item)).toContain('Batas waktu untuk memindah atau membatalkan sudah lewat.');
    expect(await page.$(`${item} [data-testid="move"]`)).toBeNull();
    expect(await page.$(`${item} [data-testid="cancel"]`)).toBeNull();
    const auth = await familyAuth(page);
    const moved = await portal.api('POST', `/api/family/visits/${callVisit.id}/move`, { scheduledStart: new Date(Date.parse(first) + 3600_000).toISOString() }, auth);
    expect(moved.status).toBe(409);
    expect(moved.body.error.code).toBe('change_deadline_passed');
    const cancelled = await portal.api('POST', `/api/family/visits/${callVisit.id}/cancel`, {}, auth);
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error.code).toBe('change_deadline_passed');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  });

  it('the 15-minute reminder (clock driven by the test) arrives by e-mail in Indonesian, with the time in WIB and a join link', async () => {
    const seen = portal.smtp.received.length;
    const sent = await portal.app.reminders.runOnce(new Date(Date.parse(callVisit.start) - 14 * 60_000));
    // the app's own sweep (real clock, every minute) may have sent it first: exactly one mail either way
    expect([0, 1]).toContain(sent);
    const earlier = portal.smtp.received.slice(0, seen).filter((m) => m.to.includes(MOTHER.email) && /15 menit lagi/.test(m.text));
    const mail = earlier[0] ?? await portal.mailTo(MOTHER.email, seen, /15 menit lagi/);
    expect(mail.text).toContain('Kunjungan video Anda di');
    expect(mail.text).toMatch(/dimulai 15 menit lagi \(.+ pukul \d{2}\.\d{2} WIB\)/);
    const link = mail.text.match(/https?:\/\/\S+\/family\/\?t=\S+/)?.[0];
    expect(link, mail.text).toBeTruthy();
    // a second run sends nothing more
    expect(await portal.app.reminders.runOnce(new Date(Date.parse(callVisit.start) - 13 * 60_000))).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(portal.smtp.received.filter((m) => m.to.includes(MOTHER.email) && /15 menit lagi/.test(m.text))).toHaveLength(1);
  });

  it('opens the call from Kunjungan saya ("Buka panggilan video") and talks to the booth: both in call, each sees the other', async () => {
    booth = await launchBrowser({ media: fakeMedia('blue', 660) });
    csp.push(await watchContentSecurityPolicy(booth.page));
    await booth.page.goto(`${portal.app.url}/booth/?t=${boothToken}`);
    const { page } = mother;
    await page.click('[data-testid="nav-visits"]');
    const join = `[data-visit-id="${callVisit.id}"] [data-testid="join"]`;
    await page.waitForSelector(join);
    expect(await text(page, join)).toBe('Buka panggilan video');
    await page.click(join);
    await waitUntil('on the call page', async () => new URL(page.url()).pathname === '/family/');
    const untilStart = Math.max(0, Date.parse(callVisit.start) - Date.now());
    await waitUntil('booth waiting for the family', async () => ['waiting', 'in-call'].includes((await bodyState(booth!.page)).state ?? ''), untilStart / 4 + 30_000);
    expect((await bodyState(booth.page)).visitId).toBe(callVisit.id);
    await waitUntil('family in call', async () => (await bodyState(page)).state === 'in-call', 30_000);
    await waitUntil('booth in call', async () => (await bodyState(booth!.page)).state === 'in-call', 30_000);
    await waitUntil('family sees blue (booth)', async () => dominant(await averageColour(page, REMOTE)) === 'blue', 20_000);
    await waitUntil('booth sees red (family)', async () => dominant(await averageColour(booth!.page, REMOTE)) === 'red', 20_000);
    page.once('dialog', (d) => void d.accept());
    await page.click('[data-testid="hang-up"]');
    await waitUntil('family ended', async () => (await bodyState(page)).state === 'ended');
    await waitUntil('the visit ended', async () => (await portal.api('GET', `/api/visits/${callVisit.id}`)).body.visit.status === 'ended');
  });

  it('moves a visit within the deadline: the new time is shown, and the facility\'s schedule has it', async () => {
    const { page } = mother;
    await page.goto(`${portal.app.url}/kunjungan/`);
    await page.waitForSelector('[data-testid="upcoming"]');
    const starts = await openSlots(page, tomorrow);
    expect(starts.length).toBe(144); // all day in 10-minute slots
    const from = starts[60]!; // 10.00 WIB
    await page.click(`[data-testid="slot"][data-start="${from}"]`);
    await waitUntil('booked notice', async () => (await text(page, '#notice')).startsWith('Kunjungan terjadwal'));
    const id = await waitUntil('the new visit', () => page.$$eval('[data-testid="upcoming"] [data-testid="visit"]', (els, s) => {
      const hit = els.find((el) => (el.textContent ?? '').includes('10.00 WIB'));
      return hit ? (hit as any).dataset.visitId as string : null;
    }, from));
    const item = `[data-visit-id="${id}"]`;
    expect(await text(page, item)).toContain('Dapat dipindah atau dibatalkan sampai');
    await page.click(`${item} [data-testid="move"]`);
    await waitUntil('move page', async () => (await text(page, '[data-testid="book"]')).includes('Pindah jadwal kunjungan'));
    const to = await waitUntil('times of the same day', async () => {
      const now = await page.$$eval('[data-testid="slot"]', (els) => els.map((b) => (b as any).dataset.start as string));
      return now.find((start) => Date.parse(start) === Date.parse(from) + 4 * 3600_000); // 14.00 WIB
    });
    await page.click(`[data-testid="slot"][data-start="${to}"]`);
    await waitUntil('moved notice', async () => (await text(page, '#notice')).startsWith('Jadwal dipindahkan ke'));
    expect(await text(page, '#notice')).toContain('14.00 WIB');
    await page.waitForSelector(item);
    expect(await text(page, item)).toContain('14.00 WIB');
    expect(await text(page, item)).not.toContain('10.00 WIB');
    expect((await portal.api('GET', `/api/visits/${id}`)).body.visit.scheduledStart).toBe(new Date(to!).toISOString());
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  });

  it('quota: with a weekly quota of 1 already used, the times say the quota is spent and a booking is refused with a clear message', async () => {
    expect((await portal.api('PUT', '/api/facility/rules', rules({ quota: { count: 1, period: 'week' } }))).status).toBe(200);
    const { page } = mother;
    await page.click('[data-testid="nav-visits"]');
    await page.waitForSelector('[data-testid="upcoming"]');
    // the day after tomorrow, same ISO week unless tomorrow is Sunday
    const sameWeek = new Date(`${tomorrow}T00:00:00Z`).getUTCDay() === 0 ? tomorrow : addDays(tomorrow, 1);
    const starts = await openSlots(page, sameWeek);
    expect(starts).toEqual([]);
    expect(await text(page, '[data-testid="slots-box"]')).toContain('Jatah kunjungan WBP ini untuk periode tersebut sudah habis');
    const visitorId = await page.$eval('[data-testid="book-visitor"]', (el) => (el as any).value as string);
    const refused = await portal.api('POST', '/api/family/visits', { visitorId, scheduledStart: `${sameWeek}T05:00:00.000Z` }, await familyAuth(page));
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('quota_exceeded');
    // a week later the quota is free again
    expect((await openSlots(page, addDays(sameWeek, 7))).length).toBe(144);
  });

  it('two families race for the last booth at the same time: one books it, the other gets a clear message and fresh times', async () => {
    await portal.signIn(aunt.page, AUNT);
    await portal.signIn(uncle.page, UNCLE);
    const day = addDays(today, 2);
    const [a, u] = await Promise.all([openSlots(aunt.page, day), openSlots(uncle.page, day)]);
    const slot = a[50]!;
    expect(u).toContain(slot);
    await Promise.all([
      aunt.page.click(`[data-testid="slot"][data-start="${slot}"]`),
      uncle.page.click(`[data-testid="slot"][data-start="${slot}"]`),
    ]);
    const outcome = async (s: BrowserSession) => waitUntil('an outcome', async () => {
      if ((await s.page.$('#notice')) && (await text(s.page, '#notice')).startsWith('Kunjungan terjadwal')) return 'booked';
      const status = (await s.page.$('[data-testid="book-status"]')) ? await text(s.page, '[data-testid="book-status"]') : '';
      return status.startsWith('Maaf, waktu itu baru saja dipesan orang lain.') ? 'taken' : null;
    });
    const [auntGot, uncleGot] = [await outcome(aunt), await outcome(uncle)];
    expect([auntGot, uncleGot].sort()).toEqual(['booked', 'taken']);
    const loser = auntGot === 'taken' ? aunt : uncle;
    await waitUntil('fresh times without the taken one', async () => {
      const now = await loser.page.$$eval('[data-testid="slot"]', (els) => els.map((b) => (b as any).dataset.start as string));
      return now.length === a.length - 1 && !now.includes(slot);
    });
    expect(await loser.page.$$eval('[data-testid="slot"]', (els) => els.every((b) => !(b as any).disabled))).toBe(true);
    const visits = await portal.app.storage.db.selectFrom('visits').select(['id']).where('scheduled_start', '=', new Date(slot).toISOString()).where('status', '=', 'scheduled').execute();
    expect(visits).toHaveLength(1);
  });

  it('every page ran under the strict Content-Security-Policy', () => {
    expect(csp.flatMap((w) => cspProblems(w, portal.app.url))).toEqual([]);
  });
});
