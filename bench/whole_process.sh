#!/usr/bin/env bash
# whole_process.sh - whole processes, start to exit (set-up, connect, metadata
# and shutdown included): the `msgbus` CLI against minimal librdkafka programs
# doing exactly the same job (bench/rdk_min_produce.c, bench/rdk_min_consume.c;
# each states its configuration and why), on a test broker of its own
# (mb_test_broker, one broker, 127.0.0.1).
#
#   bench/whole_process.sh [BUILD_DIR]        (default build/release)
#   PAIRS=N      runs of each client per job (default 5, at least 5)
#   JOBS_ONLY=a,b  only these jobs (one1, p1m1, p1m8, p5m1, p5m8, c300k)
#   VARIANTS=1   also run librdkafka's other recommended configurations
#                (producer linger.ms 50; consumer one rd_kafka_consumer_poll
#                per message, rd_kafka_consume_batch_queue); the legacy
#                consumer without group.id always runs beside the default
#
# Jobs (100-byte values, no keys, acks=1 for both clients):
#   one1   produce 1 message, wait for its acknowledgement, exit
#   p1m1   produce 1,000,000 to a 1-partition topic;  p1m8 to 8 partitions
#   p5m1   produce 5,000,000 to a 1-partition topic;  p5m8 to 8 partitions
#   c300k  consume 300,000 from 8 partitions from the beginning, print each
#          value on a line (to /dev/null), exit at the end of every partition
#          (the topic is loaded first, 37,500 per partition: the test broker
#          keeps ~5 MiB per partition)
# The two clients run in turn, A B A B ..., after one unmeasured warm-up run
# of each. Each run is timed by bench/proc_time (fork to reap; CPU = user +
# sys from wait4, every thread). Printed per job and client: median [min-max]
# of wall and CPU seconds, messages/s from the median wall, the median context
# switches (voluntary: the process waited; involuntary: it was preempted), and the ratios
# msgbus/librdkafka (median of the per-pair ratios). A run that fails or
# moves the wrong number of messages fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
PAIRS=${PAIRS:-5}
[ "$PAIRS" -ge 5 ] || { echo "whole_process.sh: PAIRS must be at least 5" >&2; exit 2; }
MSGBUS=$BUILD/tools/msgbus
RDKP=$BUILD/bench/rdk_min_produce
RDKC=$BUILD/bench/rdk_min_consume
PT=$BUILD/bench/proc_time
BROKER=$BUILD/tests/broker/mb_test_broker
for f in "$MSGBUS" "$RDKP" "$RDKC" "$PT" "$BROKER"; do
  [ -x "$f" ] || { echo "whole_process.sh: $f is missing (build $BUILD first)" >&2; exit 2; }
done

