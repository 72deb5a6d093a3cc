#!/usr/bin/env bash
# Fetch lwIP 2.1.3 from Debian's source package (lwip 2.1.3+dfsg1-2, the one
# bookworm's liblwip-dev is built from) and unpack it, with Debian's patches
# applied, into a directory. The archive's address comes from apt's own
# configuration (scripts/apt_mirror.sh); the .dsc is checked against a pinned
# SHA-256 and both tarballs against the SHA-256 the .dsc lists.
# Usage: scripts/lwip.sh <dir>    (idempotent; prints the source tree's path)
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=$1
VER=2.1.3+dfsg1
REV=2
DSC_SHA256=8d8f944db8e6d542fc2d6f01559078fb1b5dda71651c67ee5fa3571ed1342c50
tree="$DEST/lwip-$VER"
if [ -f "$tree/.unpacked-$REV" ]; then
  echo "$tree"
  exit 0
fi
base="$(scripts/apt_mirror.sh)/pool/main/l/lwip"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
get() { curl -fsSL --retry 3 --max-time 120 -o "$work/$1" "$base/$1"; }
dsc="lwip_${VER}-${REV}.dsc"
get "$dsc"
echo "$DSC_SHA256  $work/$dsc" | sha256sum -c --quiet -
# The .dsc's Checksums-Sha256 lines: "<sha256> <size> <file>".
sed -n '/^Checksums-Sha256:/,/^[A-Z]/p' "$work/$dsc" | awk 'NF == 3 { print $1 "  " $3 }' \
  >"$work/sums"
[ "$(wc -l <"$work/sums")" -eq 2 ] || { echo "lwip.sh: unexpected .dsc" >&2; exit 1; }
while read -r _ f; do get "$f"; done <"$work/sums"
(cd "$work" && sha256sum -c --quiet sums)
rm -rf "$tree" && mkdir -p "$tree"
tar -xJf "$work/lwip_${VER}.orig.tar.xz" -C "$tree" --strip-components=1
tar -xJf "$work/lwip_${VER}-${REV}.debian.tar.xz" -C "$tree"
if [ -f "$tree/debian/patches/series" ]; then
  grep -v '^#' "$tree/debian/patches/series" | while read -r p _; do
    [ -n "$p" ] && patch -s -d "$tree" -p1 <"$tree/debian/patches/$p"
  done
fi
touch "$tree/.unpacked-$REV"
echo "$tree"
