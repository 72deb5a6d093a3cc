#!/usr/bin/env bash
# Cross-compile msgbus and its tests for an Arm Cortex-M4F (picolibc,
# port/none, -Os) and run them under QEMU's MPS2 AN386 board with
# semihosting, then for big-endian s390x Linux under qemu-user; both through
# ctest and CMAKE_CROSSCOMPILING_EMULATOR.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/target-m4
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm-none-eabi-cortex-m4f.cmake \
      -DCMAKE_BUILD_TYPE=MinSizeRel -DMSGBUS_BUILD_TOOLS=OFF -DMSGBUS_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"${JOBS:-2}" >/dev/null
ctest --test-dir "$build" --output-on-failure -j"${JOBS:-2}" --timeout 120

# The same tests on a big-endian CPU: s390x Linux under qemu-user.
build=build/target-s390x
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/s390x-linux-gnu.cmake \
      -DCMAKE_BUILD_TYPE=Release -DMSGBUS_BUILD_TOOLS=OFF -DMSGBUS_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"${JOBS:-2}" >/dev/null
ctest --test-dir "$build" --output-on-failure -j"${JOBS:-2}" --timeout 120
