/** What the capacity benchmark reads from /proc: CPU and RSS per process, busy time per core, UDP counters, the machine. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of a process (all its threads), seconds; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / TICKS : undefined;
}

/** Resident set size, bytes (0 once gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Proportional set size, bytes (0 once gone): shared pages divided among the processes mapping
 * them. Every recorder maps the same Debian libav* libraries, so summing RSS
 * over hundreds of recorders counts those pages hundreds of times.
 */
export function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Children of `parent` that are kv-recorder processes, not generators. */
export function recordingRecorderPids(parent = process.pid): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (!f || Number(f[1]) !== parent) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (path.basename(cmd[0] ?? '') === 'kv-recorder') pids.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}

/** Busy and total jiffies per core (from /proc/stat; busy = all but idle and iowait). */
export function coreTimes(): Array<{ busy: number; total: number }> {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d+ /.test(l))
    .map((l) => {
      const v = l.trim().split(/\s+/).slice(1).map(Number);
      const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
      return { busy: total - v[3]! - v[4]!, total };
    });
}

export interface UdpCounters {
  InDatagrams: number;
  NoPorts: number;
  RcvbufErrors: number;
  SndbufErrors: number;
  InErrors: number;
}

export function udpCounters(): UdpCounters {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  const get = (n: string) => values[names.indexOf(n)] ?? 0;
  return { InDatagrams: get('InDatagrams'), NoPorts: get('NoPorts'), RcvbufErrors: get('RcvbufErrors'), SndbufErrors: get('SndbufErrors'), InErrors: get('InErrors') };
}

/** Pins a process (every thread) to the given cores; false when taskset is missing or refused. */
export function pin(pid: number, cores: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', cores, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function machine(mediasoupVersion: string): Record<string, string | number> {
  let kernel = os.release();
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    // os.release() it is
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel,
    node: process.version,
    mediasoup: mediasoupVersion,
    loadAverage: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

/** MemAvailable, bytes. */
export function memAvailableBytes(): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
