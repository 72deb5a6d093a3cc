#!/usr/bin/env bash
# Build mbedTLS 3.x from Debian's source (trixie's mbedtls 3.6.6, the
# upstream tarball the Debian package is made from, checked against the
# SHA-256 in Debian's Sources index) into a prefix, so msgbus can be built
# and tested against the 3.x API as well as Debian 12's 2.28.
# Usage: scripts/mbedtls3.sh <prefix>    (idempotent: does nothing if built)
set -euo pipefail
PREFIX=$1
VER=3.6.6
SHA256=8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a
JOBS=${JOBS:-2}
if [ -f "$PREFIX/.built-$VER" ]; then
  exit 0
fi
# The archive's address comes from apt's own configuration: no host name here.
URL="$("$(dirname "$0")/apt_mirror.sh")/pool/main/m/mbedtls/mbedtls_${VER}.orig.tar.bz2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/src.tar.bz2" "$URL"
echo "$SHA256  $work/src.tar.bz2" | sha256sum -c --quiet -
tar -xjf "$work/src.tar.bz2" -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'mbedtls*' | head -1)
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DENABLE_PROGRAMS=OFF \
      -DENABLE_TESTING=OFF -DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DMBEDTLS_FATAL_WARNINGS=OFF \
      -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_INSTALL_PREFIX="$PREFIX" >/dev/null
cmake --build "$work/build" -j"$JOBS" >/dev/null
cmake --install "$work/build" >/dev/null
touch "$PREFIX/.built-$VER"
echo "mbedTLS $VER installed in $PREFIX"
