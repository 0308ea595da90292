import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../server/config/load.ts';
import { onLogEntries } from './log-lines.ts';
import { loopbackServerEnv } from './loopback-env.ts';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  dataDir: string;
  /** Every structured log line so far. */
  logs: Array<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/**
 * Runs the real server (`node --import tsx server/main.ts`, or through `npm start` as the README
 * says) on loopback with a fresh data dir and a free HTTP port; resolves once it logs its URL.
 */
export async function startServerProcess(
  env: Record<string, string> = {},
  via: 'node' | 'npm start' = 'node',
  /** entry: another script run with node (a test harness around the real app); ownGroup: lead its own process group, as a server started from a terminal or by systemd does. */
  options: { entry?: string; ownGroup?: boolean; startTimeoutMs?: number } = {},
): Promise<ServerProcess> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'kv-server-'));
  const [command, args] = via === 'node' ? [process.execPath, ['--import', 'tsx', options.entry ?? 'server/main.ts']] : ['npm', ['start', '--silent']];
  const child = spawn(command, args, {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      ...loopbackServerEnv(dataDir),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // npm start gets its own process group, so a test can clean up whatever npm left behind.
    detached: via === 'npm start' || options.ownGroup === true,
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const startTimeoutMs = options.startTimeoutMs ?? 30_000;
    const timer = setTimeout(() => reject(new Error(`server did not start in ${startTimeoutMs / 1000} s; stderr: ${stderr}; last logs: ${logs.slice(-5).map((l) => `${l.msg} ${l.err ?? ''}`).join(' | ')}`)), startTimeoutMs);
    onLogEntries(child.stdout!, (entry) => {
      logs.push(entry);
      if (entry.msg === 'http server listening') {
        clearTimeout(timer);
        resolve(String(entry.url));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
  return {
    child, url, dataDir, logs,
    stop(signal = 'SIGTERM') {
      const t0 = Date.now();
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve({ code: child.exitCode, ms: 0 });
        child.once('exit', (code) => resolve({ code, ms: Date.now() - t0 }));
        child.kill(signal);
      });
    },
  };
}
