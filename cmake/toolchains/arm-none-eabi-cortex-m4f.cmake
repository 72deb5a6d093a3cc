# Cross-compile msgbus for an Arm Cortex-M4F with picolibc (Debian packages
# gcc-arm-none-eabi and picolibc-arm-none-eabi):
#   cmake -S . -B build/m4 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm-none-eabi-cortex-m4f.cmake
# CMAKE_SYSTEM_NAME Generic selects port/none (no operating system).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
set(CMAKE_RANLIB arm-none-eabi-ranlib)
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "size tool for the footprint table")
# Without an OS there is no executable to link while CMake probes the compiler.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(MSGBUS_TARGET_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 --specs=picolibc.specs")
set(CMAKE_C_FLAGS_INIT "${MSGBUS_TARGET_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os -DNDEBUG")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

# Test programs run under QEMU's MPS2 AN386 board (a Cortex-M4) with
# semihosting: picolibc's semihost crt0 and oslib give them stdout, host
# files and an exit status. 4 MiB of code memory at 0, 4 MiB of RAM above it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections --oslib=semihost --crt0=semihost -T picolibc.ld \
-Wl,--defsym=__flash=0x00000000 -Wl,--defsym=__flash_size=0x00400000 \
-Wl,--defsym=__ram=0x20000000 -Wl,--defsym=__ram_size=0x00400000 -Wl,--defsym=__stack_size=0x20000")
find_program(MSGBUS_QEMU_ARM qemu-system-arm)
if(MSGBUS_QEMU_ARM)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MSGBUS_QEMU_ARM} -M mps2-an386 -nographic -monitor none
      -serial none -semihosting-config enable=on,target=native -kernel)
endif()
