import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { id as idText } from '../../client/i18n/id.ts';
import { launchBrowser, waitUntil, type BrowserSession } from '../helpers/browser.ts';
import { fakeMedia } from '../helpers/fake-media.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

const NOTICE = '[data-testid="monitored-notice"]';

/** The standing notice tells the truth: monitored and recorded, unless legal counsel. */
describe('the call pages say whether the call is monitored and recorded (real Chromium)', () => {
  let app: App;
  let browser: BrowserSession;

  beforeAll(async () => {
    app = await startTestApp();
    browser = await launchBrowser({ media: fakeMedia('green', 520) });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function noticeFor(privileged: boolean): Promise<{ monitored: string; text: string }> {
    const visit = await seedVisit(app);
    if (privileged) await app.storage.db.updateTable('visits').set({ privileged: 1, privileged_approval: 'approved' }).where('id', '=', visit.visitId).execute();
    await browser.page.goto(`${app.url}/family/?t=${visit.joinTokens[0]}`);
    return waitUntil('notice rendered from the visit', () =>
      browser.page.$eval(NOTICE, (el) => {
        const monitored = el.getAttribute('data-monitored');
        return monitored ? { monitored, text: el.textContent ?? '' } : null;
      }),
    );
  }

  it('an ordinary visit: monitored and recorded', async () => {
    expect(await noticeFor(false)).toEqual({ monitored: 'true', text: idText['call.monitored'] });
  });

  it('a legal counsel visit: neither monitored nor recorded', async () => {
    expect(await noticeFor(true)).toEqual({ monitored: 'false', text: idText['call.privileged'] });
  });
});
