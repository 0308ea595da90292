import type { App } from './app.ts';
import type { Logger } from './logging/logger.ts';

// Above the time a live call needs to finalise its recording (CallService caps it at 6 s).
// config/kunjungan-video.service gives systemd a longer TimeoutStopSec.
export const SHUTDOWN_GRACE_MS = 9000;

/**
 * SIGTERM, SIGINT (Ctrl-C) and SIGHUP (terminal closed) stop the app: recordings are finalised
 * before the media workers close, then the process exits 0. A repeated signal (npm forwards
 * Ctrl-C to the server, which already got it from the terminal) does not cut that short.
 */
export function stopOnSignals(app: App, logger: Logger, graceMs = SHUTDOWN_GRACE_MS): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'already shutting down, finishing the recordings first');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);
}
