import type { Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { clientAddressKey } from '../http/client-address.ts';
import { HttpError } from '../http/errors.ts';

export interface RateLimitSettings {
  points: number;
  durationSeconds: number;
}

/** A named budget of requests per key; refuses with 429 and Retry-After when spent. */
export interface RateLimit {
  consume(res: Response, key: string): Promise<void>;
}

/**
 * The only place that picks the limiter backend. In memory for now (one node);
 * a RateLimiterRedis with the same options slots in here when live state moves to Redis.
 */
function limiterBackend(name: string, settings: RateLimitSettings): RateLimiterAbstract {
  return new RateLimiterMemory({ keyPrefix: name, points: settings.points, duration: settings.durationSeconds });
}

/** Answers a spent budget: 429 with Retry-After; anything but a limiter refusal is rethrown. */
function refuseRateLimited(res: Response, err: unknown): never {
  if (!(err instanceof RateLimiterRes)) throw err;
  res.set('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
  throw new HttpError(429, 'rate_limited', 'too many requests, try again later');
}

export function createRateLimit(name: string, settings: RateLimitSettings): RateLimit {
  const limiter = limiterBackend(name, settings);
  return {
    async consume(res, key) {
      try {
        await limiter.consume(key);
      } catch (err) {
        refuseRateLimited(res, err);
      }
    },
  };
}

export interface FailureCeilingSettings extends RateLimitSettings {
  /** How long each failure beyond the ceiling is held before it is answered. */
  slowdownMs: number;
}

/** One admitted check of a pair; settle it with exactly one of these once the answer is known. */
export interface PairAttempt {
  /** The pair was right: the point taken at admission goes back, nothing of it counts as a guess. */
  passed(): Promise<void>;
  /** The pair was wrong: the point stays spent, and the per-target ceiling counts it. */
  failed(): Promise<void>;
}

/**
 * Guards a public check whose failure is itself the secret (is this NIK registered for this
 * inmate?). Failures are counted per (target, client): a client that spent its budget for a
 * target is refused before the check, so guessing is bounded per address and one address can
 * never lock another out. Across all clients, failures beyond a ceiling per target are only
 * answered slowly, never refused: a right pair from an address that has not failed always goes
 * through, whatever others did. Successes cost nothing here.
 */
export interface PairGuard {
  admit(res: Response, target: string, client: string): Promise<PairAttempt>;
}

export function createPairGuard(name: string, perTargetAndClient: RateLimitSettings, ceiling: FailureCeilingSettings): PairGuard {
  const pairFailures = limiterBackend(`${name}-pair`, perTargetAndClient);
  const targetFailures = limiterBackend(`${name}-target`, ceiling);
  const pairKey = (target: string, client: string) => JSON.stringify([target, client]);
  return {
    async admit(res, target, client) {
      const key = pairKey(target, client);
      // The point is taken before the check, so parallel guesses cannot all slip past the
      // budget while their lookups are still running; a right pair gives it back.
      try {
        await pairFailures.consume(key);
      } catch (err) {
        refuseRateLimited(res, err);
      }
      return {
        async passed() {
          await pairFailures.reward(key, 1);
        },
        async failed() {
          const spent = await targetFailures.penalty(target, 1);
          if (spent.consumedPoints > ceiling.points) await new Promise((resolve) => setTimeout(resolve, ceiling.slowdownMs));
        },
      };
    },
  };
}

/**
 * The client's rate-limit key: its address (express resolves X-Forwarded-For only from trusted
 * proxies), IPv6 by /64 (see clientAddressKey).
 */
export function clientKey(req: Request): string {
  return clientAddressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}
