#!/usr/bin/env bash
# CTest fixture: TLS in front of the test broker, all on 127.0.0.1.
#
#   tls_fixture.sh start <mb_test_broker> <state_dir>
#   tls_fixture.sh stop  -                <state_dir>
#
# start generates fresh certificates (openssl CLI, EC P-256, PEM), starts a
# 3-broker test broker that advertises the TLS ports (-a), and stunnel4 with
# one TLS service per broker plus three handshake-test endpoints in front of
# broker 1. It returns once every TLS port accepts TCP connections (or fails,
# leaving nothing running). Everything it starts ends by itself after 900 s.
#
# State files written by start (in <state_dir>):
#   bootstrap_tls       127.0.0.1:A1,127.0.0.1:A2,127.0.0.1:A3 (TLS, server.pem; the
#                       ports the brokers advertise in Metadata)
#   bootstrap_plain     127.0.0.1:R1,127.0.0.1:R2,127.0.0.1:R3 (the brokers' real
#                       plaintext ports; Metadata still names the A ports)
#   endpoint_expired    127.0.0.1:P  TLS, serves expired.pem (expired 2020-02-01)
#   endpoint_wronghost  127.0.0.1:P  TLS, serves wronghost.pem (CN/SAN wrong.example)
#   endpoint_mtls       127.0.0.1:P  TLS, serves server.pem, requires a client
#                       certificate signed by ca.pem (client.pem/client.key)
#   ca.pem ca.key                the CA that signed every certificate below
#   other_ca.pem other_ca.key    an unrelated CA (signed nothing here)
#   server.pem server.key        CN=127.0.0.1, SAN DNS:localhost, DNS:127.0.0.1,
#                                IP:127.0.0.1, valid from yesterday for 30 days
#   expired.pem expired.key      same names, valid 2020-01-01..2020-02-01
#   wronghost.pem wronghost.key  CN=wrong.example, SAN DNS:wrong.example
#   client.pem client.key        CN=msgbus-test-client, for mutual TLS
# Keys are unencrypted "BEGIN EC PRIVATE KEY" PEM (SEC1), certificates PEM.
# Logs for debugging: broker.out, broker.err, stunnel.log, stunnel.err,
# stunnel.conf, pki/ (openssl scratch). stop removes only the pid files.
set -euo pipefail

LIFETIME=900     # seconds: broker -t and stunnel's timeout
HOST=127.0.0.1
BROKER_MARK="-t $LIFETIME -a "   # in the broker's command line (is_ours)

