import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';

const ISSUER = 'kunjungan-video';
const ALGORITHM = 'HS256';

/** Officer session: one facility, short-lived. */
const officerClaims = z.object({
  kind: z.literal('officer'),
  sub: z.string().min(1),
  role: z.enum(['officer', 'supervisor', 'admin']),
  fac: z.string().min(1),
  /** the sign-in session: kept by refresh and facility switch, revoked by sign-out (officer-sessions.ts) */
  sid: z.string().min(1).max(64),
  /** the account's session epoch at issue (officers.session_epoch); absent in tokens from before epochs: 0 */
  epoch: z.number().int().min(0).optional(),
  /** expiry, seconds since the epoch (set by signOfficer) */
  exp: z.number().int().optional(),
});
/** Family join link: one visitor of one visit, valid from 10 min before the start to the end. */
const joinClaims = z.object({
  kind: z.literal('join'),
  sub: z.string().min(1),
  visit: z.string().min(1),
  jti: z.string().min(1),
});
/** Booth device: one enrolled device of one booth; revocable through booth_devices.revoked_at. */
const boothClaims = z.object({
  kind: z.literal('booth'),
  sub: z.string().min(1),
  booth: z.string().min(1),
  fac: z.string().min(1),
  /** expiry, seconds since the epoch (set by signBooth) */
  exp: z.number().int().optional(),
});

/** Family session: one family account of one facility (server/family/family-session.ts), 12 h. */
const familyClaims = z.object({
  kind: z.literal('family'),
  sub: z.string().min(1),
  fac: z.string().min(1),
  exp: z.number().int().optional(),
});

/** One officer may fetch one recording file for a few minutes (a <video> cannot send headers). */
const playbackClaims = z.object({
  kind: z.literal('playback'),
  sub: z.string().min(1),
  fac: z.string().min(1),
  visit: z.string().min(1),
  file: z.string().min(1),
  /** the officer session the link was made in: sign-out ends the link too */
  sid: z.string().min(1).max(64).optional(),
  /** the session epoch of that officer token: a password change elsewhere ends the link too */
  epoch: z.number().int().min(0).optional(),
});

export type PlaybackClaims = z.infer<typeof playbackClaims>;
export type OfficerClaims = z.infer<typeof officerClaims>;
export type JoinClaims = z.infer<typeof joinClaims>;
export type BoothClaims = z.infer<typeof boothClaims>;
export type FamilyClaims = z.infer<typeof familyClaims>;

const schemas = { officer: officerClaims, join: joinClaims, booth: boothClaims, playback: playbackClaims, family: familyClaims } as const;
type Kind = keyof typeof schemas;
type ClaimsOf<K extends Kind> = z.infer<(typeof schemas)[K]>;

/** Why a token was refused; the client maps each to a message in its language. */
export type TokenProblem = 'missing' | 'expired' | 'not_yet_valid' | 'invalid';

export class TokenError extends Error {
  constructor(readonly problem: TokenProblem, message: string) {
    super(message);
  }
}

export const OFFICER_TOKEN_SECONDS = 60 * 60;
export const BOOTH_TOKEN_SECONDS = 365 * 24 * 60 * 60;
export const JOIN_EARLY_SECONDS = 10 * 60;
export const PLAYBACK_TOKEN_SECONDS = 10 * 60;
export const FAMILY_TOKEN_SECONDS = 12 * 60 * 60;

export class TokenService {
  readonly #secret: string;

  constructor(secret: string) {
    this.#secret = secret;
  }

  #sign(claims: object, kind: Kind, options: { expiresAt: number; notBefore?: number }): string {
    const now = Math.floor(Date.now() / 1000);
    return jwt.sign({ ...claims, iat: now, exp: options.expiresAt, ...(options.notBefore ? { nbf: options.notBefore } : {}) }, this.#secret, {
      algorithm: ALGORITHM,
      issuer: ISSUER,
      audience: kind,
    });
  }

  /** A new sign-in gets a new session id; refresh and facility switch pass the current one on. */
  signOfficer(claims: Omit<OfficerClaims, 'kind' | 'exp' | 'sid'> & { sid?: string }, options: { lifetimeSeconds?: number } = {}): { token: string; expiresAt: Date } {
    claims = { ...claims, sid: claims.sid ?? randomUUID() };
    const exp = Math.floor(Date.now() / 1000) + (options.lifetimeSeconds ?? OFFICER_TOKEN_SECONDS);
    return { token: this.#sign({ ...claims, kind: 'officer' }, 'officer', { expiresAt: exp }), expiresAt: new Date(exp * 1000) };
  }

  signJoin(visitorId: string, visit: { id: string; scheduledStart: Date; durationSeconds: number }): string {
    const start = Math.floor(visit.scheduledStart.getTime() / 1000);
    return this.#sign({ kind: 'join', sub: visitorId, visit: visit.id, jti: randomUUID() }, 'join', {
      notBefore: start - JOIN_EARLY_SECONDS,
      expiresAt: start + visit.durationSeconds,
    });
  }

  signBooth(deviceId: string, boothId: string, facilityId: string, options: { lifetimeSeconds?: number } = {}): string {
    const exp = Math.floor(Date.now() / 1000) + (options.lifetimeSeconds ?? BOOTH_TOKEN_SECONDS);
    return this.#sign({ kind: 'booth', sub: deviceId, booth: boothId, fac: facilityId }, 'booth', { expiresAt: exp });
  }

  signPlayback(claims: Omit<PlaybackClaims, 'kind'>): { token: string; expiresAt: Date } {
    const exp = Math.floor(Date.now() / 1000) + PLAYBACK_TOKEN_SECONDS;
    return { token: this.#sign({ ...claims, kind: 'playback' }, 'playback', { expiresAt: exp }), expiresAt: new Date(exp * 1000) };
  }

  signFamily(accountId: string, facilityId: string): { token: string; expiresAt: Date } {
    const exp = Math.floor(Date.now() / 1000) + FAMILY_TOKEN_SECONDS;
    return { token: this.#sign({ kind: 'family', sub: accountId, fac: facilityId }, 'family', { expiresAt: exp }), expiresAt: new Date(exp * 1000) };
  }

  /** Verifies signature, issuer, audience, time window and claim shape. Throws TokenError. */
  verify<K extends Kind>(kind: K, token: unknown, options: { ignoreExpiration?: boolean; ignoreNotBefore?: boolean } = {}): ClaimsOf<K> {
    if (typeof token !== 'string' || token.length === 0) throw new TokenError('missing', 'no token given');
    if (token.length > 4096) throw new TokenError('invalid', 'token too long');
    let payload: unknown;
    try {
      payload = jwt.verify(token, this.#secret, { algorithms: [ALGORITHM], issuer: ISSUER, audience: kind, ignoreExpiration: options.ignoreExpiration ?? false, ignoreNotBefore: options.ignoreNotBefore ?? false });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new TokenError('expired', 'token expired');
      if (err instanceof jwt.NotBeforeError) throw new TokenError('not_yet_valid', 'token not valid yet');
      throw new TokenError('invalid', `token rejected: ${(err as Error).message}`);
    }
    const parsed = schemas[kind].safeParse(payload);
    if (!parsed.success) throw new TokenError('invalid', 'token claims malformed');
    return parsed.data as ClaimsOf<K>;
  }
}
