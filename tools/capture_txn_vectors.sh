#!/bin/sh
# capture_txn_vectors.sh - regenerate tests/vectors/peer_rdkafka_*.hex: the
# frames librdkafka 2.0.2's transactional producer exchanges with the test
# broker (tests/broker/mb_test_broker, librdkafka's mock cluster) on loopback:
# InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn.
#
# A developer tool, not run in CI. Needs: cc and librdkafka-dev, strace,
# /usr/bin/python3, and mb_test_broker (built by cmake). The peer's socket
# writes and reads are taken from strace (no packet capture needed), cut into
# frames at the 4-byte size prefixes, and requests are paired with responses
# by connection and correlation id; the first exchange of each (API, version)
# is kept. The producer id and the correlation ids change from run to run:
# tests/unit/test_txn.c (test_peer_rdkafka) checks the values below and the
# producer id the broker assigned, and must be kept in step.
#
# Usage: tools/capture_txn_vectors.sh [path/to/mb_test_broker]
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/tests/vectors"
WORK=$(mktemp -d /tmp/mb-txn-capture.XXXXXX)
BROKER_PID=""
cleanup() {
    [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

BROKER=${1:-}
if [ -z "$BROKER" ]; then
    for b in "$ROOT"/build/*/tests/broker/mb_test_broker; do
        [ -x "$b" ] && BROKER=$b && break
    done
fi
[ -n "$BROKER" ] || { echo "mb_test_broker not found: build it or pass its path" >&2; exit 1; }

# The peer: one committed transaction (two records, the offset 42 of a consumer
# group's input partition), then one aborted transaction.
cat >"$WORK/peer.c" <<'EOF'
#include <stdio.h>
#include <librdkafka/rdkafka.h>
static int ok(rd_kafka_error_t *e, const char *what)
{
    if (!e)
        return 1;
    fprintf(stderr, "%s: %s\n", what, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return 0;
}
int main(int argc, char **argv)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;
    int round, i;
    if (argc < 2)
        return 2;
    rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err);
    rd_kafka_conf_set(conf, "client.id", "rdk-txn", err, sizeof err);
    rd_kafka_conf_set(conf, "transactional.id", "txn-peer", err, sizeof err);
    rd_kafka_conf_set(conf, "transaction.timeout.ms", "60000", err, sizeof err);
    rd_kafka_conf_set(conf, "linger.ms", "50", err, sizeof err);
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err)))
        return 1;
    if (!ok(rd_kafka_init_transactions(rk, 10000), "init"))
        return 1;
    for (round = 0; round < 2; round++) {
        if (!ok(rd_kafka_begin_transaction(rk), "begin"))
            return 1;
        for (i = 0; i < 2; i++)
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("peer-txn"), RD_KAFKA_V_PARTITION(i),
                              RD_KAFKA_V_VALUE("txn-value", 9), RD_KAFKA_V_END);
        if (round == 0) {
            rd_kafka_topic_partition_list_t *o = rd_kafka_topic_partition_list_new(1);
            rd_kafka_consumer_group_metadata_t *m = rd_kafka_consumer_group_metadata_new("grp-txn");
            rd_kafka_topic_partition_list_add(o, "peer-txn-in", 0)->offset = 42;
            if (!ok(rd_kafka_send_offsets_to_transaction(rk, o, m, 10000), "send offsets") ||
                !ok(rd_kafka_commit_transaction(rk, 10000), "commit"))
                return 1;
            rd_kafka_consumer_group_metadata_destroy(m);
            rd_kafka_topic_partition_list_destroy(o);
        } else {
            rd_kafka_flush(rk, 5000);
            if (!ok(rd_kafka_abort_transaction(rk, 10000), "abort"))
                return 1;
        }
    }
    rd_kafka_destroy(rk);
    return 0;
}
EOF
cc -O1 "$WORK/peer.c" -lrdkafka -o "$WORK/peer"

mkfifo "$WORK/cmd" "$WORK/ans"
"$BROKER" -n 1 -t 120 <"$WORK/cmd" >"$WORK/ans" 2>"$WORK/broker.err" &
BROKER_PID=$!
exec 3>"$WORK/cmd" 4<"$WORK/ans"
read -r BOOT <&4
cmd() { echo "$*" >&3; read -r a <&4; [ "$a" = ok ] || { echo "broker said: $a" >&2; exit 1; }; }
cmd create_topic peer-txn 2 1
cmd create_topic peer-txn-in 1 1
timeout 60 strace -f -e trace=sendmsg,recvmsg -xx -s 1000000 -o "$WORK/st.log" "$WORK/peer" "$BOOT"
echo quit >&3
wait "$BROKER_PID" 2>/dev/null || true
BROKER_PID=""

/usr/bin/python3 - "$WORK/st.log" "$OUT" <<'EOF'
import collections, re, struct, sys
log, out = sys.argv[1], sys.argv[2]
NAME = {22: ('init_producer_id', 'InitProducerId'), 24: ('add_partitions_to_txn', 'AddPartitionsToTxn'),
        25: ('add_offsets_to_txn', 'AddOffsetsToTxn'), 26: ('end_txn', 'EndTxn'),
        28: ('txn_offset_commit', 'TxnOffsetCommit')}
FIRST_FLEX = {22: 2, 24: 3, 25: 3, 26: 3, 28: 3}
HOLDS = {(22, 'req'): 'transactional id "txn-peer", timeout 60000 ms, producer id/epoch -1',
         (22, 'resp'): 'the producer id assigned, epoch 0, no error',
         (24, 'req'): 'partitions 0 and 1 of "peer-txn" added to the transaction',
         (24, 'resp'): 'no error for either partition',
         (25, 'req'): 'group "grp-txn" joins the transaction', (25, 'resp'): 'no error',
         (26, 'req'): 'commit (the first of two transactions; the second aborts)',
         (26, 'resp'): 'no error',
         (28, 'req'): 'offset 42 of "peer-txn-in" partition 0 for group "grp-txn"',
         (28, 'resp'): 'no error'}
sent, recv = collections.defaultdict(bytearray), collections.defaultdict(bytearray)
line_re = re.compile(r'^\d+\s+(sendmsg|recvmsg)\((\d+), (.*)\) = (\d+)$')
for line in open(log):
    m = line_re.match(line.strip())
    if not m or 'AF_NETLINK' in m.group(3):
        continue
    data = b''.join(bytes.fromhex(s.replace('\\x', ''))
                    for s in re.findall(r'iov_base="((?:\\x[0-9a-f]{2})*)"', m.group(3)))
    (sent if m.group(1) == 'sendmsg' else recv)[int(m.group(2))] += data[:int(m.group(4))]
def frames(b):
    i = 0
    while i + 4 <= len(b):
        n = struct.unpack('>i', b[i:i + 4])[0]
        if n < 4 or i + 4 + n > len(b):
            return
        yield bytes(b[i + 4:i + 4 + n])
        i += 4 + n
resp = {(fd, struct.unpack('>i', f[:4])[0]): f for fd, b in recv.items() for f in frames(b)}
seen = set()
for fd, b in sent.items():
    for f in frames(b):
        key, ver, corr = struct.unpack('>hhi', f[:8])
        if key not in NAME or (key, ver) in seen or (fd, corr) not in resp:
            continue
        seen.add((key, ver))
        flex = ver >= FIRST_FLEX[key]
        for kind, data in (('req', f), ('resp', resp[(fd, corr)])):
            hdr = ('request header v%d' % (2 if flex else 1) if kind == 'req'
                   else 'response header v%d' % (1 if flex else 0))
            path = '%s/peer_rdkafka_%s_v%d_%s.hex' % (out, NAME[key][0], ver, kind)
            with open(path, 'w') as o:
                o.write('# %s v%d %s, captured from librdkafka 2.0.2 (a transactional producer,\n'
                        '# client id rdk-txn) talking to mb_test_broker (librdkafka 2.0.2 mock\n'
                        '# cluster) on loopback, by tools/capture_txn_vectors.sh.\n'
                        '# Correlation id %d, %s, %d bytes; the frame without its\n'
                        '# 4-byte size prefix.\n' % (NAME[key][1], ver,
                        'request' if kind == 'req' else 'response', corr, hdr, len(data)))
                o.write('# Holds: %s.\n' % HOLDS[(key, kind)])
                for i in range(0, len(data), 16):
                    o.write(' '.join('%02x' % x for x in data[i:i + 16]) + '\n')
            print('wrote', path)
EOF
