import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { CALL_NAMESPACE } from '../../server/signalling/messages.ts';
import { seedVisit } from '../helpers/seed-visit.ts';
import { startTestApp } from '../helpers/test-app.ts';

/** The connect_error data of a refused family connection (code and details). */
function refusalData(app: App, token: string): Promise<Record<string, unknown>> {
  const socket = connect(`${app.url}${CALL_NAMESPACE}`, { auth: { token, role: 'family' }, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no refusal')), 5000);
    socket.once('connect', () => (clearTimeout(timer), socket.close(), reject(new Error('accepted'))));
    socket.once('connect_error', (err: Error & { data?: Record<string, unknown> }) => {
      clearTimeout(timer);
      socket.close();
      resolve(err.data ?? { message: err.message });
    });
  });
}

describe('a family link opened before its window', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('is refused as token_not_yet_valid with the visit start, the opening time, the facility zone and the server clock', async () => {
    const start = new Date(Math.ceil((Date.now() + 3 * 3600_000) / 60_000) * 60_000);
    const seeded = await seedVisit(app, { start, durationSeconds: 1800 });
    const before = Date.now();
    const data = await refusalData(app, seeded.joinTokens[0]!);
    expect(data).toMatchObject({ code: 'token_not_yet_valid', startsAt: start.toISOString(), opensAt: new Date(start.getTime() - 10 * 60_000).toISOString(), timezone: 'Asia/Jakarta' });
    expect(new Date(String(data.serverTime)).getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('a cancelled visit says visit_over, not a countdown; a forged early link says nothing about any visit', async () => {
    const start = new Date(Date.now() + 3 * 3600_000);
    const cancelled = await seedVisit(app, { start, status: 'cancelled' });
    expect(await refusalData(app, cancelled.joinTokens[0]!)).toEqual({ code: 'visit_over' });
    const token = cancelled.joinTokens[0]!;
    const forged = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    expect(await refusalData(app, forged)).toEqual({ code: 'token_invalid' });
  });

  it('a link of another visitor (not a party of the visit) is refused without its time', async () => {
    const start = new Date(Date.now() + 3 * 3600_000);
    const seeded = await seedVisit(app, { start });
    const stranger = app.ctx.tokens.signJoin('00000000-0000-4000-8000-000000000000', { id: seeded.visitId, scheduledStart: start, durationSeconds: 3600 });
    expect(await refusalData(app, stranger)).toEqual({ code: 'not_a_visitor' });
  });
});
