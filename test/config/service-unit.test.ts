import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/config/load.ts';
import { SHUTDOWN_GRACE_MS } from '../../server/shutdown.ts';

const unitFile = path.join(projectRoot, 'config', 'kunjungan-video.service');

function serviceSettings(): Map<string, string> {
  const settings = new Map<string, string>();
  let section = '';
  for (const raw of readFileSync(unitFile, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('[')) section = line;
    else if (section === '[Service]') {
      const eq = line.indexOf('=');
      settings.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return settings;
}

describe('the systemd unit in config/', () => {
  it('stops the server alone with SIGTERM and waits longer than its shutdown grace', () => {
    const s = serviceSettings();
    expect(s.get('KillMode')).toBe('mixed');
    expect(s.get('KillSignal')).toBe('SIGTERM');
    expect(Number(s.get('TimeoutStopSec')) * 1000).toBeGreaterThan(SHUTDOWN_GRACE_MS);
    expect(s.get('Restart')).toBe('on-failure');
  });

  it('starts the same command as npm start, from the project directory', () => {
    const s = serviceSettings();
    const start = (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(start.replace(/^exec node /, '')).toBe(s.get('ExecStart')!.replace(/^\S*\/node /, ''));
    expect(s.get('WorkingDirectory')).toMatch(/^\//);
  });

  it('passes systemd-analyze verify where systemd is installed, installed in this checkout', () => {
    // verify checks that ExecStart's executable exists: the unit's /opt/kunjungan-video becomes this checkout.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kv-unit-'));
    try {
      const installed = path.join(dir, 'kunjungan-video.service');
      writeFileSync(installed, readFileSync(unitFile, 'utf8').replaceAll('/opt/kunjungan-video', projectRoot));
      const r = spawnSync('systemd-analyze', ['verify', installed], { encoding: 'utf8', timeout: 20_000 });
      if (r.error) return; // no systemd on this machine
      expect(r.stderr.split('\n').filter((l) => l.includes('kunjungan-video.service'))).toEqual([]);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
