#!/usr/bin/env bash
# Install what is needed, build msgbus and run the main demo.
# At this stage of the project the demo shows the Kafka codec: it encodes a
# Produce request carrying a RecordBatch v2 (keys, headers, CRC-32C), prints
# its bytes, and decodes them back.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DMSGBUS_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j"${JOBS:-2}" --target msgbus_codec_demo >/dev/null
exec build/release/tools/msgbus_codec_demo "$@"
