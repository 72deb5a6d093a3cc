#!/usr/bin/env bash
# CTest fixture: start the test broker in the background (its bootstrap list
# goes to STATE/bootstrap), or stop it. Bounded: the broker's own lifetime is
# 120 s, so it ends even if the stop step never runs.
set -euo pipefail
action=$1 exe=$2 state=$3
case $action in
start)
  mkdir -p "$state"
  rm -f "$state/bootstrap" "$state/fifo"
  mkfifo "$state/fifo"
  # the broker reads commands from the fifo; holding it open keeps it alive
  (exec 3<>"$state/fifo"; "$exe" -n 3 -t 120 <&3 >"$state/out" 2>"$state/err" & echo $! >"$state/pid")
  for _ in $(seq 100); do
    if [ -s "$state/out" ]; then head -1 "$state/out" >"$state/bootstrap"; exit 0; fi
    sleep 0.1
  done
  echo "test broker did not start"; cat "$state/err"; exit 1 ;;
stop)
  pid=$(cat "$state/pid" 2>/dev/null || true)
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true ;;
esac
