#!/usr/bin/env bash
# `msgbus consume -g G > out` stopped by SIGTERM, then started again: every
# record appears in out at least once (the group's commits never run ahead
# of what was printed and flushed), the signal stop exits 0, and errors exit
# non-zero: an unreachable broker, a partition the topic does not have, a
# bad -T. Usage: cli_consume_signal.sh MSGBUS_CLI BOOTSTRAP
set -euo pipefail
cli=$1 bs=$2
topic=cli-signal-$$ group=cli-signal-group-$$ n=20000
seq 1 "$n" | "$cli" produce -b "$bs" -t "$topic" 2>err.log
grep -qx "$n delivered" err.log || { cat err.log; exit 1; }

# first run: stopped by SIGTERM once it has printed (and committed) something
rm -f out.txt
"$cli" consume -b "$bs" -t "$topic" -g "$group" >out.txt 2>err1.log &
pid=$!
for _ in $(seq 300); do [ -s out.txt ] && break; sleep 0.1; done
[ -s out.txt ] || { echo "consume printed nothing in 30 s"; cat err1.log; kill -9 $pid; exit 1; }
sleep 1.5 # at least one periodic commit
kill -TERM $pid
rc=0
wait $pid || rc=$?
[ "$rc" = 0 ] || { echo "consume stopped by SIGTERM exited $rc, expected 0"; cat err1.log; exit 1; }
grep -q "stopped by a signal" err1.log || { echo "no stop message"; cat err1.log; exit 1; }
first=$(wc -l <out.txt)

# second run: resumes where the group committed, appends, stops at the end
rc=0
timeout 60 "$cli" consume -b "$bs" -t "$topic" -g "$group" -e -T 20000 >>out.txt 2>err2.log || rc=$?
[ "$rc" = 0 ] || { echo "second consume exited $rc"; cat err2.log; exit 1; }
total=$(wc -l <out.txt)
unique=$(sort -u out.txt | wc -l)
missing=$(seq 1 "$n" | sort | comm -23 - <(sort -u out.txt) | wc -l)
echo "first run printed $first, both runs $total lines, $unique unique, $missing missing"
[ "$missing" = 0 ] && [ "$unique" = "$n" ] || { echo "records were lost"; exit 1; }

# errors exit non-zero, and say why
rc=0
timeout 60 "$cli" consume -b 127.0.0.1:1 -t "$topic" -e >/dev/null 2>err3.log || rc=$?
[ "$rc" = 1 ] || { echo "consume from no broker exited $rc, expected 1"; cat err3.log; exit 1; }
rc=0
timeout 30 "$cli" consume -b "$bs" -t "$topic" -p 9 >/dev/null 2>err4.log || rc=$?
[ "$rc" = 1 ] || { echo "consume -p 9 exited $rc, expected 1"; cat err4.log; exit 1; }
grep -q "partition 9 does not exist" err4.log || { cat err4.log; exit 1; }
rc=0
"$cli" consume -b "$bs" -t "$topic" -T 0 >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || { echo "consume -T 0 exited $rc, expected 2 (usage)"; exit 1; }
# -p of a partition that exists, -T honoured: reads partition 3 to its end
rc=0
got=$(timeout 30 "$cli" consume -b "$bs" -t "$topic" -p 3 -e -T 5000 2>err5.log | wc -l) || rc=$?
[ "$rc" = 0 ] && [ "$got" -gt 0 ] || { echo "consume -p 3 -e: rc $rc, $got lines"; cat err5.log; exit 1; }
echo "msgbus consume lost nothing across SIGTERM"
