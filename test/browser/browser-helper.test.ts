import { describe, expect, it } from 'vitest';
import { launchBrowser, PUPPETEER_PROTOCOL_TIMEOUT_MS, PUPPETEER_TIMEOUT_MS, WAIT_SCALE } from '../helpers/browser.ts';

describe('the tests’ Chromium waits as long on a busy machine as waitUntil does', () => {
  it('puppeteer’s own timeouts (waitFor*, goto, one DevTools call) are multiplied by TEST_WAIT_SCALE on every page', async () => {
    const session = await launchBrowser();
    try {
      const extraTab = await session.browser.newPage();
      const scaled = PUPPETEER_TIMEOUT_MS * WAIT_SCALE;
      for (const page of [session.page, extraTab]) expect([page.getDefaultTimeout(), page.getDefaultNavigationTimeout()]).toEqual([scaled, scaled]);
      const cdp = await session.page.createCDPSession();
      expect(cdp.connection()?.timeout).toBe(PUPPETEER_PROTOCOL_TIMEOUT_MS * WAIT_SCALE);
    } finally {
      await session.close();
    }
  });
});
