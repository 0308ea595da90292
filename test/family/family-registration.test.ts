import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { localToday } from '../../server/facilities/local-day.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A plausible NIK: DKI Jakarta, woman born 5 January 1990, serial n. */
const nik = (n: number) => `317101450190${String(n).padStart(4, '0')}`;
const SECRET_IN_EXIF = 'LOKASI-RAHASIA-GPS';

async function ktpJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 40, channels: 3, background: { r: 200, g: 180, b: 90 } } })
    .jpeg()
    .withExif({ IFD0: { Copyright: SECRET_IN_EXIF, Artist: SECRET_IN_EXIF } })
    .toBuffer();
}

function jakarta(days: number, hhmm: string): string {
  return `${localToday('Asia/Jakarta', new Date(Date.now() + days * 86_400_000))}T${hhmm}:00+07:00`;
}

describe.each(['sqlite', 'postgres'] as const)('family registration and sign-in on %s', (kind) => {
  let app: App;
  let smtp: SmtpReceiver;
  let dropSchema: (() => Promise<void>) | undefined;
  let facA: { id: string; code: string };
  let facB: { id: string; code: string };
  let offA: Record<string, string>;
  let supA: Record<string, string>;
  let offB: Record<string, string>;
  let inmate: Json;
  let jpeg: Buffer;

  async function call(method: string, p: string, body?: unknown, auth: Record<string, string> = {}) {
    const res = await fetch(`${app.url}/api${p}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, body: type.includes('json') ? ((await res.json()) as Json) : Buffer.from(await res.arrayBuffer()) };
  }

  async function register(fields: Record<string, string>, image: Buffer | null = jpeg) {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    if (image) form.set('ktp', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'ktp.jpg');
    const started = performance.now();
    const res = await fetch(`${app.url}/api/family/registrations`, { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as Json, ms: performance.now() - started };
  }

  const person = (n: number, over: Record<string, string> = {}) => ({
    facilityId: facA.id, registrationNumber: inmate.registrationNumber, name: `Siti ${n}`, nik: nik(n), relationship: 'anak', phone: `0812345678${String(n).padStart(2, '0')}`,
    email: `keluarga${n}@contoh.example`, ...over,
  });

  const queue = async (status = 'pending') => (await call('GET', `/family/registrations?status=${status}`, undefined, offA)).body.registrations as Json[];
  const regOf = async (n: number, status = 'pending') => (await queue(status)).find((r) => r.name === `Siti ${n}`);

  /** Asks for a code and reads it from the mail the outbox sent to the real SMTP server. */
  async function codeFor(n: number): Promise<string> {
    const before = smtp.received.length;
    const asked = await call('POST', '/family/sign-in/code', { facilityId: facA.id, nik: nik(n) });
    expect(asked).toMatchObject({ status: 202, body: { sent: true } });
    for (let i = 0; i < 100; i++) {
      // The decision message may arrive meanwhile too: the code is in the one that has 6 digits.
      const mails = smtp.received.slice(before).filter((m) => m.to.includes(`keluarga${n}@contoh.example`));
      const code = mails.map((m) => m.text.match(/\b(\d{6})\b/)?.[1]).find(Boolean);
      if (code) return code;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no code mail arrived');
  }

  async function signedIn(n: number) {
    const code = await codeFor(n);
    const res = await call('POST', '/family/sign-in', { facilityId: facA.id, nik: nik(n), code });
    expect(res.status).toBe(200);
    return { authorization: `Bearer ${res.body.token}` };
  }

  async function approved(n: number) {
    expect((await register(person(n))).status).toBe(202);
    const reg = await regOf(n);
    const res = await call('POST', `/family/registrations/${reg.id}/approve`, {}, offA);
    expect(res.status).toBe(200);
    return res.body.visitorId as string;
  }

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    const pg = kind === 'postgres' ? await freshPostgresSchema() : undefined;
    dropSchema = pg?.drop;
    const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-fam-')), 'config.json');
    writeFileSync(configFile, JSON.stringify({
      notifications: {
        sender: { intervalMs: 100 },
        channels: { mail: { kind: 'smtp', host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, from: 'Lapas Uji <kunjungan@lapas-uji.example>' } },
        facilities: { '*': ['mail'] },
      },
    }));
    app = await startTestApp({ CONFIG_FILE: configFile, ...(pg ? { DATABASE_URL: pg.url } : {}) });
    facA = await createFacility(app);
    facB = await createFacility(app);
    const [a, s, b] = await Promise.all([loginOfficer(app, [facA.id], 'officer'), loginOfficer(app, [facA.id], 'supervisor'), loginOfficer(app, [facB.id], 'officer')]);
    [offA, supA, offB] = [a.auth, s.auth, b.auth];
    inmate = (await call('POST', '/inmates', { registrationNumber: `BI.${randomUUID().slice(0, 6)}`, name: 'Budi Santoso', block: 'A' }, supA)).body.inmate;
    jpeg = await ktpJpeg();
    expect((await sharp(jpeg).metadata()).exif?.toString('latin1')).toContain(SECRET_IN_EXIF);
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await dropSchema?.();
  });

  it('answers 202 pending alike for a known number, an unknown number and a duplicate pending request; stores no duplicate', async () => {
    const known = await register(person(1));
    const unknown = await register(person(2, { registrationNumber: 'TIDAK-ADA/0000' }));
    const duplicate = await register(person(1));
    for (const r of [known, unknown, duplicate]) expect([r.status, r.body]).toEqual([202, { status: 'pending' }]);
    const pending = await queue();
    expect(pending.filter((r) => r.name === 'Siti 1')).toHaveLength(1);
    expect(pending.find((r) => r.name === 'Siti 1')).toMatchObject({ inmate: { id: inmate.id, name: 'Budi Santoso' }, nikMasked: `************${nik(1).slice(12)}`, phone: '+6281234567801' });
    expect(pending.find((r) => r.name === 'Siti 2')).toMatchObject({ inmate: null, registrationNumber: 'TIDAK-ADA/0000' });
    // The NIK is stored like visitors' (keyed hash, last 4, encrypted), never in clear.
    const stored = JSON.stringify([
      await app.storage.db.selectFrom('family_accounts').selectAll().execute(),
      await app.storage.db.selectFrom('family_registrations').selectAll().execute(),
    ]);
    expect(stored).not.toContain(nik(1));
    expect(stored).toContain(app.ctx.nikVault.lookupHash(nik(1)));
    // Another facility's officer sees none of it.
    expect((await call('GET', '/family/registrations', undefined, offB)).body.registrations).toEqual([]);
  });

  it('refuses bad input naming the field: non-image KTP bytes, a missing KTP, a bad NIK, counsel', async () => {
    const fake = await register(person(3), Buffer.from('%PDF-1.4 bukan gambar'));
    expect(fake.status).toBe(400);
    expect(fake.body.error.fields.ktp[0]).toMatch(/JPEG, PNG or WebP/);
    const none = await register(person(3), null);
    expect([none.status, Object.keys(none.body.error.fields)]).toEqual([400, ['ktp']]);
    const badNik = await register(person(3, { nik: '1234' }));
    expect(Object.keys(badNik.body.error.fields)).toEqual(['nik']);
    const counsel = await register(person(3, { relationship: 'kuasa_hukum' }));
    expect(Object.keys(counsel.body.error.fields)).toEqual(['relationship']);
    expect(await regOf(3)).toBeUndefined();
  });

  it('keeps the KTP image without its metadata; officers of the facility only, not cached, audited', async () => {
    const reg = await regOf(1);
    const image = await call('GET', `/family/registrations/${reg.id}/ktp`, undefined, offA);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(image.headers.get('cache-control')).toBe('no-store');
    const bytes = image.body as Buffer;
    expect(bytes.toString('latin1')).not.toContain(SECRET_IN_EXIF);
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height, meta.exif]).toEqual([64, 40, undefined]);
    expect((await call('GET', `/family/registrations/${reg.id}/ktp`, undefined, offB)).status).toBe(404);
    const audit = await app.storage.db.selectFrom('audit_log').select('action').where('subject_id', '=', reg.id).execute();
    expect(audit.map((a) => a.action)).toContain('family.registration.ktp_viewed');
  });

  it('approval creates a visitor (phone, account) that POST /api/visits books; no matching inmate → 409', async () => {
    const reg = await regOf(1);
    expect((await call('POST', `/family/registrations/${reg.id}/approve`, {}, offB)).status).toBe(404);
    const res = await call('POST', `/family/registrations/${reg.id}/approve`, {}, offA);
    expect(res.status).toBe(200);
    expect(res.body.registration).toMatchObject({ status: 'approved' });
    const visitor = await app.storage.db.selectFrom('visitors').selectAll().where('id', '=', res.body.visitorId).executeTakeFirstOrThrow();
    expect(visitor).toMatchObject({ inmate_id: inmate.id, phone: '+6281234567801', relationship: 'anak', name: 'Siti 1' });
    expect(visitor.family_account_id).toBeTruthy();
    expect((await call('POST', `/family/registrations/${reg.id}/approve`, {}, offA)).body.error.code).toBe('not_pending');
    const booth = (await call('POST', '/booths', { name: 'Bilik 1' }, supA)).body.booth;
    const visit = await call('POST', '/visits', { inmateId: inmate.id, boothId: booth.id, visitorIds: [visitor.id], scheduledStart: jakarta(1, '09:00'), durationMinutes: 15 }, offA);
    expect(visit.status).toBe(201);
    const unmatched = await regOf(2);
    const refused = await call('POST', `/family/registrations/${unmatched.id}/approve`, {}, offA);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'no_matching_inmate']);
    const messages = await app.storage.db.selectFrom('notification_outbox').select('idempotency_key').where('idempotency_key', '=', `registration.approved:${reg.id}`).execute();
    expect(messages).toHaveLength(1);
  });

  it('signs in with the code read from the real SMTP server; /me shows the own data; a code works once', async () => {
    const code = await codeFor(1);
    const res = await call('POST', '/family/sign-in', { facilityId: facA.id, nik: nik(1), code });
    expect(res.status).toBe(200);
    expect(res.body.account).toEqual({ name: 'Siti 1', language: 'id' });
    const me = await call('GET', '/family/me', undefined, { authorization: `Bearer ${res.body.token}` });
    expect(me.status).toBe(200);
    expect(me.body.account).toMatchObject({ name: 'Siti 1', phone: '+6281234567801', nikMasked: `************${nik(1).slice(12)}` });
    expect(me.body.visitors).toEqual([{ visitorId: expect.any(String), relationship: 'anak', inmate: { id: inmate.id, name: 'Budi Santoso', registrationNumber: inmate.registrationNumber } }]);
    expect(me.body.registrations.map((r: Json) => r.status)).toEqual(['approved']);
    expect((await call('POST', '/family/sign-in', { facilityId: facA.id, nik: nik(1), code })).body.error.code).toBe('bad_code');
  });

  it('asking again within a minute sends no second code; the first still works', async () => {
    const first = await codeFor(1);
    const before = smtp.received.length;
    expect((await call('POST', '/family/sign-in/code', { facilityId: facA.id, nik: nik(1) })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received.slice(before).filter((m) => /\b\d{6}\b/.test(m.text))).toEqual([]);
    expect((await call('POST', '/family/sign-in', { facilityId: facA.id, nik: nik(1), code: first })).status).toBe(200);
  });

  it('a rejected registration shows its reason in /me', async () => {
    expect((await register(person(4))).status).toBe(202);
    const reg = await regOf(4);
    expect((await call('POST', `/family/registrations/${reg.id}/reject`, { reason: '' }, offA)).status).toBe(400);
    const rejected = await call('POST', `/family/registrations/${reg.id}/reject`, { reason: 'Foto KTP tidak terbaca' }, offA);
    expect(rejected.body.registration).toMatchObject({ status: 'rejected', reason: 'Foto KTP tidak terbaca' });
    const auth = await signedIn(4);
    const me = (await call('GET', '/family/me', undefined, auth)).body;
    expect(me.registrations).toEqual([expect.objectContaining({ id: reg.id, status: 'rejected', reason: 'Foto KTP tidak terbaca' })]);
    expect(me.visitors).toEqual([]);
  });

  it('5 wrong codes kill the code and start a cool-down (429 Retry-After); an unknown NIK answers the same', async () => {
    await approved(5);
    const code = await codeFor(5);
    const wrong = code === '000000' ? '000001' : '000000';
    for (const n of [5, 77]) {
      for (let i = 1; i <= 4; i++) {
        const res = await call('POST', '/family/sign-in', { facilityId: facA.id, nik: nik(n), code: wrong });
        expect([res.status, res.body.error.code]).toEqual([401, 'bad_code']);
      }
      const fifth = await call('POST', '/family/sign-in', { facilityId: facA.id, nik: nik(n), code: wrong });
      expect([fifth.status, fifth.body.error.code]).toEqual([429, 'too_many_attempts']);
      expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    }
    const right = await call('POST', '/family/sign-in', { facilityId: facA.id, nik: nik(5), code });
    expect([right.status, right.body.error.code]).toEqual([429, 'too_many_attempts']);
    // An unknown NIK asks for a code: the same answer, and no mail.
    const before = smtp.received.length;
    expect(await call('POST', '/family/sign-in/code', { facilityId: facA.id, nik: nik(88) })).toMatchObject({ status: 202, body: { sent: true } });
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received.length).toBe(before);
  });

  it('an expired code is refused', async () => {
    const visitor = await approved(6);
    expect(visitor).toBeTruthy();
    const code = await codeFor(6);
    await app.storage.db.updateTable('family_sign_in_codes').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute();
    const res = await call('POST', '/family/sign-in', { facilityId: facA.id, nik: nik(6), code });
    expect([res.status, res.body.error.code]).toEqual([401, 'bad_code']);
  });

  it('a family token is refused on officer routes, an officer token on family routes; one family sees only its own data', async () => {
    const family6 = await signedIn(6);
    for (const p of ['/inmates', '/visits', '/family/registrations', '/notifications']) {
      const res = await call('GET', p, undefined, family6);
      expect([p, res.status]).toEqual([p, 401]);
    }
    const officerOnFamily = await call('GET', '/family/me', undefined, offA);
    expect([officerOnFamily.status, officerOnFamily.body.error.code]).toEqual([401, 'token_invalid']);
    const family1 = await signedIn(1);
    const me1 = (await call('GET', '/family/me', undefined, family1)).body;
    const me6 = (await call('GET', '/family/me', undefined, family6)).body;
    expect(me1.account.name).toBe('Siti 1');
    expect(me6.account.name).toBe('Siti 6');
    const ids1 = new Set([...me1.registrations.map((r: Json) => r.id), ...me1.visitors.map((v: Json) => v.visitorId)]);
    for (const r of [...me6.registrations.map((x: Json) => x.id), ...me6.visitors.map((v: Json) => v.visitorId)]) expect(ids1.has(r)).toBe(false);
  });
});
