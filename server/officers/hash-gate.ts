import type { AppContext } from '../context.ts';

/**
 * At most `size` password hashes at once. Each argon2 verification takes 64 MiB and a core for
 * a while, so a burst of logins must not queue up unbounded work: when every slot is taken the
 * caller is told at once (and answers 429 busy) instead of waiting.
 */
export class HashGate {
  #active = 0;
  /** Most hashes seen running at once, hashes run, and attempts turned away (for logs and tests). */
  peak = 0;
  ran = 0;
  refused = 0;

  constructor(readonly size: number) {}

  /** Runs `work` in a free slot and returns its result, or returns undefined at once without running it. */
  async tryRun<T>(work: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.#active >= this.size) {
      this.refused++;
      return undefined;
    }
    this.#active++;
    this.peak = Math.max(this.peak, this.#active);
    try {
      const value = await work();
      this.ran++;
      return { value };
    } finally {
      this.#active--;
    }
  }
}

const gates = new WeakMap<object, HashGate>();

/** The login hash gate of one app (one per app, sized by officerLogin.maxConcurrentHashes). */
export function loginHashGate(ctx: Pick<AppContext, 'config'>): HashGate {
  let gate = gates.get(ctx);
  if (!gate) {
    gate = new HashGate(ctx.config.officerLogin.maxConcurrentHashes);
    gates.set(ctx, gate);
  }
  return gate;
}
