#!/usr/bin/env bash
# Every global symbol libmsgbus.a defines must start with msgbus_ (public API)
# or mb_ (internal); names starting with __ are the compiler's own (sanitizer
# instrumentation) and are let through. Prints offenders and fails if there are any.
set -euo pipefail
lib=${1:?usage: check_symbols.sh libmsgbus.a}
bad=$(nm -g --defined-only "$lib" | awk 'NF==3 {print $3}' | grep -vE '^(msgbus_|mb_|__)' | sort -u || true)
if [ -n "$bad" ]; then
  echo "symbols without the msgbus_/mb_ prefix:"; echo "$bad"; exit 1
fi
echo "symbol prefixes ok: $(nm -g --defined-only "$lib" | awk 'NF==3' | wc -l) global symbols"
