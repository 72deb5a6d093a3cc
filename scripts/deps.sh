#!/usr/bin/env bash
# Install what msgbus needs on Debian 12 (idempotent). Runs apt-get as root, or
# through sudo when not root. Packages already present are not reinstalled.
set -euo pipefail

PKGS=(build-essential cmake pkg-config clang libclang-rt-dev
      libcmocka-dev libmbedtls-dev
      zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev
      librdkafka-dev kcat python3-kafka stunnel4 openssl curl bzip2 xz-utils patch ca-certificates
      iproute2 liblwip-dev
      gcc-arm-none-eabi picolibc-arm-none-eabi qemu-system-arm
      gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user-static
      gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
