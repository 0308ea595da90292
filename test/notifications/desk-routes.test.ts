import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { localToday } from '../../server/facilities/local-day.ts';
import { freshPostgresSchema } from '../helpers/postgres.ts';
import { createFacility, loginOfficer, startTestApp } from '../helpers/test-app.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function client(app: App, auth: Record<string, string> = {}) {
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${app.url}/api${p}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  return { get: (p: string) => call('GET', p), post: (p: string, body: unknown = {}) => call('POST', p, body) };
}
type Client = ReturnType<typeof client>;

const nik = (n: number) => `317101450190${String(n).padStart(4, '0')}`;

describe.each(['sqlite', 'postgres'] as const)('messages the desk sends by hand, on %s', (kind) => {
  let app: App;
  let dropSchema: (() => Promise<void>) | undefined;
  let offA: Client, offB: Client, anon: Client;
  let facA: { id: string; name: string };
  let visit: Json;
  let visitors: Json[];
  const reason = 'Bilik sedang diperbaiki';

  async function waitForManual(c: Client, count: number): Promise<Json[]> {
    for (let i = 0; i < 100; i++) {
      const res = await c.get('/notifications?status=manual');
      expect(res.status).toBe(200);
      if (res.body.messages.length >= count) return res.body.messages;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the sender did not move the messages to manual');
  }

  beforeAll(async () => {
    const pg = kind === 'postgres' ? await freshPostgresSchema() : undefined;
    dropSchema = pg?.drop;
    // no channel configured at all; a fast sender so the test does not wait 5 s
    const configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-notify-')), 'config.json');
    writeFileSync(configFile, JSON.stringify({ notifications: { sender: { intervalMs: 100 } } }));
    app = await startTestApp({ CONFIG_FILE: configFile, ...(pg ? { DATABASE_URL: pg.url } : {}) });
    facA = await createFacility(app);
    const facB = await createFacility(app);
    const [a, b] = await Promise.all([loginOfficer(app, [facA.id], 'officer'), loginOfficer(app, [facB.id], 'officer')]);
    const supA = client(app, (await loginOfficer(app, [facA.id], 'supervisor')).auth);
    offA = client(app, a.auth);
    offB = client(app, b.auth);
    anon = client(app);
    const booth = (await supA.post('/booths', { name: 'Bilik 1' })).body.booth;
    const inmate = (await supA.post('/inmates', { registrationNumber: 'BI.500/2025', name: 'Budi Santoso', block: 'A' })).body.inmate;
    visitors = [];
    for (let i = 1; i <= 2; i++) visitors.push((await offA.post(`/inmates/${inmate.id}/visitors`, { name: `Keluarga ${i}`, nik: nik(i), relationship: 'anak' })).body.visitor);
    const tomorrow = localToday('Asia/Jakarta', new Date(Date.now() + 86_400_000));
    const created = await offA.post('/visits', { inmateId: inmate.id, boothId: booth.id, visitorIds: visitors.map((v) => v.id), scheduledStart: `${tomorrow}T09:00:00+07:00`, durationMinutes: 30 });
    expect(created.status).toBe(201);
    visit = created.body.visit;
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema?.();
  });

  it('a visit cancelled by an officer becomes one message per visitor; without a channel they wait for the desk with their text', async () => {
    expect((await offA.post(`/visits/${visit.id}/cancel`, { reason })).status).toBe(200);
    const messages = await waitForManual(offA, 2);
    expect(messages).toHaveLength(2);
    expect(messages.map((m: Json) => m.recipient.name).sort()).toEqual(['Keluarga 1', 'Keluarga 2']);
    const dateText = new Intl.DateTimeFormat('id-ID', { timeZone: 'Asia/Jakarta', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(visit.scheduledStart));
    for (const m of messages) {
      expect(m).toMatchObject({ status: 'manual', template: 'visitCancelled', language: 'id', subject: `Kunjungan Video – ${facA.name}` });
      expect(m.text).toContain(`Kunjungan video Anda di ${facA.name} pada ${dateText} pukul 09.00 WIB dibatalkan oleh petugas. Alasan: ${reason}`);
    }
    // a second cancel is refused and adds nothing
    expect((await offA.post(`/visits/${visit.id}/cancel`, { reason })).status).toBe(409);
    const rows = await app.storage.db.selectFrom('notification_outbox').select('idempotency_key').execute();
    expect(rows.map((r) => r.idempotency_key).sort()).toEqual(visitors.map((v) => `visit.cancelled:${visit.id}:${v.id}`).sort());
    expect(await app.storage.db.selectFrom('audit_log').select('seq').where('action', '=', 'notification.listed').execute()).not.toHaveLength(0);
  });

  it('only officers of the facility see or handle them; handling is audited and happens once', async () => {
    const [first, second] = await waitForManual(offA, 2);
    expect((await anon.get('/notifications')).status).toBe(401);
    expect((await offB.get('/notifications?status=manual')).body.messages).toEqual([]);
    expect((await offB.post(`/notifications/${first.id}/handled`)).status).toBe(404);
    expect((await offA.post('/notifications/not-a-uuid/handled')).status).toBe(400);
    expect((await offA.post(`/notifications/${randomUUID()}/handled`)).status).toBe(404);
    const bad = await offA.get('/notifications?status=sent');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.status).toBeDefined();

    const handled = await offA.post(`/notifications/${first.id}/handled`);
    expect(handled.status).toBe(200);
    expect(handled.body).toMatchObject({ id: first.id, status: 'handled' });
    expect((await offA.post(`/notifications/${first.id}/handled`)).status).toBe(409);
    expect((await offA.get('/notifications?status=manual')).body.messages.map((m: Json) => m.id)).toEqual([second.id]);
    const row = await app.storage.db.selectFrom('notification_outbox').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'handled', to_name: null, params: '{}' });
    const audits = await app.storage.db.selectFrom('audit_log').selectAll().where('action', '=', 'notification.handled').execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ subject_id: first.id, facility_id: facA.id, actor_kind: 'officer' });
  });
});