work=$(mktemp -d)
bpid=
cleanup() {
  exec 3>&- 2>/dev/null || true
  # The broker's stdin is the fifo opened read-write, so it never sees EOF: stop it.
  if [ -n "$bpid" ]; then
    kill "$bpid" 2>/dev/null || true
    wait "$bpid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT # a time bound (timeout) still stops the broker

# ---- the broker: commands on fd 3, one answer line each in broker.out ----
mkfifo "$work/cmd"
exec 3<>"$work/cmd"
"$BROKER" -n 1 -t 900 <&3 >"$work/broker.out" 2>"$work/broker.err" &
bpid=$!
for _ in $(seq 100); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
BS=$(head -1 "$work/broker.out")
[ -n "$BS" ] || { echo "whole_process.sh: the test broker did not start" >&2; cat "$work/broker.err" >&2; exit 1; }

broker_cmd() {
  local before
  before=$(wc -l <"$work/broker.out")
  echo "$*" >&3
  for _ in $(seq 100); do
    [ "$(wc -l <"$work/broker.out")" -gt "$before" ] && break
    sleep 0.05
  done
  local ans
  ans=$(tail -1 "$work/broker.out")
  [ "$ans" = ok ] || { echo "whole_process.sh: broker: $*: $ans" >&2; exit 1; }
}

# ---- one timed run: proc_time appends "wall user sys status" to $1 ----
# run_one TIMES_FILE WANT_LINE COMMAND...   (stdout to /dev/null)
run_one() {
  local times=$1 want=$2
  shift 2
  if ! "$PT" -o "$times" "$@" >/dev/null 2>"$work/run.err"; then
    echo "whole_process.sh: failed: $*" >&2
    cat "$work/run.err" >&2
    exit 1
  fi
  if ! grep -qx "$want" "$work/run.err"; then
    echo "whole_process.sh: '$*' did not print '$want':" >&2
    cat "$work/run.err" >&2
    exit 1
  fi
}

# ---- statistics ----
# stats FILE COLUMN_EXPR: "median min max" of an awk expression over the lines
stats() {
  awk "{print $2}" "$1" | sort -g | awk '{v[NR]=$1} END {
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
    printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}
# pair_ratio A_FILE B_FILE wall|cpu: median over the pairs of A/B
pair_ratio() {
  paste -d' ' "$1" "$2" | awk -v what="$3" '{
    x = what == "wall" ? $1 : $2 + $3; y = what == "wall" ? $7 : $8 + $9
    if (y > 0) print x / y }' | sort -g | awk '{v[NR]=$1} END {
    printf "%.2f\n", (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'
}

# row JOB CLIENT N TIMES_FILE [RATIO_TEXT]: one table row, printed at once (a
# time bound that cuts the script short keeps the rows done so far)
row() {
  local w c v i mps
  # shellcheck disable=SC2016 # awk expressions, expanded by awk
  read -r -a w <<<"$(stats "$4" '$1')"
  # shellcheck disable=SC2016
  read -r -a c <<<"$(stats "$4" '$2 + $3')"
  # shellcheck disable=SC2016
  read -r -a v <<<"$(stats "$4" '$5')"
  # shellcheck disable=SC2016
  read -r -a i <<<"$(stats "$4" '$6')"
  mps=$(awk -v n="$3" -v t="${w[0]}" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
  printf '| %-34s | %-32s | %-23s | %-23s | %9s | %13s | %s |\n' "$1" "$2" \
    "${w[0]} [${w[1]}-${w[2]}]" "${c[0]} [${c[1]}-${c[2]}]" "$mps" \
    "$(printf '%.0f/%.0f' "${v[0]}" "${i[0]}")" "${5:-}"
}

# ---- a job: PAIRS alternating runs of msgbus (A) and librdkafka (B) ----
# job NAME LABEL N WANT_LINE "MSGBUS ARGS" "RDK PROGRAM AND ARGS" [ALT_LABEL "ALT RDK ARGS"]...
job() {
  local name=$1 label=$2 n=$3 want=$4 a=$5 b=$6
  shift 6
  local ta=$work/$name.a tb=$work/$name.b wr cr sr
  : >"$ta"
  : >"$tb"
  # shellcheck disable=SC2086 # the argument strings hold no spaces
  run_one /dev/null "$want" $MSGBUS $a
  # shellcheck disable=SC2086
  run_one /dev/null "$want" $b
  for _ in $(seq "$PAIRS"); do
    # shellcheck disable=SC2086
    run_one "$ta" "$want" $MSGBUS $a
    # shellcheck disable=SC2086
    run_one "$tb" "$want" $b
  done
  wr=$(pair_ratio "$ta" "$tb" wall)
  cr=$(pair_ratio "$ta" "$tb" cpu)
  sr=$(awk -v r="$wr" 'BEGIN { printf "%.2f", (r > 0 ? 1 / r : 0) }')
  row "$label" "msgbus CLI" "$n" "$ta" "msg/s x$sr, wall x$wr, CPU x$cr"
  row "" "librdkafka $(basename "${b%% *}")" "$n" "$tb"
  while [ $# -ge 2 ]; do
    local tv=$work/$name.v
    : >"$tv"
    # shellcheck disable=SC2086
    run_one /dev/null "$want" $2
    for _ in $(seq "$PAIRS"); do
      # shellcheck disable=SC2086
      run_one "$tv" "$want" $2
    done
    row "" "librdkafka $1" "$n" "$tv" "(not paired)"
    shift 2
  done
}

wanted() { [ -z "${JOBS_ONLY:-}" ] || [[ ",$JOBS_ONLY," == *",$1,"* ]]; }

echo "whole_process.sh: whole processes, start to exit; $PAIRS alternating pairs per job after one warm-up each;"
echo "broker: mb_test_broker -n 1 on $BS; $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC');"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg). With more runnable threads than CPUs each"
echo "  process gets a share of a CPU, wall time follows CPU time and the wall ratio nears the CPU ratio;"
echo "  on an idle machine the clients' threads (and the broker) run in parallel: quote idle figures."
echo "librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?'): rdk_min_produce (linger.ms 5, batch.size 1000000,"
echo "  batch.num.messages 10000, queue.buffering.max.messages 1000000, acks 1, no compression, no payload copy,"
echo "  rd_kafka_poll every 1000 messages);"
echo "  rdk_min_consume (assign from the beginning, no JoinGroup, rd_kafka_consume_callback_queue, queued.min.messages"
echo "  1000000, fetch.wait.max.ms 100 as the msgbus CLI's). msgbus CLI: its defaults (linger 5 ms) with -a 1."
echo
printf '| %-34s | %-32s | %-23s | %-23s | %9s | %13s | %s |\n' job client "wall s median [min-max]" \
  "CPU s median [min-max]" "msg/s" "ctx sw v/i" "msgbus / librdkafka"
echo "|------------------------------------|----------------------------------|-------------------------|-------------------------|----------:|--------------:|-----|"

broker_cmd create_topic wp-1 1 1
broker_cmd create_topic wp-8 8 1
broker_cmd create_topic wc-8 8 1

produce_job() { # NAME LABEL TOPIC COUNT
  local alt=()
  if [ "${VARIANTS:-0}" = 1 ] && [ "$4" -gt 1 ]; then
    alt=("linger.ms=50" "$RDKP -b $BS -t $3 -n $4 -s 100 -a 1 -L 50")
  fi
  job "$1" "$2" "$4" "$4 delivered" "produce -b $BS -t $3 -n $4 -s 100 -a 1" \
    "$RDKP -b $BS -t $3 -n $4 -s 100 -a 1" "${alt[@]}"
}

wanted one1 && produce_job one1 "produce 1 message" wp-1 1
wanted p1m1 && produce_job p1m1 "produce 1,000,000 x 100 B, 1 part." wp-1 1000000
wanted p1m8 && produce_job p1m8 "produce 1,000,000 x 100 B, 8 parts" wp-8 1000000
wanted p5m1 && produce_job p5m1 "produce 5,000,000 x 100 B, 1 part." wp-1 5000000
wanted p5m8 && produce_job p5m8 "produce 5,000,000 x 100 B, 8 parts" wp-8 5000000
if wanted c300k; then
  for p in 0 1 2 3 4 5 6 7; do
    run_one /dev/null "37500 delivered" "$MSGBUS" produce -b "$BS" -t wc-8 -p "$p" -n 37500 -s 100 -a 1
  done
  # The legacy consumer (no group.id, rdkafka_performance's way) always: it
  # used the least CPU of librdkafka's ways here.
  alt=("legacy consumer, no group.id" "$RDKC -b $BS -t wc-8 -S")
  if [ "${VARIANTS:-0}" = 1 ]; then
    alt+=("consumer_poll per message" "$RDKC -b $BS -t wc-8 -P"
          "consume_batch_queue" "$RDKC -b $BS -t wc-8 -B")
  fi
  job c300k "consume 300,000 x 100 B, 8 parts" 300000 "300000 consumed" \
    "consume -b $BS -t wc-8 -o beginning -e" "$RDKC -b $BS -t wc-8" "${alt[@]}"
fi

echo
echo "ratios: median of the per-pair ratios msgbus/librdkafka (msg/s x2 = twice as fast; CPU x0.5 = half the CPU)."
echo "ctx sw v/i: median context switches of the process, voluntary (it waited) / involuntary (preempted)."
echo "Targets (printed, not asserted): produce 1 message wall <= librdkafka's; 1,000,000 produce and 300,000"
echo "consume >= 2x librdkafka's msg/s at <= 1/2 its CPU."
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
