#!/usr/bin/env bash
# Builds kv-recorder (server/recording/recorder/kv-recorder.c) into dist/recorder/, against
# Debian's libavformat (package libavformat-dev; npm run setup installs it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
mkdir -p dist/recorder
libs=$(pkg-config --cflags --libs libavformat libavcodec libavutil) || {
  echo "[recorder] libavformat-dev is missing: apt-get install libavformat-dev pkg-config" >&2
  exit 1
}
# shellcheck disable=SC2086
cc -std=c11 -O2 -Wall -Wextra -Werror -o dist/recorder/kv-recorder.tmp server/recording/recorder/kv-recorder.c $libs
mv dist/recorder/kv-recorder.tmp dist/recorder/kv-recorder
echo "[recorder] built dist/recorder/kv-recorder"
