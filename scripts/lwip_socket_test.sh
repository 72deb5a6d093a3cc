#!/usr/bin/env bash
# The lwIP transports on Linux. First the raw-API transport's unit tests
# (tests/lwip/test_lwip_raw.c: lwIP 2.1.3 from Debian's source, NO_SYS, over
# lwIP's loopback netif). Then the socket-API transport
# (port/lwip/tcp_socket.c) on Linux with lwIP's
# own TCP/IP stack: Debian's liblwip (tcpip thread, unix port's tap netif)
# under msgbus, against the test broker. Inside a network namespace this
# script creates (unshare): tap0 (10.9.1.1/24) is the host's side of lwIP's
# link, the broker listens on 10.9.1.1 and lwIP is 10.9.1.2. The program
# first sees a producer towards a closed port fail (the host's TCP reset),
# then produces 1,000 messages with keys and headers and consumes them back
# as a group member; kcat then checks the topic from the host's side.
# Usage: scripts/lwip_socket_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HOST_IP=10.9.1.1
LWIP_IP=10.9.1.2
PORT=9092
BROKER_BIN=$ROOT/build/release/tests/broker/mb_test_broker
BIN=$ROOT/build/lwip-sock/lwip_socket_test

if [ "${MB_LWIP_INSIDE:-}" != 1 ]; then
  JOBS=${JOBS:-2}
  if [ ! -x "$BROKER_BIN" ]; then
    [ -f build/release/CMakeCache.txt ] || cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build/release -j"$JOBS" --target mb_test_broker >/dev/null
  fi
  lwip=$(scripts/lwip.sh build/lwip | tail -1)
  cmake -S tests/lwip -B build/lwip-sock -DCMAKE_BUILD_TYPE=Release -DLWIP_DIR="$ROOT/$lwip" >/dev/null
  cmake --build build/lwip-sock -j"$JOBS" >/dev/null
  ctest --test-dir build/lwip-sock --output-on-failure
  [ -e /dev/net/tun ] || { echo "lwip_socket_test: no /dev/net/tun: cannot give lwIP a tap link" >&2; exit 1; }
  MB_LWIP_INSIDE=1 exec unshare -rn "$0" "$@"
fi

ip link set lo up
ip tuntap add dev tap0 mode tap
ip addr add $HOST_IP/24 dev tap0
# Debian's liblwip0 2.1.3+dfsg1-2 sizes its PBUF_POOL buffers for the default
# TCP_MSS of 536 (616-byte blocks) while its pbuf code and tapif assume its
# TCP_MSS of 1460: a received frame over 592 bytes is written past its
# buffer (valgrind: "Invalid write" in pbuf_take from the tapif thread) and
# the heap breaks. An MTU of 576 keeps every frame towards lwIP within 590 bytes.
ip link set tap0 mtu 576
ip link set tap0 up
work=$(mktemp -d)
broker_pid=""
trap '[ -n "$broker_pid" ] && kill $broker_pid 2>/dev/null; rm -rf "$work"' EXIT
mkfifo "$work/broker.in"
"$BROKER_BIN" -n 1 -b $HOST_IP -p $PORT -t 200 <"$work/broker.in" >"$work/broker.out" 2>"$work/broker.err" &
broker_pid=$!
exec 3>"$work/broker.in"
for _ in $(seq 50); do [ -s "$work/broker.out" ] && break; sleep 0.1; done
rc=0
PRECONFIGURED_TAPIF=tap0 timeout 120 "$BIN" $HOST_IP:$PORT $LWIP_IP $HOST_IP $HOST_IP:9 || rc=$?
[ $rc -eq 0 ] || { echo "lwip_socket_test: exit status $rc"; exit 1; }
kcat -b $HOST_IP:$PORT -C -t lwipsock -e -q -f '%k|%h|%s\n' >"$work/kcat.txt"
awk -F'|' '
  { n++
    if ($1 !~ /^key-[0-9][0-9][0-9][0-9]$/) { bad++; next }
    i = substr($1, 5) + 0
    if ($2 != "seq=" i ",via=lwip-sockets") bad++
    if ($3 != sprintf("value-%04d-through-lwip-sockets", i)) bad++
    if (seen[i]++) dup++ }
  END { printf "kcat: %d records, %d distinct keys, %d bad, %d duplicates\n", n, length(seen), bad, dup
        exit !(n == 1000 && length(seen) == 1000 && bad == 0 && dup == 0) }' "$work/kcat.txt"
echo quit >&3
exec 3>&-
wait $broker_pid || true
broker_pid=""
echo "lwIP socket-API transport: ok"
