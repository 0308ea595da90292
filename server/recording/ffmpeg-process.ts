import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { isPortTaken } from './udp-ports.ts';

const READY_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 5000;
const QUIET_INPUT_GRACE_MS = 1500;

type Events = { died: [{ code: number | null; signal: NodeJS.Signals | null; stderr: string }] };

/**
 * One ffmpeg writing one file from RTP described by an SDP on stdin, stream copy only
 * (no transcoding). 'died' fires when it exits without being asked to.
 */
export class FfmpegProcess extends EventEmitter<Events> {
  readonly #child: ChildProcess;
  #stderr = '';
  #stopping = false;
  readonly #exited: Promise<number | null>;

  private constructor(child: ChildProcess) {
    super();
    this.#child = child;
    child.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.#stopping) this.emit('died', { code, signal, stderr: this.#stderr });
        resolve(code);
      });
    });
  }

  /** Started and not exited (nor asked to stop). */
  get running(): boolean {
    return !this.#stopping && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Starts ffmpeg and resolves once it listens on `firstPort`; rejects if it cannot start. */
  static async start(options: { ffmpegPath: string; sdp: string; file: string; firstPort: number }): Promise<FfmpegProcess> {
    const child = spawn(
      options.ffmpegPath,
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'pipe,udp,rtp', '-fflags', '+genpts',
        '-f', 'sdp', '-i', 'pipe:0', '-map', '0', '-c', 'copy', '-flush_packets', '1', '-cluster_time_limit', '1000', '-f', 'webm', '-y', options.file],
      // Its own process group: a signal to the server's group (Ctrl-C) must not stop it before the
      // server does, with one SIGINT while media still flows.
      { stdio: ['pipe', 'ignore', 'pipe'], detached: true },
    );
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    child.stdin!.on('error', () => {}); // a dead ffmpeg surfaces through 'exit'
    child.stdin!.end(options.sdp);
    const proc = new FfmpegProcess(child);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const failure = await Promise.race([spawnError, proc.#exited.then(() => 'exited' as const), new Promise((r) => setTimeout(r, 50, null))]);
      if (failure instanceof Error) throw new Error(`cannot start ffmpeg (${options.ffmpegPath}): ${failure.message}`);
      if (failure === 'exited') throw new Error(`ffmpeg exited at start: ${proc.#stderr.trim().slice(-500)}`);
      if (await isPortTaken(options.firstPort)) return proc;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error('ffmpeg did not open its RTP input in time');
      }
    }
  }

  /**
   * Ends the recording. One SIGINT makes ffmpeg finalise the file, but it only notices the
   * signal between packets: if the party's media already stopped, a second SIGINT after a
   * grace period aborts the blocked read (the file is then complete but lacks its index, see
   * finaliseWebm). SIGKILL if it still hangs. Resolves true when the first SIGINT sufficed.
   */
  async stop(): Promise<boolean> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return false;
    this.#stopping = true;
    this.#child.kill('SIGINT');
    let graceful = true;
    const second = setTimeout(() => {
      graceful = false;
      this.#child.kill('SIGINT');
    }, QUIET_INPUT_GRACE_MS);
    const killer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(second);
    clearTimeout(killer);
    return graceful;
  }
}
