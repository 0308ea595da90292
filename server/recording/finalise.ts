import { spawn } from 'node:child_process';
import { rename, rm, stat } from 'node:fs/promises';

/**
 * Rewrites a WebM whose writer did not end cleanly (ffmpeg killed or aborted) with stream copy,
 * so it gets its duration and cue index; a file with no media is left as it is.
 * Resolves true when the file was rewritten.
 */
export async function finaliseWebm(ffmpegPath: string, file: string): Promise<boolean> {
  const size = await stat(file).then((s) => s.size, () => 0);
  if (size === 0) return false;
  const tmp = `${file}.finalising.webm`;
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(ffmpegPath, ['-nostdin', '-v', 'error', '-i', file, '-map', '0', '-c', 'copy', '-f', 'webm', '-y', tmp], { stdio: 'ignore' });
    child.once('error', () => resolve(-1));
    child.once('exit', resolve);
  });
  if (code === 0) await rename(tmp, file);
  else await rm(tmp, { force: true });
  return code === 0;
}
