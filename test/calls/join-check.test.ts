import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

describe('POST /api/join-links/check: may the family page open the camera before its call socket is up', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const check = (body: unknown) =>
    fetch(`${app.url}/api/join-links/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const accepted = async (token: string) => {
    const res = await check({ token });
    expect(res.status).toBe(200);
    return ((await res.json()) as { accepted: boolean }).accepted;
  };

  it('says yes for a link the call socket would admit now, and changes nothing', async () => {
    const seeded = await seedVisit(app);
    expect(await accepted(seeded.joinTokens[0]!)).toBe(true);
    const visit = await app.storage.db.selectFrom('visits').select(['status', 'started_at']).where('id', '=', seeded.visitId).executeTakeFirstOrThrow();
    expect(visit).toEqual({ status: 'scheduled', started_at: null });
  });

  it('says no, and nothing more, for links the socket refuses: early, cancelled, forged, another visitor, a booth token', async () => {
    const early = await seedVisit(app, { start: new Date(Date.now() + 3 * 3600_000) });
    const cancelled = await seedVisit(app, { status: 'cancelled' });
    const token = cancelled.joinTokens[0]!;
    const forged = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    const stranger = app.ctx.tokens.signJoin('00000000-0000-4000-8000-000000000000', { id: early.visitId, scheduledStart: early.start, durationSeconds: 3600 });
    for (const t of [early.joinTokens[0]!, token, forged, stranger, early.boothToken, 'not a token']) {
      const res = await check({ token: t });
      expect(await res.json()).toEqual({ accepted: false });
    }
  });

  it('refuses a malformed body with 400', async () => {
    for (const body of [{}, { token: '' }, { token: 5 }, { token: 'x', role: 'booth' }, { token: 'x'.repeat(5000) }]) {
      const res = await check(body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
  });

  it('limits each client (429 with Retry-After)', async () => {
    const seeded = await seedVisit(app);
    const answers = [];
    for (let i = 0; i < 31; i++) answers.push(await check({ token: seeded.joinTokens[0]! }));
    expect(answers.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    const limited = answers.find((r) => r.status === 429)!;
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
