/**
 * npm run bench:startup [-- --runs 5 --idle 5 [--cwd DIR] 'command' ...] — start time and idle RSS
 * of the server started by each command (default: tsx on the TypeScript sources, then the compiled
 * build), with embedded defaults (SQLite, no Redis), loopback, a free port, a fresh data dir.
 * --cwd runs the commands after it in another checkout (e.g. one whose node_modules were built for
 * another Node). Runs alternate between the commands, so load from elsewhere hits each alike.
 * Start: spawn to the "http server listening" log line, and to the first 200 from /healthz; and the
 * CPU time the server process used until listening (user + system), which a busy machine disturbs less.
 * Idle RSS: the server process alone (not its mediasoup worker), after --idle seconds.
 * Prints the median of --runs starts per command. `node` in a command is the first on PATH:
 * under npm scripts, the project's Node (node_modules/.bin/node).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../../server/config/load.ts';
import { onLogEntries } from '../helpers/log-lines.ts';
import { loopbackServerEnv } from '../helpers/loopback-env.ts';

const argsSchema = z.object({
  runs: z.coerce.number().int().min(1).max(20).default(5),
  idle: z.coerce.number().min(0).max(60).default(5),
  commands: z
    .array(z.object({ command: z.string().min(1), cwd: z.string().min(1) }))
    .default([
      { command: 'node --import tsx server/main.ts', cwd: projectRoot },
      { command: 'node dist/node/server/main.js', cwd: projectRoot },
    ]),
});

function parseArgs(argv: string[]): z.infer<typeof argsSchema> {
  const raw: Record<string, unknown> = {};
  const commands: Array<{ command: string; cwd: string }> = [];
  let cwd = projectRoot;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs' || a === '--idle') raw[a.slice(2)] = argv[++i];
    else if (a === '--cwd') cwd = path.resolve(argv[++i] ?? '');
    else commands.push({ command: a, cwd });
  }
  if (commands.length > 0) raw.commands = commands;
  return argsSchema.parse(raw);
}

const START_LIMIT_MS = 60_000;

interface Sample {
  listeningMs: number;
  cpuMs: number;
  healthyMs: number;
  rssMiB: number;
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** utime + stime of the process (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function once(argv: string[], cwd: string, idleSeconds: number): Promise<Sample> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kv-bench-startup-'));
  const t0 = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...loopbackServerEnv(dataDir), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const { url, listeningMs, cpu } = await new Promise<{ url: string; listeningMs: number; cpu: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "http server listening" within ${START_LIMIT_MS} ms; stderr: ${stderr}`)), START_LIMIT_MS);
      onLogEntries(child.stdout!, (entry) => {
        if (entry.msg === 'http server listening') {
          clearTimeout(timer);
          resolve({ url: String(entry.url), listeningMs: performance.now() - t0, cpu: cpuMs(child.pid!) });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before listening; stderr: ${stderr}`));
      });
    });
    let healthyMs = NaN;
    for (let i = 0; i < 200 && Number.isNaN(healthyMs); i++) {
      const res = await fetch(`${url}/healthz`).catch(() => null);
      if (res?.status === 200) healthyMs = performance.now() - t0;
      else await sleep(25);
    }
    if (Number.isNaN(healthyMs)) throw new Error('/healthz never answered 200');
    await sleep(idleSeconds * 1000);
    return { listeningMs, cpuMs: cpu, healthyMs, rssMiB: rssMiB(child.pid!) };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const opts = parseArgs(process.argv.slice(2));
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`runs: ${opts.runs} per command, idle RSS after ${opts.idle} s (server process only); figures: median (each run)`);
const runs = opts.commands.map(({ command, cwd }) => ({
  command,
  cwd,
  argv: command.split(/\s+/).filter(Boolean),
  samples: [] as Sample[],
}));
for (let i = 0; i < opts.runs; i++) {
  for (const r of runs) r.samples.push(await once(r.argv, r.cwd, opts.idle));
}
const fmt = (xs: number[], digits: number) => `${median(xs).toFixed(digits)} (${xs.map((x) => x.toFixed(digits)).join(', ')})`;
for (const { command, cwd, argv, samples } of runs) {
  const version = spawnSync(argv[0]!, ['-v'], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } }).stdout.trim();
  console.log(`\n${command}   [${argv[0]} = ${version}${cwd === projectRoot ? '' : `, in ${cwd}`}]`);
  console.log(`  spawn → listening  ms: ${fmt(samples.map((s) => s.listeningMs), 0)}`);
  console.log(`  spawn → /healthz   ms: ${fmt(samples.map((s) => s.healthyMs), 0)}`);
  console.log(`  CPU to listening   ms: ${fmt(samples.map((s) => s.cpuMs), 0)}`);
  console.log(`  idle RSS          MiB: ${fmt(samples.map((s) => s.rssMiB), 1)}`);
}
console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
