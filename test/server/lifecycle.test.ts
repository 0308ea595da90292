import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config/load.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

interface Health {
  status: string;
  workers: Array<{ index: number; pid: number; alive: boolean; restarts: number }>;
  database: { kind: string; ok: boolean };
}

async function health(server: ServerProcess): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${server.url}/healthz`);
  return { status: res.status, body: (await res.json()) as Health };
}

describe('server process with embedded defaults', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ MEDIASOUP_WORKERS: '2' });
  });
  afterAll(async () => {
    await server.stop('SIGKILL');
  });

  it('reports every worker alive and the embedded database reachable', async () => {
    const { status, body } = await health(server);
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.workers).toHaveLength(2);
    expect(body.workers.every((w) => w.alive && w.pid > 0)).toBe(true);
    expect(body.database).toEqual({ kind: 'sqlite', ok: true });
  });

  it('answers unknown routes and malformed JSON with a JSON 4xx and keeps running', async () => {
    const missing = await fetch(`${server.url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
    const bad = await fetch(`${server.url}/api/nothing-here`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_json' } });
    expect((await health(server)).status).toBe(200);
  });

  it('replaces a worker that dies and logs it', async () => {
    const before = (await health(server)).body.workers[0]!;
    process.kill(before.pid, 'SIGKILL');
    let after = before;
    for (let i = 0; i < 50 && after.restarts === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await health(server)).body.workers[0]!;
    }
    expect(after.restarts).toBe(1);
    expect(after.pid).not.toBe(before.pid);
    expect(after.alive).toBe(true);
    expect((await health(server)).status).toBe(200);
    expect(server.logs.some((l) => l.msg === 'mediasoup worker replaced' && l.oldPid === before.pid)).toBe(true);
  });

  it('exits 0 within 5 s on SIGTERM', async () => {
    const { code, ms } = await server.stop('SIGTERM');
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
  });
});

describe('the server started with npm start', () => {
  // npm start compiles the server first (prestart: tsc -b) when the sources are newer than dist/node.
  it('stops cleanly when npm gets SIGTERM, as under a process manager', { timeout: 180_000 }, async () => {
    const server = await startServerProcess({ MEDIASOUP_WORKERS: '1' }, 'npm start', { startTimeoutMs: 150_000 });
    try {
      expect((await health(server)).status).toBe(200);
      const { code, ms } = await server.stop('SIGTERM');
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5000);
      expect(server.logs.some((l) => l.msg === 'stopped')).toBe(true);
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    } finally {
      try {
        process.kill(-server.child.pid!, 'SIGKILL'); // npm and anything it started
      } catch {
        /* already gone */
      }
    }
  });
});

describe('server start-up with bad configuration', () => {
  it('exits with a message naming the bad key', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('http.port (environment PORT)');
  });

  it('refuses NODE_ENV=production without JWT_SECRET', async () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '0', HTTP_HOST: '127.0.0.1', DATA_DIR: '/tmp/kv-prod-test' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    expect(r.stdout + r.stderr).toContain('required when NODE_ENV=production');
  });
});
