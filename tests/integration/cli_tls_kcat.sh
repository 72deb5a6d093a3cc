#!/usr/bin/env bash
# The CLI's security flags against the TLS fixture (tls_fixture.sh), with
# kcat (librdkafka over OpenSSL) as the peer on the other side of TLS:
# msgbus produce over TLS, kcat reads it back over TLS; kcat produces over
# TLS, msgbus consume reads it back; mutual TLS with the client certificate;
# a wrong CA refused with its own error. Usage: cli_tls_kcat.sh MSGBUS_CLI STATE_DIR
set -euo pipefail
cli=$1 st=$2
bs=$(cat "$st/bootstrap_tls")
tls=(--security-protocol ssl --ca "$st/ca.pem")
ktls=(-X security.protocol=ssl -X "ssl.ca.location=$st/ca.pem")
topic=cli-tls-$$
seq 1 200 | sed 's/^/tls line /' | "$cli" produce -b "$bs" -t "$topic" -k k1 "${tls[@]}" 2>err.log
grep -qx "200 delivered" err.log || { cat err.log; exit 1; }
got=$(timeout 30 kcat -b "$bs" "${ktls[@]}" -C -t "$topic" -o beginning -e -q -f '%k|%s\n' | sort -t' ' -k3n)
want=$(seq 1 200 | sed 's/^/k1|tls line /')
[ "$got" = "$want" ] || { echo "kcat over TLS read something else:"; echo "$got" | head; exit 1; }
seq 1 300 | sed 's/^/from kcat /' | timeout 30 kcat -b "$bs" "${ktls[@]}" -P -t "$topic-k" -p 0
got=$(timeout 30 "$cli" consume -b "$bs" -t "$topic-k" -p 0 -e "${tls[@]}" 2>err.log)
[ "$got" = "$(seq 1 300 | sed 's/^/from kcat /')" ] || { echo "msgbus consume over TLS differs"; cat err.log; exit 1; }
# mutual TLS: the endpoint that demands a client certificate
timeout 30 "$cli" metadata -b "$(cat "$st/endpoint_mtls")" "${tls[@]}" \
  --cert "$st/client.pem" --key "$st/client.key" -t "$topic" >out.log 2>err.log ||
  { cat err.log; exit 1; }
grep -q "3 brokers" out.log || { cat out.log; exit 1; }
# a wrong CA: refused, and the reason named
if timeout 30 "$cli" metadata -b "$bs" --security-protocol ssl --ca "$st/other_ca.pem" -T 3000 \
  >out.log 2>err.log; then
  echo "a wrong CA was accepted"; exit 1
fi
grep -q "MSGBUS_ERR_CERT_UNTRUSTED" err.log || { cat err.log; exit 1; }
echo "msgbus and kcat agree over TLS"
