# Cross-compile msgbus for s390x Linux, a big-endian 64-bit target (Debian
# packages gcc-s390x-linux-gnu, libc6-dev-s390x-cross), and run the tests
# under qemu-user (qemu-user-static), because a wire protocol must not depend
# on the host's byte order:
#   cmake -S . -B build/s390x -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/s390x-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(CMAKE_C_COMPILER s390x-linux-gnu-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/s390x-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
find_program(MSGBUS_QEMU_S390X NAMES qemu-s390x-static qemu-s390x)
if(MSGBUS_QEMU_S390X)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MSGBUS_QEMU_S390X})
endif()
