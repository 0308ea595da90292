#!/usr/bin/env bash
# Builds kv-recorder (server/recording/recorder/kv-recorder.c) into dist/recorder/, against
# Debian's libavformat (package libavformat-dev; npm run setup installs it). --if-changed: only
# when the source is newer than the binary (npm start runs it so).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
mkdir -p dist/recorder
src=server/recording/recorder/kv-recorder.c
if [ "${1:-}" = "--if-changed" ] && [ dist/recorder/kv-recorder -nt "$src" ] && [ dist/recorder/kv-recorder -nt "$0" ]; then
  exit 0
fi
libs=$(pkg-config --cflags --libs libavformat libavcodec libavutil) || {
  echo "[recorder] libavformat-dev is missing: apt-get install libavformat-dev pkg-config" >&2
  exit 1
}
# shellcheck disable=SC2086
cc -std=c11 -O2 -Wall -Wextra -Werror -o dist/recorder/kv-recorder.tmp "$src" $libs
mv dist/recorder/kv-recorder.tmp dist/recorder/kv-recorder
echo "[recorder] built dist/recorder/kv-recorder"
