import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

describe('officer dashboard sign-out and revocation, in real Chromium', () => {
  let app: App;
  let browser: BrowserSession;
  let facilityId: string;
  beforeAll(async () => {
    app = await startTestApp();
    facilityId = (await createFacility(app)).id;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const officerSockets = (officerId: string) =>
    [...app.io.of('/call').sockets.values()].filter((s) => (s.data as { officer?: { officerId: string } }).officer?.officerId === officerId).length;

  /** Signs in on /officer/ and waits for the live view and its call connection; returns the page's token. */
  async function signIn(who: Awaited<ReturnType<typeof loginOfficer>>): Promise<string> {
    const { page } = browser;
    await page.goto(`${app.url}/officer/#live`);
    await page.waitForSelector('#login-form input[name="username"]');
    await page.type('#login-form input[name="username"]', who.username);
    await page.type('#login-form input[name="password"]', who.password);
    await page.click('#login-form button[type="submit"]');
    await waitUntil('dashboard live', async () => (await bodyState(page)).state === 'live');
    await waitUntil('live connection open', async () => officerSockets(who.officer.id) === 1);
    return page.evaluate(() => (globalThis as any).sessionStorage.getItem('kv.officer.token') as string);
  }

  it('the sign-out button ends the session on the server: the token is refused and the live connection closed', async () => {
    const officer = await loginOfficer(app, [facilityId]);
    const token = await signIn(officer);
    expect((await fetch(`${app.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    await browser.page.click('.officer-bar [data-i18n="officer.logout"]');
    await waitUntil('login form again', async () => (await browser.page.$('#login-form')) !== null);
    await waitUntil('live connection closed', async () => officerSockets(officer.officer.id) === 0, 5000);
    const me = await fetch(`${app.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    expect(await me.json()).toMatchObject({ error: { code: 'token_revoked' } });
  });

  it('an officer disabled while the dashboard is open is sent back to the sign-in form', async () => {
    const admin = await loginOfficer(app, [facilityId], 'admin');
    const officer = await loginOfficer(app, [facilityId]);
    await signIn(officer);
    const res = await fetch(`${app.url}/api/officers/${officer.officer.id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json', ...admin.auth }, body: JSON.stringify({ disabled: true, reason: 'akun dinonaktifkan' }),
    });
    expect(res.status).toBe(200);
    // closed by the server within 2 s; the page goes back to the sign-in form without waiting for its next poll
    await waitUntil('live connection closed', async () => officerSockets(officer.officer.id) === 0, 2000, 50);
    await waitUntil('login form again', async () => (await browser.page.$('#login-form')) !== null, 5000);
  });
});
