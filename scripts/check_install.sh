#!/usr/bin/env bash
# Install the built library into a scratch prefix, then build a consumer with
# find_package(msgbus) and another with pkg-config, and run both.
set -euo pipefail
build=${1:?usage: check_install.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/tests/install" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
"$tmp/consumer/consumer"
libdir=$(dirname "$(find "$tmp/prefix" -name msgbus.pc | head -1)")
PKG_CONFIG_PATH="$libdir" cc -std=c11 "$src/tests/install/main.c" \
  $(PKG_CONFIG_PATH="$libdir" pkg-config --cflags --libs msgbus) -o "$tmp/pc_consumer"
"$tmp/pc_consumer"
