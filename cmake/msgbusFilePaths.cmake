# Source lists of msgbus, for integrators who build it without our CMakeLists
# (RTOS projects): add these files and the include/ and src/ directories.
get_filename_component(MSGBUS_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(MSGBUS_INCLUDE_DIRS ${MSGBUS_ROOT}/include ${MSGBUS_ROOT}/src)
# While the codec grows, every src/proto file is part of it.
file(GLOB MSGBUS_PROTO_SOURCES CONFIGURE_DEPENDS ${MSGBUS_ROOT}/src/proto/*.c)
