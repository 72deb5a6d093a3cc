#!/usr/bin/env bash
# Install what is needed, build msgbus and run the main demo: the Go msgbus
# README's writer and reader examples, in C, against a Kafka broker.
#
#   scripts/demo.sh                  start a local test broker on 127.0.0.1
#                                    (librdkafka's mock cluster), use it, stop it
#   scripts/demo.sh HOST:PORT[,...]  use that Kafka cluster instead
#
# The writer connects as a blocking writer and writes three messages; the
# reader connects as a reader from the earliest message, reads them with
# message-available checks, then takes what follows through a callback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"${JOBS:-2}" --target msgbus_writer msgbus_reader mb_test_broker >/dev/null

bootstrap=${1:-}
broker_pid=""
cleanup() { [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true; rm -rf "${tmp:-}"; }
trap cleanup EXIT
if [ -z "$bootstrap" ]; then
  tmp=$(mktemp -d)
  mkfifo "$tmp/in"
  # the broker lives as long as its stdin is open (and 120 s at most)
  (exec 3<>"$tmp/in"; build/release/tests/broker/mb_test_broker -n 3 -t 120 <&3 >"$tmp/out" 2>"$tmp/err" & echo $! >"$tmp/pid")
  broker_pid=$(cat "$tmp/pid")
  for _ in $(seq 100); do [ -s "$tmp/out" ] && break; sleep 0.1; done
  bootstrap=$(head -1 "$tmp/out")
  echo "== started a local test broker: $bootstrap"
fi
topic="hb_events_demo_$$"
echo "== writer (blocking): three messages to $topic"
for m in "The Rain In Spain" "Falls Mainly" "On The Plain"; do
  build/release/examples/msgbus_writer "$bootstrap" "$topic" "$m"
done
echo "== reader: blocking reads with message-available, then a callback"
(sleep 1; build/release/examples/msgbus_writer "$bootstrap" "$topic" "Sent while the callback listens" >/dev/null) &
build/release/examples/msgbus_reader "$bootstrap" "$topic" 3
wait
