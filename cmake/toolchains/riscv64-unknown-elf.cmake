# Cross-compile msgbus for a bare-metal 64-bit RISC-V (RV64IMAC, picolibc;
# Debian packages gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf):
#   cmake -S . -B build/rv64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/riscv64-unknown-elf.cmake
# CMAKE_SYSTEM_NAME Generic selects port/none. CI builds the library this way
# (a build check; the tests run on the Cortex-M4 and s390x targets).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_AR riscv64-unknown-elf-ar)
set(CMAKE_RANLIB riscv64-unknown-elf-ranlib)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "-march=rv64imac -mabi=lp64 -mcmodel=medany --specs=picolibc.specs -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os -DNDEBUG")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
