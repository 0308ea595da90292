/**
 * Clients (username|client key) that signed in successfully, each remembered for `days`, in
 * memory. Not a rate limiter: those keep timers per key, which overflow beyond ~24 days.
 */
export class KnownClients {
  readonly #until = new Map<string, number>();

  constructor(
    private readonly days: number,
    private readonly maxEntries = 50_000,
  ) {}

  has(key: string): boolean {
    const until = this.#until.get(key);
    return until !== undefined && until > Date.now();
  }

  add(key: string): void {
    if (this.days <= 0) return;
    // Re-inserted at the end: the map's order is oldest sign-in first.
    this.#until.delete(key);
    this.#until.set(key, Date.now() + this.days * 86_400_000);
    if (this.#until.size > this.maxEntries) {
      const now = Date.now();
      for (const [k, until] of this.#until) if (until <= now) this.#until.delete(k);
      for (const k of this.#until.keys()) {
        if (this.#until.size <= this.maxEntries) break;
        this.#until.delete(k);
      }
    }
  }
}
