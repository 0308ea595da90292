import { CALL_MEDIA, CAMERA } from './call-media.ts';
import type { EarlyCamera } from './early-camera.ts';

/** Camera and microphone access with the reason when it fails. */
export type MediaProblem = 'denied' | 'not_found' | 'in_use' | 'insecure' | 'unknown';

export class MediaAccessError extends Error {
  constructor(readonly problem: MediaProblem, message: string) {
    super(message);
  }
}


export type Facing = 'user' | 'environment';

/** How many cameras the device has (labels and ids are only known after permission; the count is). */
export async function cameraCount(): Promise<number> {
  const devices = await navigator.mediaDevices?.enumerateDevices?.().catch(() => []) ?? [];
  return devices.filter((d) => d.kind === 'videoinput').length;
}

/** A video track from the front (user) or back (environment) camera; rejects if there is none such. */
export async function openCamera(facing: Facing): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { ...CAMERA, facingMode: { exact: facing } } });
  return stream.getVideoTracks()[0]!;
}

/** Why getUserMedia failed, in the pages' terms. */
export function mediaAccessError(err: unknown): MediaAccessError {
  const name = (err as DOMException).name;
  const problem: MediaProblem =
    name === 'NotAllowedError' || name === 'SecurityError'
      ? 'denied'
      : name === 'NotFoundError' || name === 'OverconstrainedError'
        ? 'not_found'
        : name === 'NotReadableError' || name === 'AbortError'
          ? 'in_use'
          : 'unknown';
  return new MediaAccessError(problem, (err as Error).message);
}

/** Camera and microphone for a call; `early`: what an early start got (see early-camera.ts), used first. */
export async function openCameraAndMicrophone(early?: Promise<EarlyCamera> | null): Promise<MediaStream> {
  const started = early ? await early : null;
  if (started && 'stream' in started) return started.stream;
  if (started) throw mediaAccessError(started.error);
  if (!navigator.mediaDevices?.getUserMedia) throw new MediaAccessError(window.isSecureContext ? 'not_found' : 'insecure', 'getUserMedia unavailable');
  try {
    return await navigator.mediaDevices.getUserMedia(CALL_MEDIA);
  } catch (err) {
    throw mediaAccessError(err);
  }
}

/** mm:ss (or h:mm:ss) from milliseconds, never negative. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** A <video> for a stream; muted for the self view. */
export function attachVideo(video: HTMLVideoElement, stream: MediaStream | null, muted = false): void {
  video.muted = muted;
  video.playsInline = true;
  video.autoplay = true;
  if (video.srcObject !== stream) video.srcObject = stream;
  if (stream) void video.play().catch(() => {});
}
