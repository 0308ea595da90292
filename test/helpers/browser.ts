import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { FakeMedia } from './fake-media.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** console lines and page errors, for failure messages */
  logs: string[];
  close(): Promise<void>;
}

/**
 * How much longer than its nominal window a condition may take. A wait ends as soon as its
 * condition holds, so a generous bound costs nothing on an idle machine; on a busy 2-core
 * machine (CI, several Chromiums) a nominal 15 s window was too short.
 */
export const WAIT_SCALE = Math.max(1, Number(process.env.TEST_WAIT_SCALE ?? 3));

/** Puppeteer's own nominal windows: waitFor*, goto and other navigations; one DevTools call. */
export const PUPPETEER_TIMEOUT_MS = 30_000;
export const PUPPETEER_PROTOCOL_TIMEOUT_MS = 60_000;

/** Puppeteer's waits (waitForSelector, waitForFunction, goto, …) scaled like waitUntil's. */
function withScaledTimeouts(page: Page): Page {
  page.setDefaultTimeout(PUPPETEER_TIMEOUT_MS * WAIT_SCALE);
  page.setDefaultNavigationTimeout(PUPPETEER_TIMEOUT_MS * WAIT_SCALE);
  return page;
}

/** One headless Chromium with one page; fake camera/microphone fed from `media` when given. */
export async function launchBrowser(options: { media?: FakeMedia; extraArgs?: string[]; preferences?: Record<string, unknown> } = {}): Promise<BrowserSession> {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-chromium-'));
  if (options.preferences) {
    // The profile's user preferences, as chrome://settings would have stored them.
    mkdirSync(path.join(userDataDir, 'Default'));
    writeFileSync(path.join(userDataDir, 'Default', 'Preferences'), JSON.stringify(options.preferences));
  }
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    `--user-data-dir=${userDataDir}`,
    ...(options.media ? [`--use-file-for-fake-video-capture=${options.media.video}`, `--use-file-for-fake-audio-capture=${options.media.audio}`] : []),
    ...(options.extraArgs ?? []),
  ];
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args, protocolTimeout: PUPPETEER_PROTOCOL_TIMEOUT_MS * WAIT_SCALE });
  // Every page of this browser, the tests' extra tabs included, waits as long as waitUntil does.
  const openPage = browser.newPage.bind(browser);
  browser.newPage = async (...pageArgs) => withScaledTimeouts(await openPage(...pageArgs));
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.length < 500 && logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.length < 500 && logs.push(`pageerror: ${(e as Error).message}`));
  return {
    browser,
    page,
    logs,
    async close() {
      await browser.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}


/** Polls `fn` in node until it returns a truthy value (bounded by count and time: `timeoutMs` × WAIT_SCALE). */
export async function waitUntil<T>(what: string, fn: () => Promise<T | undefined | null | false>, nominalMs = 20_000, everyMs = 200): Promise<T> {
  const timeoutMs = nominalMs * WAIT_SCALE;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < Math.ceil(timeoutMs / everyMs) + 1 && Date.now() < deadline; i++) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
}

export function bodyState(page: Page): Promise<Record<string, string>> {
  // (page functions run in the browser; the node tsconfig has no DOM types)
  return page.evaluate(() => ({ ...(globalThis as any).document.body.dataset }) as Record<string, string>);
}

/** Average RGB of a <video> frame (drawn into a canvas); null when no frame is decoded yet. */
export function averageColour(page: Page, selector: string): Promise<[number, number, number] | null> {
  return page.evaluate((sel) => {
    const doc = (globalThis as any).document;
    const video = doc.querySelector(sel);
    if (!video || video.readyState < 2 || video.videoWidth === 0) return null;
    const canvas = doc.createElement('canvas');
    canvas.width = 32;
    canvas.height = 24;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height) as { data: Uint8ClampedArray };
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) {
      sum[0]! += data[i]!;
      sum[1]! += data[i + 1]!;
      sum[2]! += data[i + 2]!;
    }
    const n = data.length / 4;
    return [Math.round(sum[0]! / n), Math.round(sum[1]! / n), Math.round(sum[2]! / n)] as [number, number, number];
  }, selector);
}

/** Which of red / green / blue dominates a colour clearly, else null. */
export function dominant(rgb: [number, number, number] | null): 'red' | 'green' | 'blue' | null {
  if (!rgb) return null;
  const names = ['red', 'green', 'blue'] as const;
  const i = rgb.indexOf(Math.max(...rgb));
  const others = rgb.filter((_, j) => j !== i);
  return rgb[i]! > 120 && others.every((o) => o < rgb[i]! - 80) ? names[i]! : null;
}

/**
 * From the next navigation on, records every `<body data-state>` the page takes in
 * `window.__kvStates` (a short state can come and go between two polls).
 */
export function recordBodyStates(page: Page): Promise<unknown> {
  return page.evaluateOnNewDocument(() => {
    const w = globalThis as any;
    w.__kvStates = [];
    const watch = () => {
      const body = w.document.body;
      let last = '';
      const note = () => {
        const s = body.dataset.state ?? '';
        if (s !== last && w.__kvStates.length < 1000) w.__kvStates.push(s);
        last = s;
      };
      note();
      new w.MutationObserver(note).observe(body, { attributes: true, attributeFilter: ['data-state'] });
    };
    if (w.document.body) watch();
    else w.document.addEventListener('DOMContentLoaded', watch, { once: true });
  });
}

/** States recorded by recordBodyStates, oldest first. */
export function recordedStates(page: Page): Promise<string[]> {
  return page.evaluate(() => [...(((globalThis as any).__kvStates as string[] | undefined) ?? [])]);
}

/** What a page's Content-Security-Policy did since watchContentSecurityPolicy. */
export interface CspWatch {
  /** Main-frame documents loaded, with their CSP header (null when there was none). */
  documents: Array<{ url: string; csp: string | null }>;
  /** Every `securitypolicyviolation` any loaded page reported (what was blocked, where). */
  violations: string[];
}

/**
 * From the next navigation on, records each document's CSP header and every CSP violation of
 * the page (a blocked script, style, image or connection), so a test can prove the pages work
 * under the policy rather than silently losing part of themselves.
 */
export async function watchContentSecurityPolicy(page: Page): Promise<CspWatch> {
  const watch: CspWatch = { documents: [], violations: [] };
  await page.exposeFunction('__kvCspViolation', (v: string) => {
    if (watch.violations.length < 100) watch.violations.push(v);
  });
  await page.evaluateOnNewDocument(() => {
    const w = globalThis as any;
    w.document.addEventListener('securitypolicyviolation', (e: any) => {
      void w.__kvCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} on ${e.documentURI} (${e.sourceFile || '?'}:${e.lineNumber})`);
    });
  });
  page.on('response', (res) => {
    const req = res.request();
    if (req.isNavigationRequest() && req.frame() === page.mainFrame() && watch.documents.length < 100) {
      watch.documents.push({ url: res.url(), csp: res.headers()['content-security-policy'] ?? null });
    }
  });
  return watch;
}

/** The pages (paths) loaded under a watch that lacked the strict CSP, and the violations seen. */
export function cspProblems(watch: CspWatch, origin: string): string[] {
  const strict = (csp: string | null) => !!csp && /(^|;)\s*default-src 'self'/.test(csp) && /frame-ancestors 'none'/.test(csp);
  return [
    ...watch.documents.filter((d) => !strict(d.csp)).map((d) => `no strict CSP on ${d.url.replace(origin, '')}: ${d.csp}`),
    ...watch.violations,
  ];
}
