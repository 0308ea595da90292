import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { TokenError, TokenService } from '../../server/auth/tokens.ts';

const secret = 'x'.repeat(16) + 'abcdefghijklmnopqrstuvwxyz';
const tokens = new TokenService(secret);

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof TokenError) return err.problem;
    throw err;
  }
  return 'accepted';
}

describe('tokens', () => {
  it('accepts a join link from 10 minutes before the start until the end only', () => {
    const now = Date.now();
    const live = tokens.signJoin('visitor-1', { id: 'visit-1', scheduledStart: new Date(now - 60_000), durationSeconds: 900 });
    expect(tokens.verify('join', live)).toMatchObject({ sub: 'visitor-1', visit: 'visit-1' });
    const early = tokens.signJoin('visitor-1', { id: 'visit-1', scheduledStart: new Date(now + 11 * 60_000), durationSeconds: 900 });
    expect(problem(() => tokens.verify('join', early))).toBe('not_yet_valid');
    const soon = tokens.signJoin('visitor-1', { id: 'visit-1', scheduledStart: new Date(now + 9 * 60_000), durationSeconds: 900 });
    expect(problem(() => tokens.verify('join', soon))).toBe('accepted');
    const over = tokens.signJoin('visitor-1', { id: 'visit-1', scheduledStart: new Date(now - 901_000), durationSeconds: 900 });
    expect(problem(() => tokens.verify('join', over))).toBe('expired');
  });

  it('never accepts one kind of token as another, a foreign secret, or alg none', () => {
    const booth = tokens.signBooth('device-1', 'booth-1', 'fac-1');
    expect(problem(() => tokens.verify('officer', booth))).toBe('invalid');
    expect(problem(() => tokens.verify('join', booth))).toBe('invalid');
    expect(tokens.verify('booth', booth)).toMatchObject({ booth: 'booth-1', fac: 'fac-1' });
    const foreign = new TokenService('y'.repeat(48)).signBooth('device-1', 'booth-1', 'fac-1');
    expect(problem(() => tokens.verify('booth', foreign))).toBe('invalid');
    const unsigned = jwt.sign({ kind: 'booth', sub: 'd', booth: 'b', fac: 'f' }, '', { algorithm: 'none', audience: 'booth', issuer: 'kunjungan-video' });
    expect(problem(() => tokens.verify('booth', unsigned))).toBe('invalid');
    expect(problem(() => tokens.verify('booth', undefined))).toBe('missing');
    expect(problem(() => tokens.verify('booth', 'a'.repeat(5000)))).toBe('invalid');
  });
});