usage() { echo "usage: $0 start <mb_test_broker> <state_dir> | stop - <state_dir>" >&2; exit 2; }
[ $# -eq 3 ] || usage
action=$1 exe=$2 state=$3

# Is $1 a live process whose command line contains $2? (never signal a
# recycled pid that is not ours)
is_ours() {
  local pid=$1 want=$2 cmd
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$want"* ]]
}

# Stop the process in pid file $1 (if it is ours, see is_ours $2): SIGTERM,
# then SIGKILL after ~5 s.
stop_pidfile() {
  local file=$1 want=$2 pid
  pid=$(cat "$file" 2>/dev/null || true)
  if is_ours "$pid" "$want"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do is_ours "$pid" "$want" || break; sleep 0.1; done
    is_ours "$pid" "$want" && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

stop_all() {
  # stunnel: the timeout wrapper forwards SIGTERM; then stunnel's own pid file
  stop_pidfile "$state/stunnel_timeout.pid" "$state/stunnel.conf"
  stop_pidfile "$state/stunnel.pid" "$state/stunnel.conf"
  # broker: "quit" on its stdin fifo (opened read-write: never blocks, even
  # if the broker is gone), a clean shutdown takes ~2 s; then signals
  local pid
  pid=$(cat "$state/broker.pid" 2>/dev/null || true)
  if is_ours "$pid" "$BROKER_MARK" && [ -p "$state/fifo" ]; then
    printf 'quit\n' 1<>"$state/fifo" || true
    for _ in $(seq 50); do is_ours "$pid" "$BROKER_MARK" || break; sleep 0.1; done
  fi
  stop_pidfile "$state/broker.pid" "$BROKER_MARK"
}

# Does 127.0.0.1:$1 accept a TCP connection?
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# ---------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------
gen_pki() {
  local d=$state pki=$state/pki now_start now_end
  rm -rf "$pki"
  rm -f "$d"/{ca,other_ca,server,expired,wronghost,client}.{pem,key}
  mkdir -p "$pki/newcerts"
  : >"$pki/index.txt"
  echo 1000 >"$pki/serial"
  cat >"$pki/openssl.cnf" <<EOF
[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = unused
[ ca ]
default_ca = test_ca
[ test_ca ]
dir             = $pki
database        = \$dir/index.txt
serial          = \$dir/serial
new_certs_dir   = \$dir/newcerts
certificate     = $d/ca.pem
private_key     = $d/ca.key
default_md      = sha256
policy          = policy_any
unique_subject  = no
email_in_dn     = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ ca_ext ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
[ server_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyAgreement
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:localhost, DNS:127.0.0.1, IP:127.0.0.1
[ wronghost_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyAgreement
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = DNS:wrong.example
[ client_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyAgreement
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
EOF
  local cnf=$pki/openssl.cnf
  # valid certificates: from yesterday (tolerates clock skew) for 30 days
  now_start=$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)
  now_end=$(date -u -d '30 days' +%Y%m%d%H%M%SZ)

  newkey() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" && chmod 600 "$1"; }
  # sign NAME CN EXT START END [SELFSIGN_KEY]: $pki/NAME.csr -> $d/NAME.pem
  sign() {
    local name=$1 cn=$2 ext=$3 start=$4 end=$5 key=${6:-}
    openssl req -new -config "$cnf" -key "$d/$name.key" -subj "/CN=$cn" -out "$pki/$name.csr"
    if [ -n "$key" ]; then
      openssl ca -batch -notext -config "$cnf" -selfsign -keyfile "$key" \
        -extensions "$ext" -startdate "$start" -enddate "$end" \
        -in "$pki/$name.csr" -out "$d/$name.pem"
    else
      openssl ca -batch -notext -config "$cnf" \
        -extensions "$ext" -startdate "$start" -enddate "$end" \
        -in "$pki/$name.csr" -out "$d/$name.pem"
    fi
  }
  {
    newkey "$d/ca.key"
    sign ca "msgbus test CA" ca_ext "$now_start" "$now_end" "$d/ca.key"
    newkey "$d/other_ca.key"
    sign other_ca "msgbus unrelated CA" ca_ext "$now_start" "$now_end" "$d/other_ca.key"
    newkey "$d/server.key"
    sign server "$HOST" server_ext "$now_start" "$now_end"
    newkey "$d/expired.key"
    sign expired "$HOST" server_ext 20200101000000Z 20200201000000Z
    newkey "$d/wronghost.key"
    sign wronghost wrong.example wronghost_ext "$now_start" "$now_end"
    newkey "$d/client.key"
    sign client msgbus-test-client client_ext "$now_start" "$now_end"
  } >"$pki/openssl.log" 2>&1 || { echo "tls_fixture: certificate generation failed:" >&2; cat "$pki/openssl.log" >&2; return 1; }
  openssl verify -CAfile "$d/ca.pem" "$d/server.pem" "$d/wronghost.pem" "$d/client.pem" >>"$pki/openssl.log" 2>&1 \
    || { echo "tls_fixture: generated certificates do not verify:" >&2; cat "$pki/openssl.log" >&2; return 1; }
}

# Six free loopback ports, outside the ephemeral range (so outgoing
# connections do not take them before stunnel binds), held until all are found.
pick_ports() {
  /usr/bin/python3 - <<'EOF'
import random, socket
lo, hi = 20000, 32000
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        eph = int(f.read().split()[0])
    if eph - 1 > lo + 1000:
        hi = eph - 1
except Exception:
    pass
held, ports = [], []
for _ in range(2000):
    if len(ports) == 6:
        break
    p = random.randint(lo, hi)
    if p in ports:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    held.append(s)
    ports.append(p)
if len(ports) != 6:
    raise SystemExit("no free ports")
print(" ".join(map(str, ports)))
EOF
}

# ---------------------------------------------------------------------------
# One attempt to start broker + stunnel on fresh ports. Returns 0 when all
# ports accept connections; 2 if stunnel exited early (a port may have been
# taken meanwhile: worth a retry), 1 on other failures. The caller stops
# whatever is running.
# ---------------------------------------------------------------------------
start_once() {
  local ports a1 a2 a3 pexp pwrong pmtls lines listen r1 r2 r3 p
  ports=$(pick_ports) || { echo "tls_fixture: cannot find free ports" >&2; return 1; }
  read -r a1 a2 a3 pexp pwrong pmtls <<<"$ports"

  rm -f "$state/fifo" "$state/broker.out" "$state/broker.err"
  mkfifo "$state/fifo"
  # the broker reads commands from the fifo; holding it open keeps it alive
  (exec 3<>"$state/fifo"; exec "$exe" -n 3 -t "$LIFETIME" -a "$a1,$a2,$a3" <&3 3<&- \
     >"$state/broker.out" 2>"$state/broker.err" & echo $! >"$state/broker.pid")
  lines=0
  for _ in $(seq 100); do
    lines=$(wc -l <"$state/broker.out" 2>/dev/null || echo 0)
    [ "$lines" -ge 2 ] && break
    is_ours "$(cat "$state/broker.pid")" "$BROKER_MARK" || break
    sleep 0.1
  done
  if [ "$lines" -lt 2 ]; then
    echo "tls_fixture: test broker did not start" >&2; cat "$state/broker.err" >&2; return 1
  fi
  if [ "$(sed -n 1p "$state/broker.out")" != "$HOST:$a1,$HOST:$a2,$HOST:$a3" ]; then
    echo "tls_fixture: broker does not advertise the TLS ports: $(sed -n 1p "$state/broker.out")" >&2
    return 1
  fi
  listen=$(sed -n 2p "$state/broker.out")
  case $listen in
    "listen "*) ;;
    *) echo "tls_fixture: unexpected second broker line: $listen" >&2; return 1 ;;
  esac
  IFS=, read -r r1 r2 r3 <<<"${listen#listen }"
  r1=${r1#"$HOST:"} r2=${r2#"$HOST:"} r3=${r3#"$HOST:"}

  local d=$state
  cat >"$state/stunnel.conf" <<EOF
; generated by tls_fixture.sh
foreground = yes
pid = $d/stunnel.pid
output = $d/stunnel.log
syslog = no
debug = info
TIMEOUTclose = 0
; CAfile without verifyChain: no client certificate is requested (it only
; quiets stunnel's "No trusted certificates found"); only [mtls] requires one

[broker1]
accept = $HOST:$a1
connect = $HOST:$r1
cert = $d/server.pem
key = $d/server.key
CAfile = $d/ca.pem

[broker2]
accept = $HOST:$a2
connect = $HOST:$r2
cert = $d/server.pem
key = $d/server.key
CAfile = $d/ca.pem

[broker3]
accept = $HOST:$a3
connect = $HOST:$r3
cert = $d/server.pem
key = $d/server.key
CAfile = $d/ca.pem

[expired]
accept = $HOST:$pexp
connect = $HOST:$r1
cert = $d/expired.pem
key = $d/expired.key
CAfile = $d/ca.pem

[wronghost]
accept = $HOST:$pwrong
connect = $HOST:$r1
cert = $d/wronghost.pem
key = $d/wronghost.key
CAfile = $d/ca.pem

[mtls]
accept = $HOST:$pmtls
connect = $HOST:$r1
cert = $d/server.pem
key = $d/server.key
CAfile = $d/ca.pem
verifyChain = yes
requireCert = yes
EOF
  rm -f "$state/stunnel.pid" "$state/stunnel.err" "$state/stunnel.log"
  timeout "$LIFETIME" stunnel "$state/stunnel.conf" </dev/null >"$state/stunnel.err" 2>&1 &
  echo $! >"$state/stunnel_timeout.pid"

  # wait (at most ~10 s) until every port accepts; probe each until it does
  local pending="$a1 $a2 $a3 $pexp $pwrong $pmtls $r1 $r2 $r3" left deadline=$((SECONDS + 10))
  while :; do
    left=""
    for p in $pending; do port_open "$p" || left="$left $p"; done
    pending=$left
    [ -z "$pending" ] && break
    if ! is_ours "$(cat "$state/stunnel_timeout.pid")" "$state/stunnel.conf"; then
      echo "tls_fixture: stunnel exited (ports not listening:$pending):" >&2
      tail -20 "$state/stunnel.err" >&2 || true
      return 2   # maybe a port was taken meanwhile: worth another try
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "tls_fixture: ports not listening after 10 s:$pending; stunnel says:" >&2
      tail -20 "$state/stunnel.err" >&2 || true
      return 1
    fi
    sleep 0.1
  done

  echo "$HOST:$a1,$HOST:$a2,$HOST:$a3" >"$state/bootstrap_tls"
  echo "$HOST:$r1,$HOST:$r2,$HOST:$r3" >"$state/bootstrap_plain"
  echo "$HOST:$pexp" >"$state/endpoint_expired"
  echo "$HOST:$pwrong" >"$state/endpoint_wronghost"
  echo "$HOST:$pmtls" >"$state/endpoint_mtls"
}

case $action in
start)
  [ -x "$exe" ] || { echo "tls_fixture: not an executable: $exe" >&2; exit 2; }
  command -v stunnel >/dev/null || { echo "tls_fixture: stunnel not installed (apt-get install stunnel4)" >&2; exit 1; }
  command -v openssl >/dev/null || { echo "tls_fixture: openssl CLI not installed" >&2; exit 1; }
  mkdir -p "$state"
  state=$(cd "$state" && pwd)   # absolute: stunnel.conf and is_ours need it
  stop_all                      # a previous run's leftovers, if any
  rm -f "$state"/bootstrap_tls "$state"/bootstrap_plain "$state"/endpoint_*
  trap 'stop_all' EXIT          # no leftovers if start fails half-way
  gen_pki
  # ports are probed free, but could be taken before stunnel binds them: retry
  for attempt in 1 2 3; do
    rc=0; start_once || rc=$?
    if [ $rc = 0 ]; then
      trap - EXIT
      echo "tls_fixture: TLS brokers at $(cat "$state/bootstrap_tls")"
      exit 0
    fi
    stop_all
    [ $rc = 2 ] && [ $attempt -lt 3 ] || break
    echo "tls_fixture: attempt $attempt failed, retrying on other ports" >&2
  done
  echo "tls_fixture: start failed (logs in $state)" >&2
  exit 1 ;;
stop)
  [ -d "$state" ] || exit 0
  state=$(cd "$state" && pwd)
  stop_all ;;
*) usage ;;
esac
