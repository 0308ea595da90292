// Ensures node_modules/mediasoup has a worker binary that passes the smoke test.
// Order: an already-installed worker that passes; the upstream prebuilt worker (when it can be
// downloaded); else a build from the npm tarball against Debian's libraries (build.sh, cached).
// MEDIASOUP_WORKER_SOURCE=prebuilt|debian forces one path. Prints the path it took; exits 1 loudly.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const msDir = path.join(root, 'node_modules', 'mediasoup');
const releaseDir = path.join(msDir, 'worker', 'out', 'Release');
const workerBin = path.join(releaseDir, 'mediasoup-worker');
const source = process.env.MEDIASOUP_WORKER_SOURCE ?? 'auto';
const log = (msg) => console.log(`[mediasoup-worker] ${msg}`);

// MEDIASOUP_WORKER_BIN=skip is how the install stops mediasoup's own downloader; at run time
// mediasoup would take it as the binary path, so it must not reach the smoke test.
const runEnv = { ...process.env };
delete runEnv.MEDIASOUP_WORKER_BIN;

function smoke() {
  const r = spawnSync(process.execPath, [path.join(here, 'smoke.mjs')], { cwd: root, env: runEnv, encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) {
    process.stdout.write(r.stdout);
    return true;
  }
  log(`smoke test failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return false;
}

function prebuiltName(version) {
  const kernel = os.platform() === 'linux' ? `-kernel${Number(os.release().split('.')[0])}` : '';
  return `mediasoup-worker-${version}-${os.platform()}-${os.arch()}${kernel}.tgz`;
}

async function tryPrebuilt() {
  const pkg = JSON.parse(readFileSync(path.join(msDir, 'package.json'), 'utf8'));
  const base = process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL
    ?? `${pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')}/releases/download`;
  const url = `${base}/${pkg.version}/${prebuiltName(pkg.version)}`;
  log(`trying upstream prebuilt worker ${url}`);
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    log(`prebuilt worker not reachable (${err.cause?.code ?? err.message})`);
    return false;
  }
  if (!res.ok) {
    log(`prebuilt worker not available (HTTP ${res.status})`);
    return false;
  }
  const tmp = path.join(releaseDir, '.prebuilt');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    execFileSync('tar', ['xzf', '-', '-C', tmp], { input: Buffer.from(await res.arrayBuffer()) });
    chmodSync(path.join(tmp, 'mediasoup-worker'), 0o755);
    renameSync(path.join(tmp, 'mediasoup-worker'), workerBin);
    return true;
  } catch (err) {
    log(`prebuilt worker archive unusable: ${err.message}`);
    return false;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs build.sh, streaming its output; resolves to the path it reports (debian-build or debian-cache). */
function debianBuild() {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(here, 'build.sh')], { cwd: root, env: runEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    let taken = null;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      taken = /path=(debian-[a-z]+)/.exec(chunk)?.[1] ?? taken;
    });
    child.on('close', (code) => resolve(code === 0 ? taken ?? 'debian-build' : null));
  });
}

function done(pathTaken) {
  log(`path=${pathTaken}`);
  process.exit(0);
}

if (!existsSync(msDir)) {
  log('node_modules/mediasoup is missing: run npm install first');
  process.exit(1);
}
if (source === 'auto' && existsSync(workerBin) && smoke()) done('already-installed');
if (source !== 'debian') {
  mkdirSync(releaseDir, { recursive: true });
  if ((await tryPrebuilt()) && smoke()) done('upstream-prebuilt');
  if (source === 'prebuilt') {
    log('MEDIASOUP_WORKER_SOURCE=prebuilt but no working prebuilt worker could be installed');
    process.exit(1);
  }
}
log('falling back to a build from the npm tarball against system libraries');
const built = await debianBuild();
if (built && smoke()) done(built);
log('FAILED: no working mediasoup worker. Install the build packages (README, "Install offline") and run `npm run setup` again.');
process.exit(1);
