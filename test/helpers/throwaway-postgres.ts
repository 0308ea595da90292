import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * vitest globalSetup of the node project: when TEST_DATABASE_URL is not given, start a
 * throwaway PostgreSQL (Debian's binaries, installed by `npm run setup`) on a free loopback
 * port with its data in a temporary folder, point the test workers at it, and remove it at
 * the end. So `npm test` needs no PostgreSQL service running on the machine.
 */
export default async function throwawayPostgres(): Promise<(() => void) | void> {
  if (process.env.TEST_DATABASE_URL) return;
  const bin = postgresBinDir();
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-test-pg-'));
  const dataDir = path.join(dir, 'data');
  // PostgreSQL refuses to run as root: as root, run it as Debian's `postgres` system user.
  const asUser = process.getuid?.() === 0 ? postgresUser() : null;
  if (asUser) chownSync(dir, asUser.uid, asUser.gid);
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asUser ? ['runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    const r = spawnSync(file, argv, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed (exit ${r.status}): ${r.stderr || r.stdout || r.error?.message}`);
  };
  run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  run('pg_ctl', [
    '-D', dataDir, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start',
    '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
  ]);
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'test']);
  process.env.TEST_DATABASE_URL = `postgres://postgres@127.0.0.1:${port}/test`;
  console.log(`[test] throwaway PostgreSQL on 127.0.0.1:${port} (${dataDir})`);
  return () => {
    try {
      run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) {
    throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql: run `npm run setup` (installs Debian\'s postgresql) or set TEST_DATABASE_URL');
  }
  return path.join(root, versions[0]!, 'bin');
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
