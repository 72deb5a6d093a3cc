#!/usr/bin/env bash
# Cross-compile msgbus and its tests for an Arm Cortex-M4F (picolibc,
# port/none, -Os) and run them under QEMU's MPS2 AN386 board with
# semihosting (after the plain cross build README.md shows), then for
# big-endian s390x Linux under qemu-user; both through ctest and
# CMAKE_CROSSCOMPILING_EMULATOR. Last, a build check of the library
# for bare-metal RISC-V (rv64imac, picolibc, port/none).
set -euo pipefail
cd "$(dirname "$0")/.."

# First the cross build exactly as README.md shows it, with nothing but the
# toolchain file: whatever cannot build for the target must stay out by default.
echo "README cross build: cmake -S . -B build/m4 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm-none-eabi-cortex-m4f.cmake"
CMAKE_BUILD_PARALLEL_LEVEL=${JOBS:-2} sh -c 'cmake -S . -B build/m4 \
  -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm-none-eabi-cortex-m4f.cmake && cmake --build build/m4' >/dev/null
echo "README cross build: ok"

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

# The library for bare-metal 64-bit RISC-V: a clean -Werror build.
build=build/target-rv64
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/riscv64-unknown-elf.cmake \
      -DCMAKE_BUILD_TYPE=MinSizeRel -DMSGBUS_BUILD_TESTS=OFF -DMSGBUS_BUILD_TOOLS=OFF \
      -DMSGBUS_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"${JOBS:-2}" >/dev/null
echo "riscv64-unknown-elf: libmsgbus.a built, $(riscv64-unknown-elf-size -t "$build/libmsgbus.a" | awk '/TOTALS/ {print $1}') bytes of text"
