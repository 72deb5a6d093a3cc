#!/bin/sh
# capture_vectors.sh - regenerate tests/vectors/peer_*.hex: Kafka frames that
# real clients (kcat = librdkafka 2.0.2, kafka-python) exchanged with the test
# broker (tests/broker/mb_test_broker, librdkafka's mock cluster) on loopback.
#
# A developer tool, not run in CI. Needs: tshark (and the right to capture on
# lo, e.g. root), kcat, /usr/bin/python3 with kafka-python, and mb_test_broker
# (built by cmake, or compiled here with cc and -lrdkafka if not found).
#
# Usage: tools/capture_vectors.sh [path/to/mb_test_broker]
# The peers' bytes differ from run to run (ports, timestamps, member ids, CRCs),
# so regenerating changes the files: tests/unit/test_peer_vectors.c checks
# values the scripts below put there (topics, keys, headers, group names) and
# must be kept in step with them.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/tests/vectors"
WORK=$(mktemp -d /tmp/mb-capture.XXXXXX)
PY=/usr/bin/python3
BROKER_PID=""
TSHARK_PID=""

cleanup() {
    [ -n "$TSHARK_PID" ] && kill "$TSHARK_PID" 2>/dev/null || true
    [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null || true
    exec 3>&- 2>/dev/null || true
}
trap cleanup EXIT INT TERM

BROKER=${1:-}
if [ -z "$BROKER" ]; then
    for b in "$ROOT"/build/tests/broker/mb_test_broker "$ROOT"/build/*/tests/broker/mb_test_broker; do
        [ -x "$b" ] && BROKER=$b && break
    done
fi
if [ -z "$BROKER" ]; then
    BROKER=$WORK/mb_test_broker
    cc -O1 -Wall -Wextra "$ROOT/tests/broker/mb_test_broker.c" -lrdkafka -o "$BROKER"
fi

# The broker: 3 brokers, commands on fd 3, bootstrap list on its first stdout line.
mkfifo "$WORK/cmd" "$WORK/ans"
"$BROKER" -n 3 -t 300 <"$WORK/cmd" >"$WORK/ans" 2>"$WORK/broker.err" &
BROKER_PID=$!
exec 3>"$WORK/cmd" 4<"$WORK/ans"
read -r BOOT <&4
echo "broker: $BOOT"
cmd() { echo "$*" >&3; read -r a <&4; [ "$a" = ok ] || { echo "broker said: $a" >&2; exit 1; }; }

# msgbus speaks InitProducerId 0-2; the mock offers 0-4 (librdkafka would pick 4).
cmd set_apiversion 22 0 2
cmd create_topic peer-kcat 1 3
cmd create_topic peer-kpy 1 3

PORTS=$(echo "$BOOT" | tr ',' '\n' | sed 's/.*://')
FILTER=$(for p in $PORTS; do printf 'tcp port %s or ' "$p"; done | sed 's/ or $//')
tshark -i lo -f "$FILTER" -w "$WORK/cap.pcapng" -q 2>"$WORK/tshark.err" &
TSHARK_PID=$!
i=0
until grep -q "Capturing on" "$WORK/tshark.err" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { cat "$WORK/tshark.err"; exit 1; }; sleep 0.1
done
sleep 0.5

# --- kcat (librdkafka 2.0.2) ---------------------------------------------
K="kcat -b $BOOT -X client.id=kcat"
$K -L -t peer-kcat >/dev/null
# Idempotent producer (InitProducerId), one batch: keys, a null key (-Z: empty
# key -> NULL), a null value, and two headers on every record.
printf 'k1:v1\n:null-key\nk3:\nk4:value-four\n' |
    $K -P -t peer-kcat -p 0 -K: -Z -H a=b -H trace=xyz \
        -X enable.idempotence=true -X linger.ms=200
$K -C -t peer-kcat -p 0 -o beginning -e -q >/dev/null
# Group mode: FindCoordinator, JoinGroup, SyncGroup, OffsetFetch, Fetch,
# Heartbeat, OffsetCommit; SIGINT makes it commit and leave (LeaveGroup).
timeout -s INT 7 kcat -b "$BOOT" -X client.id=kcat-group -G grp-kcat \
    -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 \
    -X auto.commit.interval.ms=500 -X auto.offset.reset=earliest -q peer-kcat >/dev/null || true

# --- kafka-python ---------------------------------------------------------
$PY - "$BOOT" <<'PYEOF'
import sys
from kafka import KafkaProducer, KafkaConsumer
boot = sys.argv[1].split(',')
p = KafkaProducer(bootstrap_servers=boot, client_id='kpy', linger_ms=200)
p.send('peer-kpy', key=b'pk1', value=b'py-value-1', headers=[('h1', b'x'), ('h2', b'')], partition=0)
p.send('peer-kpy', key=None, value=b'py-value-2', partition=0)
p.send('peer-kpy', key=b'pk3', value=None, headers=[('h3', b'yz')], partition=0)
p.flush()
p.close()
c = KafkaConsumer('peer-kpy', bootstrap_servers=boot, client_id='kpy-group',
                  group_id='grp-kpy', auto_offset_reset='earliest',
                  session_timeout_ms=6000, heartbeat_interval_ms=500,
                  enable_auto_commit=False, consumer_timeout_ms=5000)
n = 0
for m in c:
    n += 1
    if n == 3:
        c.commit()
        break
import time
t = time.time()
while time.time() - t < 1.5:
    c.poll(timeout_ms=100)
c.close()
print('kafka-python consumed', n)
PYEOF

sleep 1
kill "$TSHARK_PID"; wait "$TSHARK_PID" 2>/dev/null || true; TSHARK_PID=""
echo quit >&3
wait "$BROKER_PID" 2>/dev/null || true; BROKER_PID=""

$PY "$ROOT/tools/split_frames.py" "$WORK/cap.pcapng" "$OUT" $PORTS
rm -rf "$WORK"
