import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Known media for Chromium's fake capture devices: a solid colour (y4m) and a tone (wav). */
export interface FakeMedia {
  video: string;
  audio: string;
  colour: string;
  toneHz: number;
}

const dir = path.join(os.tmpdir(), `kv-fake-media-${process.pid}`);

/** Generates (once per process) `colour` at 320x240/15 fps and a sine tone, with Debian ffmpeg. */
export function fakeMedia(colour: string, toneHz: number): FakeMedia {
  mkdirSync(dir, { recursive: true });
  const video = path.join(dir, `${colour}.y4m`);
  const audio = path.join(dir, `tone-${toneHz}.wav`);
  const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
  if (!existsSync(video)) {
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=320x240:r=15`, '-t', '2', '-pix_fmt', 'yuv420p', video], { timeout: 30_000 });
  }
  if (!existsSync(audio)) {
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=48000:duration=3`, '-ac', '1', audio], { timeout: 30_000 });
  }
  return { video, audio, colour, toneHz };
}

/**
 * A busy camera: a 640x480 moving test pattern with grain at 15 fps, so every simulcast layer
 * needs real bitrate and a narrow link really has to shed layers. With a tone for audio.
 */
export function fakeBusyMedia(toneHz: number): FakeMedia {
  const base = fakeMedia('black', toneHz);
  const video = path.join(dir, 'busy-640x480.y4m');
  if (!existsSync(video)) {
    const ffmpeg = process.env.FFMPEG_PATH ?? 'ffmpeg';
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x480:r=15,noise=alls=12:allf=t', '-t', '2', '-pix_fmt', 'yuv420p', video], { timeout: 60_000 });
  }
  return { ...base, video, colour: 'noise' };
}
