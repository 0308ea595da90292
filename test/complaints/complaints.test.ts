import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { verifyAuditChain } from '../../server/audit/audit-log.ts';
import { addWorkingDays } from '../../server/complaints/working-days.ts';
import { storageKinds } from '../helpers/storages.ts';
import { createFacility, loginOfficer } from '../helpers/test-app.ts';
import { auditActions, durableDatabase, GENEROUS_LIMITS, ONE_PIXEL_PNG, postJson, startPublicServicesApp } from '../helpers/public-services.ts';

const DESCRIPTION = 'Petugas meminta uang saat pendaftaran kunjungan di pintu utama.';

function submitForm(app: App, fields: Record<string, string>, file?: { data: Buffer; name: string; type: string }, headers: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('attachment', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
  return fetch(`${app.url}/api/complaints`, { method: 'POST', body: form, headers });
}

describe('response deadline', () => {
  it('counts working days on the facility calendar, skipping weekends and holidays', () => {
    // Friday 2025-08-15 10:00 WIB + 5 working days, with 17 Aug (Sunday) and 18 Aug a holiday.
    const from = new Date('2025-08-15T03:00:00Z');
    expect(addWorkingDays(from, 5, 'Asia/Jakarta', new Set()).toISOString()).toBe('2025-08-22T03:00:00.000Z');
    expect(addWorkingDays(from, 5, 'Asia/Jakarta', new Set(['2025-08-18'])).toISOString()).toBe('2025-08-25T03:00:00.000Z');
    // Saturday 23:30 WIB is already Sunday in Jayapura time: still the next Monday counts first.
    expect(addWorkingDays(new Date('2025-08-16T16:30:00Z'), 1, 'Asia/Jayapura', new Set()).toISOString()).toBe('2025-08-17T16:30:00.000Z');
  });
});

describe.each(storageKinds)('complaints on %s', (kind) => {
  let db: Awaited<ReturnType<typeof durableDatabase>>;
  let app: App;
  let facilityId: string;
  let filed: { ticket: string; trackingCode: string };

  beforeAll(async () => {
    db = await durableDatabase(kind);
    app = await startPublicServicesApp(db.env, { rateLimits: GENEROUS_LIMITS, complaints: { attachmentMaxBytes: 64 * 1024 } });
    facilityId = (await createFacility(app)).id;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const count = async () => Number((await app.storage.db.selectFrom('complaints').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('files a complaint with an image and gives a ticket and tracking code', async () => {
    const res = await submitForm(app, { facilityId, category: 'pungli', description: DESCRIPTION, anonymous: 'false', reporterName: 'Siti', contact: '081234567890' }, { data: ONE_PIXEL_PNG, name: 'bukti.jpg', type: 'image/jpeg' });
    expect(res.status).toBe(201);
    filed = (await res.json()) as typeof filed;
    expect(filed.ticket).toMatch(/^ADU-[0-9A-Z]{8}$/);
    expect(filed.trackingCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const attachment = await app.storage.db.selectFrom('complaint_attachments').selectAll().executeTakeFirstOrThrow();
    expect(attachment.media_type).toBe('image/png'); // by content, not by the .jpg name or claimed type
    const stored = await app.storage.db.selectFrom('complaints').selectAll().where('ticket', '=', filed.ticket).executeTakeFirstOrThrow();
    expect(stored.tracking_code_hash).not.toContain(filed.trackingCode);
    expect(await auditActions(app, 'complaint.submit')).toHaveLength(1);
  });

  it('files anonymously as JSON, without reporter details', async () => {
    const res = await postJson(app, '/api/complaints', { facilityId, category: 'layanan', description: DESCRIPTION, anonymous: true });
    expect(res.status).toBe(201);
    const { ticket } = (await res.json()) as { ticket: string };
    const row = await app.storage.db.selectFrom('complaints').selectAll().where('ticket', '=', ticket).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ anonymous: 1, reporter_name: null, contact: null });
  });

  it('shows status and history only with the right tracking code', async () => {
    const url = `${app.url}/api/complaints/${filed.ticket}`;
    const ok = await fetch(url, { headers: { 'x-tracking-code': filed.trackingCode.toLowerCase() } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ticket: filed.ticket, status: 'new', category: 'pungli', history: [{ status: 'new', response: null }] });
    const wrong = await fetch(url, { headers: { 'x-tracking-code': 'AAAA-BBBB-CCCC' } });
    const missing = await fetch(url);
    const unknown = await fetch(`${app.url}/api/complaints/ADU-00000000`, { headers: { 'x-tracking-code': filed.trackingCode } });
    for (const r of [wrong, missing, unknown]) expect(r.status).toBe(404);
    const bodies = await Promise.all([wrong.json(), missing.json(), unknown.json()]);
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  it('accepts the tracking code typed with spaces instead of dashes, or none, or read-alike letters', async () => {
    const url = `${app.url}/api/complaints/${encodeURIComponent(filed.ticket.replace('-', ' ').toLowerCase())}`;
    const variants = [
      filed.trackingCode.replace(/-/g, ' '),
      ` ${filed.trackingCode.replace(/-/g, '  ').toLowerCase()} `,
      filed.trackingCode.replace(/-/g, ''),
      filed.trackingCode.replace(/0/g, 'O').replace(/1/g, 'l'),
    ];
    for (const code of variants) {
      const res = await fetch(url, { headers: { 'x-tracking-code': code } });
      expect(res.status, code).toBe(200);
      expect(await res.json()).toMatchObject({ ticket: filed.ticket });
    }
    const wrong = filed.trackingCode.slice(0, -1) + (filed.trackingCode.endsWith('2') ? '3' : '2');
    expect((await fetch(url, { headers: { 'x-tracking-code': wrong.replace(/-/g, ' ') } })).status).toBe(404);
  });

  it('refuses bad input with field errors and stores nothing', async () => {
    const before = await count();
    const cases: Array<[unknown, string[]]> = [
      [{ category: 'pungli', description: DESCRIPTION }, ['facilityId']],
      [{ facilityId, category: 'korupsi', description: DESCRIPTION }, ['category']],
      [{ facilityId, category: 'pungli', description: 'pendek' }, ['description']],
      [{ facilityId, category: 'pungli', description: 42, anonymous: 'ya' }, ['description', 'anonymous']],
      [{ facilityId, category: 'pungli', description: DESCRIPTION, anonymous: true, contact: '08123456789' }, ['contact']],
      [{ facilityId: 'no-such-facility', category: 'pungli', description: DESCRIPTION }, ['facilityId']],
      [{ facilityId, category: 'pungli', description: 'x'.repeat(6000) }, ['description']],
    ];
    for (const [body, fields] of cases) {
      const res = await postJson(app, '/api/complaints', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const json = (await res.json()) as { error: { fields: Record<string, unknown> } };
      for (const f of fields) expect(json.error.fields).toHaveProperty([f]);
    }
    const huge = await postJson(app, '/api/complaints', { facilityId, category: 'pungli', description: 'x'.repeat(150_000) });
    expect(huge.status).toBe(400);
    expect(await huge.json()).toMatchObject({ error: { fields: { '(body)': expect.any(Array) } } });

    const fields = { facilityId, category: 'kesehatan', description: DESCRIPTION };
    const fake = await submitForm(app, fields, { data: Buffer.from('#!/bin/sh\necho not an image\n'), name: 'foto.png', type: 'image/png' });
    expect(fake.status).toBe(400);
    expect(await fake.json()).toMatchObject({ error: { fields: { attachment: [expect.stringMatching(/JPEG, PNG or WebP/)] } } });
    const big = Buffer.concat([ONE_PIXEL_PNG, Buffer.alloc(70 * 1024)]);
    const tooBig = await submitForm(app, fields, { data: big, name: 'besar.png', type: 'image/png' });
    expect(tooBig.status).toBe(400);
    expect(await tooBig.json()).toMatchObject({ error: { fields: { attachment: [expect.stringMatching(/larger than 64 KB/)] } } });
    const wrongField = new FormData();
    for (const [k, v] of Object.entries(fields)) wrongField.append(k, v);
    wrongField.append('foto', new Blob([new Uint8Array(ONE_PIXEL_PNG)]), 'a.png');
    expect((await fetch(`${app.url}/api/complaints`, { method: 'POST', body: wrongField })).status).toBe(400);
    expect(await count()).toBe(before);
  });

  it('lets officers triage: assign, in progress, resolve with a public response; all audited', async () => {
    const officer = await loginOfficer(app, [facilityId], 'officer');
    const colleague = await loginOfficer(app, [facilityId], 'officer');
    const list = (await (await fetch(`${app.url}/api/officer/complaints`, { headers: officer.auth })).json()) as { complaints: Array<{ id: string; ticket: string; overdue: boolean }> };
    const item = list.complaints.find((c) => c.ticket === filed.ticket)!;
    expect(item).toMatchObject({ overdue: false });
    const detail = await fetch(`${app.url}/api/officer/complaints/${item.id}`, { headers: officer.auth });
    expect(await detail.json()).toMatchObject({ reporterName: 'Siti', contact: '081234567890', attachment: { mediaType: 'image/png' } });
    const image = await fetch(`${app.url}/api/officer/complaints/${item.id}/attachment`, { headers: officer.auth });
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(await sharp(Buffer.from(await image.arrayBuffer())).metadata()).toMatchObject({ format: 'png', width: 1, height: 1 });

    const act = (path: string, body: unknown) => postJson(app, `/api/officer/complaints/${item.id}/${path}`, body, officer.auth);
    expect((await act('assign', { officerId: colleague.officer.id })).status).toBe(200);
    const stranger = await loginOfficer(app, [(await createFacility(app)).id]);
    expect((await act('assign', { officerId: stranger.officer.id })).status).toBe(400);
    expect((await act('transition', { to: 'resolved', response: 'Selesai' })).status).toBe(409); // new → resolved skips a step
    expect((await act('transition', { to: 'in_progress' })).status).toBe(200);
    const noResponse = await act('transition', { to: 'resolved' });
    expect(noResponse.status).toBe(400);
    expect(await noResponse.json()).toMatchObject({ error: { fields: { response: expect.any(Array) } } });
    expect((await act('transition', { to: 'resolved', response: 'Petugas yang bersangkutan telah diperiksa.' })).status).toBe(200);
    expect((await act('transition', { to: 'rejected', response: 'Tidak' })).status).toBe(409);

    const publicView = await (await fetch(`${app.url}/api/complaints/${filed.ticket}`, { headers: { 'x-tracking-code': filed.trackingCode } })).json();
    expect(publicView).toMatchObject({
      status: 'resolved',
      history: [{ status: 'new' }, { status: 'in_progress' }, { status: 'resolved', response: 'Petugas yang bersangkutan telah diperiksa.' }],
    });
    expect(await auditActions(app, 'complaint.assign')).toHaveLength(1);
    expect((await auditActions(app, 'complaint.transition')).map((a) => JSON.parse(a.details))).toEqual([
      { from: 'new', to: 'in_progress' },
      { from: 'in_progress', to: 'resolved' },
    ]);
    expect((await auditActions(app, 'complaint.view')).length).toBeGreaterThanOrEqual(1);
    expect(await auditActions(app, 'complaint.attachment_view')).toHaveLength(1);

    // Another facility's officer does not even learn that the complaint exists.
    expect((await fetch(`${app.url}/api/officer/complaints/${item.id}`, { headers: stranger.auth })).status).toBe(404);
    expect((await postJson(app, `/api/officer/complaints/${item.id}/transition`, { to: 'in_progress' }, stranger.auth)).status).toBe(404);
    expect((await fetch(`${app.url}/api/officer/complaints`)).status).toBe(401);
  });

  it('keeps no trace of an anonymous complainant: no address in the audit trail, no EXIF in the image', async () => {
    // A phone photo: 64×48 stored sideways (EXIF orientation 6), with where and with what it was taken.
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .withExif({
        IFD0: { Make: 'KameraRahasia', Model: 'SN-0042' },
        IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '6/1 12/1 30/1', GPSLongitudeRef: 'E', GPSLongitude: '106/1 49/1 0/1', GPSMapDatum: 'WGS-84' },
      })
      .withMetadata({ orientation: 6 })
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="6,12.5S"/></rdf:RDF></x:xmpmeta>')
      .toBuffer();
    const before = await sharp(photo).metadata();
    expect(before).toMatchObject({ format: 'jpeg', orientation: 6 });
    expect(before.xmp?.toString()).toContain('GPSLatitude');
    const exif = before.exif?.toString('latin1') ?? '';
    for (const marker of ['KameraRahasia', 'WGS-84']) expect(exif).toContain(marker);

    // The complainant's address as a loopback reverse proxy passes it on.
    const address = '198.51.100.23';
    const fields = { facilityId, category: 'pungli', description: DESCRIPTION, anonymous: 'true' };
    const submitted = await submitForm(app, fields, { data: photo, name: 'foto.jpg', type: 'image/jpeg' }, { 'x-forwarded-for': address });
    expect(submitted.status).toBe(201);
    const { ticket } = (await submitted.json()) as { ticket: string };
    const complaint = await app.storage.db.selectFrom('complaints').select(['id', 'anonymous']).where('ticket', '=', ticket).executeTakeFirstOrThrow();
    expect(complaint.anonymous).toBe(1);

    const trail = await app.storage.db.selectFrom('audit_log').selectAll().where('subject_id', '=', complaint.id).execute();
    expect(trail.map((r) => r.action)).toEqual(['complaint.submit']);
    const publicRows = await app.storage.db.selectFrom('audit_log').selectAll().where('actor_kind', '=', 'public').execute();
    for (const row of [...trail, ...publicRows]) {
      const text = JSON.stringify(row);
      for (const ip of [address, '127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(text).not.toContain(ip);
    }

    const officer = await loginOfficer(app, [facilityId]);
    const image = await fetch(`${app.url}/api/officer/complaints/${complaint.id}/attachment`, { headers: officer.auth });
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    const served = Buffer.from(await image.arrayBuffer());
    const after = await sharp(served).metadata();
    expect(after).toMatchObject({ format: 'jpeg', width: 48, height: 64 }); // turned upright before the tag went
    expect(after.exif).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(after.orientation).toBeUndefined();
    for (const marker of ['KameraRahasia', 'WGS-84', 'Exif', 'GPSLatitude']) expect(served.includes(marker)).toBe(false);
  });

  it('re-encodes PNG and WebP as what they are, without their metadata', async () => {
    for (const format of ['png', 'webp'] as const) {
      const image = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 0, b: 255 } } })
        [format]()
        .withExif({ IFD0: { Make: 'KameraRahasia' } })
        .toBuffer();
      expect((await sharp(image).metadata()).exif).toBeDefined();
      const res = await submitForm(app, { facilityId, category: 'lainnya', description: DESCRIPTION, anonymous: 'true' }, { data: image, name: 'x', type: 'application/octet-stream' });
      expect(res.status).toBe(201);
      const { ticket } = (await res.json()) as { ticket: string };
      const stored = await app.storage.db
        .selectFrom('complaint_attachments')
        .innerJoin('complaints', 'complaints.id', 'complaint_attachments.complaint_id')
        .select(['complaint_attachments.media_type', 'complaint_attachments.data_base64'])
        .where('complaints.ticket', '=', ticket)
        .executeTakeFirstOrThrow();
      expect(stored.media_type).toBe(`image/${format}`);
      const meta = await sharp(Buffer.from(stored.data_base64, 'base64')).metadata();
      expect(meta).toMatchObject({ format, width: 8, height: 8 });
      expect(meta.exif).toBeUndefined();
    }
    // Right magic bytes, but no image behind them: refused, nothing stored.
    const broken = Buffer.concat([ONE_PIXEL_PNG.subarray(0, 40), Buffer.alloc(40)]);
    const res = await submitForm(app, { facilityId, category: 'lainnya', description: DESCRIPTION }, { data: broken, name: 'x.png', type: 'image/png' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { fields: { attachment: [expect.any(String)] } } });
  });

  it('highlights complaints past their response deadline', async () => {
    const officer = await loginOfficer(app, [facilityId]);
    const { ticket } = (await (await postJson(app, '/api/complaints', { facilityId, category: 'kunjungan', description: DESCRIPTION })).json()) as { ticket: string };
    await app.storage.db.updateTable('complaints').set({ due_at: new Date(Date.now() - 60_000).toISOString() }).where('ticket', '=', ticket).execute();
    const res = await fetch(`${app.url}/api/officer/complaints?overdue=true`, { headers: officer.auth });
    const { complaints } = (await res.json()) as { complaints: Array<{ ticket: string; overdue: boolean }> };
    expect(complaints.map((c) => c.ticket)).toEqual([ticket]);
    expect(complaints[0]!.overdue).toBe(true);
    expect((await fetch(`${app.url}/api/officer/complaints?status=bogus`, { headers: officer.auth })).status).toBe(400);
  });

  it('stores 200 concurrent submissions once each, with unique tickets', async () => {
    const before = await count();
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        postJson(app, '/api/complaints', { facilityId, category: 'lainnya', description: `${DESCRIPTION} #${i}`, anonymous: true }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(201));
    const tickets = await Promise.all(responses.map(async (r) => ((await r.json()) as { ticket: string }).ticket));
    expect(new Set(tickets).size).toBe(200);
    expect(await count()).toBe(before + 200);
    const rows = await app.storage.db.selectFrom('complaints').select(['ticket', 'description']).where('ticket', 'in', tickets).execute();
    expect(new Set(rows.map((r) => r.description)).size).toBe(200);
    expect((await verifyAuditChain(app.storage)).ok).toBe(true);
  });

  it('keeps complaints and their history across a restart', async () => {
    await app.close();
    app = await startPublicServicesApp(db.env);
    const res = await fetch(`${app.url}/api/complaints/${filed.ticket}`, { headers: { 'x-tracking-code': filed.trackingCode } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'resolved', history: [{}, {}, {}] });
  });
});

describe('complaint rate limit', () => {
  it('limits submissions per client before reading the upload', async () => {
    const app = await startPublicServicesApp({}, { rateLimits: { ...GENEROUS_LIMITS, complaintSubmitPerClient: { points: 2, durationSeconds: 600 } } });
    try {
      const facilityId = (await createFacility(app)).id;
      const body = { facilityId, category: 'layanan', description: DESCRIPTION };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await postJson(app, '/api/complaints', body)).status);
      expect(statuses).toEqual([201, 201, 429]);
      expect((await postJson(app, '/api/complaints', body, { 'x-forwarded-for': '10.1.1.1' })).status).toBe(201);
    } finally {
      await app.close();
    }
  });
});
