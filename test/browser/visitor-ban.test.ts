import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { id as idText } from '../../client/i18n/id.ts';
import { localToday } from '../../server/facilities/local-day.ts';
import { bodyState, launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { loginOfficer, startTestApp } from '../helpers/test-app.ts';

describe('a banned visitor’s link stops working (real Chromium)', () => {
  let app: App;
  let browser: BrowserSession;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const ban = (auth: Record<string, string>, visitorId: string) =>
    fetch(`${app.url}/api/visitors/${visitorId}/ban`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'membawa barang terlarang', until: localToday('Asia/Jakarta') }),
    });

  async function expectBannedMessage() {
    const page = browser.page;
    await waitUntil('refused (visitor_banned)', async () => (await bodyState(page)).state === 'refused', 15_000);
    expect((await bodyState(page)).refusal).toBe('visitor_banned');
    expect(await page.$eval('[data-testid="status-message"]', (el) => el.textContent ?? '')).toBe(idText['call.refused.visitor_banned']);
  }

  it('an open family page is told at once when the visitor is banned', async () => {
    const seeded = await seedVisit(app);
    const supervisor = await loginOfficer(app, [seeded.facilityId], 'supervisor');
    await browser.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    await waitUntil('family page in the call', async () => ['waiting', 'in-call'].includes((await bodyState(browser.page)).state ?? ''), 20_000);
    expect((await ban(supervisor.auth, seeded.visitors[0]!.id)).status).toBe(200);
    await expectBannedMessage();
  });

  it('opening the link of a banned visitor shows why, in Indonesian', async () => {
    const seeded = await seedVisit(app);
    const supervisor = await loginOfficer(app, [seeded.facilityId], 'supervisor');
    expect((await ban(supervisor.auth, seeded.visitors[0]!.id)).status).toBe(200);
    await browser.page.goto(`${app.url}/family/?t=${seeded.joinTokens[0]}`);
    await expectBannedMessage();
  });
});
