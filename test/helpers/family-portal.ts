import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import sharp from 'sharp';
import type { App } from '../../server/app.ts';
import { waitUntil } from './browser.ts';
import { startSmtpReceiver, type SmtpReceiver } from './smtp-receiver.ts';
import { createFacility, loginOfficer, startTestApp } from './test-app.ts';

export const text = (page: Page, selector: string) => page.$eval(selector, (el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim());
export const overflow = (page: Page) => page.evaluate(() => { const root = (globalThis as any).document.documentElement; return (root.scrollWidth - root.clientWidth) as number; });

/** Sets an input's or select's value the way a person's choice does (input + change events). */
export async function choose(page: Page, selector: string, value: string): Promise<void> {
  await page.$eval(selector, (el, v) => {
    (el as any).value = v;
    el.dispatchEvent(new (globalThis as any).Event('input', { bubbles: true }));
    el.dispatchEvent(new (globalThis as any).Event('change', { bubbles: true }));
  }, value);
}

export interface FamilyPerson { name: string; nik: string; email: string; phone: string }

/** An app whose one facility mails every family message to a real SMTP server, plus a supervisor of it. */
export async function startPortal() {
  const smtp: SmtpReceiver = await startSmtpReceiver();
  const code = `LP-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-portal-'));
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({
    notifications: {
      sender: { intervalMs: 100 },
      channels: { mail: { kind: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, from: 'Kunjungan Video <noreply@lapas.example.id>' } },
      facilities: { [code]: ['mail'] },
    },
  }));
  const app: App = await startTestApp({ CONFIG_FILE: configFile });
  const facility = await createFacility(app, code);
  const officer = await loginOfficer(app, [facility.id], 'supervisor');
  const api = async (method: string, url: string, body?: unknown, auth: Record<string, string> = officer.auth) => {
    const res = await fetch(`${app.url}${url}`, { method, headers: { 'content-type': 'application/json', ...auth }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as any };
  };
  const ktp = await sharp({ create: { width: 640, height: 400, channels: 3, background: { r: 40, g: 90, b: 200 } } }).jpeg().toBuffer();
  /** The newest mail to `email` after `seen` mails had arrived that matches. */
  const mailTo = (email: string, seen: number, matches: RegExp = /./) => waitUntil(`a mail for ${email} matching ${matches}`, async () =>
    smtp.received.slice(seen).reverse().find((m) => m.to.includes(email) && matches.test(m.text)), 30_000);
  const env = { app, smtp, facility, officer, api, mailTo,
    /** Registers through the API and has the officer approve it (the page flow is covered in family-portal.test.ts). */
    async registerApproved(person: FamilyPerson, registrationNumber: string, relationship = 'orang_tua'): Promise<void> {
      const form = new FormData();
      for (const [k, v] of Object.entries({ facilityId: facility.id, registrationNumber, name: person.name, nik: person.nik, relationship, phone: person.phone, email: person.email })) form.set(k, v);
      form.set('ktp', new Blob([new Uint8Array(ktp)], { type: 'image/jpeg' }), 'ktp.jpg');
      const res = await fetch(`${app.url}/api/family/registrations`, { method: 'POST', body: form });
      if (res.status !== 202) throw new Error(`registration of ${person.name}: ${res.status}`);
      const list = await api('GET', '/api/family/registrations?status=pending');
      const mine = (list.body.registrations as Array<{ id: string; name: string }>).find((r) => r.name === person.name);
      if (!mine) throw new Error(`no pending registration of ${person.name}`);
      const approved = await api('POST', `/api/family/registrations/${mine.id}/approve`, {});
      if (approved.status !== 200) throw new Error(`approval of ${person.name}: ${approved.status} ${JSON.stringify(approved.body)}`);
    },
    /** Signs in on the portal page with NIK + the code read from the SMTP server; lands on Kunjungan saya. */
    async signIn(page: Page, person: FamilyPerson): Promise<void> {
      await page.goto(`${app.url}/kunjungan/#masuk`);
      await page.waitForSelector(`[data-testid="nik-form"] option[value="${facility.id}"]`);
      await choose(page, '[data-testid="nik-form"] select[name="facilityId"]', facility.id);
      await page.type('[data-testid="nik-form"] input[name="nik"]', person.nik);
      const seen = smtp.received.length;
      await page.click('[data-testid="nik-form"] button[type="submit"]');
      await page.waitForSelector('[data-testid="code-form"]:not([hidden])');
      const mail = await mailTo(person.email, seen, /\b\d{6}\b/);
      await page.type('[data-testid="code-form"] input[name="code"]', mail.text.match(/\b(\d{6})\b/)![1]!);
      await page.click('[data-testid="code-form"] button[type="submit"]');
      await page.waitForSelector('[data-testid="sign-out"]');
      await page.waitForSelector('[data-testid="upcoming"]');
    },
    async close(): Promise<void> {
      await app.close();
      await smtp.close();
    },
  };
  return env;
}
export type Portal = Awaited<ReturnType<typeof startPortal>>;

/** The family's bearer header, read from the page's session. */
export async function familyAuth(page: Page): Promise<Record<string, string>> {
  const token = await page.evaluate(() => JSON.parse((globalThis as any).sessionStorage.getItem('kv.family.session')).token as string);
  return { authorization: `Bearer ${token}` };
}

/** Opens Buat jadwal on `date` and waits for its times; returns their starts. */
export async function openSlots(page: Page, date: string, visitorId?: string): Promise<string[]> {
  await page.click('[data-testid="nav-book"]');
  await page.waitForSelector('[data-testid="book-date"]');
  if (visitorId) await choose(page, '[data-testid="book-visitor"]', visitorId);
  await choose(page, '[data-testid="book-date"]', date);
  return waitUntil(`times of ${date}`, async () => {
    const starts = await page.$$eval('[data-testid="slot"]', (els) => els.map((b) => (b as any).dataset.start as string));
    if (starts.length) return starts;
    return (await page.$('[data-testid="no-slots"]')) ? [] : null;
  }, 20_000);
}
