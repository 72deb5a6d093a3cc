#!/usr/bin/env bash
# `msgbus produce` read back by kcat: each stdin line one message, with the
# key and header given, in order; then 1,000 generated messages of 100 bytes,
# counted by kcat; msgbus consume reads both back too, and reads what kcat
# produced in each compression codec. Usage: cli_produce_kcat.sh MSGBUS_CLI BOOTSTRAP
set -euo pipefail
cli=$1 bs=$2
topic=cli-produce-$$
printf 'first line\nsecond line\n\nlast line\n' |
  "$cli" produce -b "$bs" -t "$topic" -k sensor-7 -H origin=ctest -H n=1 2>err.log
grep -qx "4 delivered" err.log || { cat err.log; exit 1; }
got=$(timeout 30 kcat -b "$bs" -C -t "$topic" -o beginning -e -q -f '%k|%s|%h\n')
want=$'sensor-7|first line|origin=ctest,n=1\nsensor-7|second line|origin=ctest,n=1\nsensor-7||origin=ctest,n=1\nsensor-7|last line|origin=ctest,n=1'
if [ "$got" != "$want" ]; then
  printf 'kcat read:\n%s\nexpected:\n%s\n' "$got" "$want"
  exit 1
fi
# and msgbus consume reads the same lines back
got=$(timeout 30 "$cli" consume -b "$bs" -t "$topic" -e 2>err.log)
if [ "$got" != $'first line\nsecond line\n\nlast line' ]; then
  printf 'msgbus consume read:\n%s\n' "$got"; cat err.log; exit 1
fi
"$cli" produce -b "$bs" -t "$topic-n" -n 1000 -s 100 2>err.log
grep -qx "1000 delivered" err.log || { cat err.log; exit 1; }
n=$(timeout 30 kcat -b "$bs" -C -t "$topic-n" -o beginning -e -q -f '%S\n' | grep -cx 100)
[ "$n" = 1000 ] || { echo "kcat read $n messages of 100 bytes, expected 1000"; exit 1; }
n=$(timeout 30 "$cli" consume -b "$bs" -t "$topic-n" -e 2>/dev/null | grep -c '^abcdefghij')
[ "$n" = 1000 ] || { echo "msgbus consume read $n messages, expected 1000"; exit 1; }
# the other way: what kcat produced, compressed, msgbus consume reads back
for codec in gzip lz4 zstd snappy; do
  seq 1 500 | sed "s/^/$codec line /" | timeout 30 kcat -b "$bs" -P -t "$topic-$codec" -z "$codec" -p 0
  got=$(timeout 30 "$cli" consume -b "$bs" -t "$topic-$codec" -p 0 -e 2>err.log)
  want=$(seq 1 500 | sed "s/^/$codec line /")
  [ "$got" = "$want" ] || { echo "msgbus consume read of kcat's $codec batches differs"; cat err.log; exit 1; }
done
echo "kcat read back what msgbus produced"
