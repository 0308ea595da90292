#!/usr/bin/env bash
# Builds mediasoup's C++ worker from the npm tarball against Debian/Ubuntu system libraries,
# with the shim subprojects in ./shims instead of mediasoup's download wraps. Nothing is
# downloaded. Called by install.mjs when the upstream prebuilt worker cannot be had.
#
# Result: node_modules/mediasoup/worker/out/Release/mediasoup-worker (mediasoup's default path).
# The binary is cached by mediasoup version + shim hash + OS + arch, so a reinstall takes seconds.
# Prints "[mediasoup-worker] path=debian-build" or "path=debian-cache" on success.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${PROJECT_ROOT:-$(cd "$HERE/../../.." && pwd)}"
CACHE_ROOT="${MEDIASOUP_WORKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mediasoup-worker}"
JOBS="${JOBS:-$(nproc)}"

MS_DIR="${MEDIASOUP_DIR:-$ROOT/node_modules/mediasoup}"
MS_VERSION="$(node -p "require('$MS_DIR/package.json').version")"
DEST="$MS_DIR/worker/out/Release/mediasoup-worker"

SHIMS_HASH="$(cd "$HERE" && find shims build.sh -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
KEY="${MS_VERSION}-$(. /etc/os-release; echo "${ID}${VERSION_ID:-}")-$(uname -m)-${SHIMS_HASH}"
CACHED="$CACHE_ROOT/$KEY/mediasoup-worker"

binary_ok() { [ -x "$1" ] && ! ldd "$1" | grep -q 'not found'; }

if binary_ok "$CACHED"; then
  PATH_TAKEN=debian-cache
  echo "[mediasoup-worker] using cached build $CACHED"
else
  PATH_TAKEN=debian-build
  for tool in meson ninja flatc pkg-config g++; do
    command -v "$tool" >/dev/null || { echo "[mediasoup-worker] missing build tool '$tool': run 'npm run setup' as root, or see README 'Install offline'" >&2; exit 1; }
  done
  echo "[mediasoup-worker] building $KEY from the npm tarball (about 4-10 min on 2 cores)"
  WORK="$CACHE_ROOT/$KEY/work"
  rm -rf "$WORK"; mkdir -p "$WORK"
  cp -a "$MS_DIR/worker" "$WORK/src"
  rm -rf "$WORK/src/subprojects"/*.wrap "$WORK/src/subprojects/packagefiles" "$WORK/src/out" "$WORK/src/prebuild"
  cp -a "$HERE/shims/." "$WORK/src/subprojects/"
  # Debian 12 ships meson 1.0.1; mediasoup asks for >= 1.1.0 but builds with 1.0.1.
  sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.0'/" "$WORK/src/meson.build"
  # mediasoup's DTLS BIO callback answers 1 to every BIO_ctrl() it sees. Debian's OpenSSL is
  # built with kernel TLS, so BIO_get_ktls_send() reaches that callback, "kTLS" looks enabled,
  # no record write buffer is allocated, and the worker crashes (SIGSEGV in SSL_read) on the
  # first ClientHello from a browser. Upstream's bundled OpenSSL has no kTLS, which hides it.
  # Fix: hand back OpenSSL's own result for every "after" (BIO_CB_RETURN) callback.
  DTLS_SRC="$WORK/src/src/RTC/DtlsTransport.cpp"
  grep -q '(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1' "$DTLS_SRC" || {
    echo "[mediasoup-worker] DTLS BIO callback patch does not apply to mediasoup $MS_VERSION: review build.sh" >&2; exit 1; }
  sed -i 's/(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1/(operationType \& BIO_CB_RETURN) != 0 ? static_cast<long>(ret) : 1/' "$DTLS_SRC"
  meson setup --wrap-mode=nodownload --buildtype release -Db_ndebug=true \
    ${MESON_ARGS:-} "$WORK/build" "$WORK/src"
  ninja -C "$WORK/build" -j "$JOBS" mediasoup-worker
  strip "$WORK/build/mediasoup-worker" || true
  cp "$WORK/build/mediasoup-worker" "$CACHED.tmp" && mv "$CACHED.tmp" "$CACHED"
  [ -n "${KEEP_MEDIASOUP_BUILD:-}" ] || rm -rf "$WORK"
fi

mkdir -p "$(dirname "$DEST")"
cp "$CACHED" "$DEST.tmp" && mv "$DEST.tmp" "$DEST"
echo "[mediasoup-worker] installed $DEST"
echo "[mediasoup-worker] path=$PATH_TAKEN"
