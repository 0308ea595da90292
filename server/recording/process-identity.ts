import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * A process as the recovery pass can recognise it again: a pid alone is reused (after a crash,
 * in a restarted container whose hostname changed too); a pid with its start time (clock ticks
 * after boot) on the same boot is not. bootId and startTicks are missing where there is no /proc.
 */
export interface ProcessIdentity {
  pid: number;
  bootId?: string;
  startTicks?: number;
}

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';
const USER_HZ = 100; // clock ticks per second of /proc/<pid>/stat on Linux

let own: ProcessIdentity | undefined;

/** This process (read once: it never changes). */
export function ownProcessIdentity(): ProcessIdentity {
  if (own) return own;
  own = { pid: process.pid };
  const bootId = readOr(() => readFileSync(BOOT_ID_FILE, 'utf8').trim());
  const startTicks = readOr(() => startTicksOf(readFileSync('/proc/self/stat', 'utf8')));
  if (bootId) own.bootId = bootId;
  if (startTicks !== undefined) own.startTicks = startTicks;
  return own;
}

/** True when the process `identity` names is alive now: same boot, same pid, same start. */
export async function isProcessAlive(identity: Required<ProcessIdentity>): Promise<boolean> {
  const bootId = await readFile(BOOT_ID_FILE, 'utf8').then((t) => t.trim(), () => undefined);
  if (bootId !== identity.bootId) return false;
  return (await processStartTicks(identity.pid)) === identity.startTicks;
}

/** Start of a live process in clock ticks after boot, from /proc; undefined when it is gone (or a zombie). */
export async function processStartTicks(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined ? undefined : startTicksOf(stat);
}

/** Wall-clock start of a live process (ms); undefined when it is gone. */
export async function processStartTime(pid: number): Promise<number | undefined> {
  const ticks = await processStartTicks(pid);
  if (ticks === undefined) return undefined;
  const btime = Number(/^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8').catch(() => ''))?.[1]);
  return Number.isFinite(btime) ? btime * 1000 + (ticks * 1000) / USER_HZ : undefined;
}

/** Field 22 (starttime) of /proc/<pid>/stat, counted after the command name (which may hold spaces). */
function startTicksOf(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z') return undefined;
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

function readOr<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
