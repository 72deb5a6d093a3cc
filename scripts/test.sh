#!/usr/bin/env bash
# Install what is needed, then build and run the whole msgbus test suite:
#   1. Release build (strict warnings, -Werror on library code), all tests
#      (Debian's mbedTLS 2.28), then the TLS and SASL tests again against
#      mbedTLS 3.6 built from Debian's source (scripts/mbedtls3.sh);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build, all tests; then
#      a ThreadSanitizer build, the tests that run threads;
#   3. the footprint table for Cortex-M4 checked against its budgets, and the
#      unit tests cross-compiled for Cortex-M4 and run under QEMU; then the
#      MPS2 AN386 firmware (lwIP from Debian's source, LAN9118) producing to and
#      consuming from the test broker through QEMU's network (firmware_test.sh);
#   4. every libFuzzer target for a short bounded run over its seed corpus;
#   5. the benchmarks: codec, producer, consumer, latency, and whole processes
#      against librdkafka (print tables; informative, never fail the run).
# Usage: scripts/test.sh [--quick]   (--quick: step 1 and the footprint check only)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
ROOT=$PWD
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}

scripts/deps.sh

step() { printf '\n==== %s\n' "$*"; }

step "formatting (.clang-format)"
scripts/check_format.sh

step "release build and tests"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$JOBS"
ctest --test-dir build/release --output-on-failure -j"$JOBS" | tee build/release.ctest.log
count() { sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$1" | tail -1; }
passed=$(count build/release.ctest.log)

step "mbedTLS 3.x: TLS and SASL built and tested against mbedTLS 3.6 (Debian's source)"
scripts/mbedtls3.sh build/mbedtls3
cmake -S . -B build/mbedtls3x -DCMAKE_BUILD_TYPE=Release -DMSGBUS_MBEDTLS_ROOT="$ROOT/build/mbedtls3" \
      -DMSGBUS_BUILD_BENCH=OFF >/dev/null
cmake --build build/mbedtls3x -j"$JOBS"
ctest --test-dir build/mbedtls3x --output-on-failure -j"$JOBS" -R "scram|sasl|tls" \
  | tee build/mbedtls3x.ctest.log
passed=$((passed + $(count build/mbedtls3x.ctest.log)))

step "footprint: Cortex-M4 build with port/none, sizes against budgets"
scripts/footprint.sh build/footprint.md
sed -n '/## Per module/,/Static data/p' build/footprint.md
if ! diff -q <(grep '^|' build/footprint.md) <(grep '^|' docs/footprint.md) >/dev/null; then
  echo "note: docs/footprint.md is stale; regenerate it with scripts/footprint.sh"
fi

if [ "${1:-}" = "--quick" ]; then
  exit 0
fi

step "AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
      -DMSGBUS_SANITIZE=ON -DMSGBUS_BUILD_BENCH=OFF >/dev/null
cmake --build build/asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j"$JOBS" | tee build/asan.ctest.log
passed=$((passed + $(count build/asan.ctest.log)))

step "ThreadSanitizer build, the tests that run threads"
cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
      -DMSGBUS_TSAN=ON -DMSGBUS_BUILD_BENCH=OFF >/dev/null
cmake --build build/tsan -j"$JOBS"
# Loop threads (producer, bus callback), pool lock hooks, the port's threads,
# and the programs against the test broker (the CLI's produce, the examples and
# test_int_bus run loop threads). Left out: test_int_produce and
# test_int_consume, which run librdkafka in process (its threads, started
# inside glibc, crash ThreadSanitizer's allocator), and test_pool_client,
# which replaces malloc. The broker process itself is built without TSan.
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build/tsan --output-on-failure -j"$JOBS" \
  -R '^(test_bus|test_pool|test_port_posix|test_producer|test_consumer|test_int_(net|bus|tls)|cli_.*|example_.*|tls_.*)$' \
  | tee build/tsan.ctest.log
passed=$((passed + $(count build/tsan.ctest.log)))

step "tests on an emulated Cortex-M4 (QEMU mps2-an386, semihosting)"
scripts/target_tests.sh | tee build/target.ctest.log
passed=$((passed + $(grep -o "out of [0-9]*" build/target.ctest.log | awk "{s+=\$3} END {print s}")))

step "firmware on an emulated Cortex-M4 (lwIP raw API, LAN9118): produce/consume against the test broker"
scripts/firmware_test.sh

step "lwIP transports on Linux: raw-API unit tests, socket API with lwIP's own stack (Debian's liblwip, tap link)"
scripts/lwip_socket_test.sh

step "fuzz targets, ${FUZZ_SECONDS}s each"
cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DMSGBUS_FUZZ=ON \
      -DMSGBUS_BUILD_TESTS=OFF -DMSGBUS_BUILD_BENCH=OFF -DMSGBUS_BUILD_TOOLS=OFF >/dev/null
cmake --build build/fuzz -j"$JOBS"
fuzzed=0
for f in build/fuzz/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f" | sed 's/^fuzz_//')
  corpus="$ROOT/fuzz/corpus/$name"
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
  echo "fuzz_$name"
  "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=1024 -timeout=5 -print_final_stats=0 \
       -artifact_prefix="$work/" "$work" 2>"$work.log" || { tail -40 "$work.log"; exit 1; }
  grep -E '^#[0-9]+.*DONE' "$work.log" | tail -1 || true
  rm -rf "$work" "$work.log"
  fuzzed=$((fuzzed + 1))
done
echo "fuzz targets run: $fuzzed"

if [ -x build/release/bench/bench_codec ]; then
  step "codec benchmark (informative)"
  build/release/bench/bench_codec || true
fi
if [ -x build/release/bench/bench_produce ]; then
  step "producer benchmark: msgbus beside librdkafka (informative)"
  timeout 300 build/release/bench/bench_produce build/release/tests/broker/mb_test_broker || true
fi
if [ -x build/release/bench/bench_consume ]; then
  step "consumer benchmark: msgbus beside librdkafka (informative)"
  timeout 300 build/release/bench/bench_consume build/release/tests/broker/mb_test_broker || true
fi
if [ -x build/release/bench/bench_latency ]; then
  step "latency benchmark: first message, broker round trip, end to end (informative)"
  timeout 300 build/release/bench/bench_latency || true
fi
if [ -x build/release/bench/rdk_min_produce ]; then
  # ~1.5 min on an idle 2-core machine; the bound keeps the rows done so far.
  step "whole processes: msgbus CLI beside minimal librdkafka programs, 5 pairs each (informative)"
  timeout 240 bench/whole_process.sh build/release || true
fi
step "summary: release and sanitizer test runs, then fuzz targets (each a test)"
echo "all: $((passed + fuzzed)) passed, 0 failed"
