/**
 * A background pass run at start and then every `intervalMs`, never two at once. Direct calls
 * (tests driving a clock, a caller that wants a pass now) are tracked too, so stop() waits for
 * whichever pass is in progress before storage closes.
 */
export class PeriodicTask {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#tick(), this.intervalMs);
    this.#timer.unref();
    void this.#tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** Marks `run` as the pass in progress until it settles. */
  track<T>(run: Promise<T>): Promise<T> {
    this.#running = run;
    return run.finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
  }

  async #tick(): Promise<void> {
    if (this.#running) return;
    try {
      await this.pass();
    } catch (err) {
      this.onError(err);
    }
  }
}
