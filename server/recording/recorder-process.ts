import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { types as ms } from 'mediasoup';

const READY_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 5000;

type Events = { died: [{ code: number | null; signal: NodeJS.Signals | null; stderr: string }] };

/** One track of a recording file: the RTP it receives, and where it sends key-frame requests. */
export interface RecorderTrack {
  kind: ms.MediaKind;
  rtpParameters: ms.RtpParameters;
  /** The sending transport's port on 127.0.0.1. */
  senderPort: number;
}

/** `kind:codec:payloadType:clockRate:channels:ssrc:senderPort`, the recorder's --track argument. */
function trackArgument(track: RecorderTrack): string {
  const codec = track.rtpParameters.codecs[0];
  const ssrc = track.rtpParameters.encodings?.[0]?.ssrc;
  if (!codec || ssrc === undefined) throw new Error(`consumer for ${track.kind} has no codec or SSRC`);
  const name = codec.mimeType.split('/')[1]!.toLowerCase();
  const channels = track.kind === 'audio' ? (codec.channels ?? 1) : 0;
  return `${track.kind}:${name}:${codec.payloadType}:${codec.clockRate}:${channels}:${ssrc}:${track.senderPort}`;
}

/**
 * One kv-recorder (server/recording/recorder) writing one WebM file, stream copy, from RTP it
 * receives on loopback ports of its own choosing, one per track. 'died' fires when it exits
 * without being asked to.
 */
export class RecorderProcess extends EventEmitter<Events> {
  readonly #child: ChildProcess;
  #stderr = '';
  #stopping = false;
  readonly #exited: Promise<number | null>;
  /** The UDP port of each track, in the order given. */
  readonly ports: number[];

  private constructor(child: ChildProcess, ports: number[], stderr: string) {
    super();
    this.#child = child;
    this.ports = ports;
    this.#stderr = stderr;
    child.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    this.#exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
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

  /** Starts the recorder and resolves once its ports are bound; rejects if it cannot start. */
  static async start(options: { recorderPath: string; file: string; tracks: RecorderTrack[] }): Promise<RecorderProcess> {
    const args = ['--out', options.file, ...options.tracks.flatMap((t) => ['--track', trackArgument(t)])];
    // Its own process group: a signal to the server's group (Ctrl-C) must not stop it before the
    // server does, which stops it before closing the transports and the router.
    const child = spawn(options.recorderPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    const onStderr = (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000));
    child.stderr!.on('data', onStderr);
    let onStdout: (d: Buffer) => void = () => {};
    const ports = await new Promise<number[]>((resolve, reject) => {
      let out = '';
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(why));
      };
      const timer = setTimeout(() => fail('the recorder did not open its ports in time'), READY_TIMEOUT_MS);
      const onError = (err: Error) => fail(`cannot start the recorder (${options.recorderPath}): ${err.message}`);
      const onExit = () => fail(`the recorder exited at start: ${stderr.trim().slice(-500)}`);
      child.once('error', onError);
      child.once('exit', onExit);
      onStdout = (d: Buffer) => {
        out += d.toString();
        const line = /^ports((?: \d+)+)\n/.exec(out);
        if (!line) return;
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('error', onError);
        const found = line[1]!.trim().split(' ').map(Number);
        if (found.length !== options.tracks.length) return fail(`the recorder opened ${found.length} ports for ${options.tracks.length} tracks`);
        resolve(found);
      };
      child.stdout!.on('data', onStdout);
    });
    child.stdout!.off('data', onStdout);
    child.stdout!.resume();
    child.stderr!.off('data', onStderr);
    return new RecorderProcess(child, ports, stderr);
  }

  /**
   * Ends the recording: on SIGINT the recorder writes what it holds and the file's index, and
   * exits. SIGKILL if it has not after STOP_TIMEOUT_MS. Resolves true when it ended cleanly.
   */
  async stop(): Promise<boolean> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return false;
    this.#stopping = true;
    this.#child.kill('SIGINT');
    let killed = false;
    const killer = setTimeout(() => {
      killed = true;
      this.#child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    const code = await this.#exited;
    clearTimeout(killer);
    return !killed && code === 0;
  }
}
