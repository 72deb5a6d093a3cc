#!/usr/bin/env bash
# Fails if any C source or header in the tree differs from .clang-format's layout.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find include src port tests fuzz bench tools -name '*.[ch]')
bad=0
for f in $files; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || { echo "not formatted: $f"; bad=1; }
done
[ $bad -eq 0 ] && echo "format ok: $(echo "$files" | wc -w) files"
exit $bad
