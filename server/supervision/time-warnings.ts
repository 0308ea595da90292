/**
 * The timeWarning schedule of one call: one warning at each configured offset before the
 * deadline. Offsets already passed when the deadline is (re)set collapse into one warning at
 * once, so a call opened or extended late still warns exactly once for them.
 */
export class TimeWarnings {
  readonly #offsets: number[];
  readonly #notify: (secondsLeft: number) => void;
  #timers: NodeJS.Timeout[] = [];
  #deadline: Date | undefined;
  #warned = false;

  constructor(offsetsSeconds: readonly number[], notify: (secondsLeft: number) => void) {
    this.#offsets = [...offsetsSeconds].sort((a, b) => b - a);
    this.#notify = notify;
  }

  arm(deadline: Date, now = Date.now()): void {
    this.stop();
    this.#deadline = deadline;
    this.#warned = false;
    const leftMs = deadline.getTime() - now;
    if (leftMs <= 0) return;
    if (this.#offsets.some((o) => o * 1000 >= leftMs)) this.#fire();
    for (const offset of this.#offsets) {
      const at = leftMs - offset * 1000;
      if (at > 0) this.#timers.push(setTimeout(() => this.#fire(), at));
    }
  }

  /** Seconds left when a warning for the current deadline has been given (for a party joining later). */
  activeSecondsLeft(now = Date.now()): number | undefined {
    if (!this.#warned || !this.#deadline) return undefined;
    const left = Math.round((this.#deadline.getTime() - now) / 1000);
    return left > 0 ? left : undefined;
  }

  stop(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
  }

  #fire(): void {
    const left = this.activeSecondsLeft() ?? (this.#deadline ? Math.max(0, Math.round((this.#deadline.getTime() - Date.now()) / 1000)) : 0);
    this.#warned = true;
    this.#notify(left);
  }
}
