#!/usr/bin/env bash
# Print the base address of the first Debian archive apt is configured with
# (the "deb" lines of /etc/apt/sources.list, then the URIs of "Types: deb"
# stanzas in /etc/apt/sources.list.d/*.sources and *.list), so scripts that
# fetch Debian source packages never carry a host name of their own.
# The security archive is skipped: it holds no source packages of interest.
# Usage: scripts/apt_mirror.sh    (prints e.g. http://mirror.example/debian)
set -euo pipefail
lists=()
[ -f /etc/apt/sources.list ] && lists+=(/etc/apt/sources.list)
for f in /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && lists+=("$f"); done
uri=""
if [ ${#lists[@]} -gt 0 ]; then
  uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' \
        "${lists[@]}" | grep -v -- '-security' | head -1 || true)
fi
if [ -z "$uri" ]; then
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822: a stanza is a run of lines up to a blank line.
    uri=$(awk 'BEGIN { RS = ""; FS = "\n" }
               { types = ""; uris = "";
                 for (i = 1; i <= NF; i++) {
                   if ($i ~ /^Types:/) types = $i;
                   if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) } }
                 if (types ~ /[ \t]deb([ \t]|$)/ && uris != "") { split(uris, u, /[ \t]+/); print u[1] } }' \
          "$f" | grep -v -- '-security' | head -1 || true)
    [ -n "$uri" ] && break
  done
fi
if [ -z "$uri" ]; then
  echo "apt_mirror: no Debian archive found in apt's sources" >&2
  exit 1
fi
echo "${uri%/}"
