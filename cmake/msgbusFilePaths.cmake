# Source lists of msgbus, for integrators who build it without our
# CMakeLists (RTOS projects): compile MSGBUS_SOURCES plus the sources of one
# port (MSGBUS_PORT_POSIX_SOURCES or MSGBUS_PORT_NONE_SOURCES, or your own),
# with MSGBUS_INCLUDE_DIRS and that port's directory on the include path.
get_filename_component(MSGBUS_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(MSGBUS_INCLUDE_DIRS ${MSGBUS_ROOT}/include ${MSGBUS_ROOT}/src)

# The Kafka codec: no I/O, no clock, no heap.
set(MSGBUS_PROTO_SOURCES
  ${MSGBUS_ROOT}/src/proto/api.c
  ${MSGBUS_ROOT}/src/proto/api_versions.c
  ${MSGBUS_ROOT}/src/proto/codec.c
  ${MSGBUS_ROOT}/src/proto/consumer_protocol.c
  ${MSGBUS_ROOT}/src/proto/crc32c.c
  ${MSGBUS_ROOT}/src/proto/crc32c_sse42.c
  ${MSGBUS_ROOT}/src/proto/errors.c
  ${MSGBUS_ROOT}/src/proto/fetch.c
  ${MSGBUS_ROOT}/src/proto/find_coordinator.c
  ${MSGBUS_ROOT}/src/proto/frame.c
  ${MSGBUS_ROOT}/src/proto/group.c
  ${MSGBUS_ROOT}/src/proto/init_producer_id.c
  ${MSGBUS_ROOT}/src/proto/list_offsets.c
  ${MSGBUS_ROOT}/src/proto/metadata.c
  ${MSGBUS_ROOT}/src/proto/offsets.c
  ${MSGBUS_ROOT}/src/proto/produce.c
  ${MSGBUS_ROOT}/src/proto/record_batch.c
  ${MSGBUS_ROOT}/src/proto/sasl.c
  ${MSGBUS_ROOT}/src/proto/txn.c)

# Broker connections, the request pipeline, cluster metadata, the event loop,
# TLS and SASL. TLS and SCRAM need mbedTLS: compile with MSGBUS_CFG_TLS=1 and
# MSGBUS_CFG_SASL=1 and link mbedtls, mbedx509 and mbedcrypto to have them.
set(MSGBUS_NET_SOURCES
  ${MSGBUS_ROOT}/src/net/addr.c
  ${MSGBUS_ROOT}/src/net/backoff.c
  ${MSGBUS_ROOT}/src/net/client.c
  ${MSGBUS_ROOT}/src/net/cluster.c
  ${MSGBUS_ROOT}/src/net/conn.c
  ${MSGBUS_ROOT}/src/net/log.c
  ${MSGBUS_ROOT}/src/net/security.c
  ${MSGBUS_ROOT}/src/net/sasl_auth.c
  ${MSGBUS_ROOT}/src/net/scram.c
  ${MSGBUS_ROOT}/src/net/tls.c)

# Producer, consumer, groups and the bus facade (growing).
set(MSGBUS_BUS_SOURCES
  ${MSGBUS_ROOT}/src/bus/client_open.c
  ${MSGBUS_ROOT}/src/bus/partitioner.c
  ${MSGBUS_ROOT}/src/bus/accumulator.c
  ${MSGBUS_ROOT}/src/bus/sender.c
  ${MSGBUS_ROOT}/src/bus/producer.c
  ${MSGBUS_ROOT}/src/bus/bus.c
  ${MSGBUS_ROOT}/src/bus/consumer.c
  ${MSGBUS_ROOT}/src/bus/group.c
  ${MSGBUS_ROOT}/src/bus/decompress.c
  ${MSGBUS_ROOT}/src/bus/compress.c)

# The local bus (in-process, no broker), its matchers, the bus API over it,
# and the bridge to Kafka (MSGBUS_CFG_BRIDGE; its outbox storages are in the ports).
# On a C library with regex.h, compile with MSGBUS_CFG_LOCAL_REGEX_POSIX=1.
set(MSGBUS_LOCAL_SOURCES
  ${MSGBUS_ROOT}/src/local/local.c
  ${MSGBUS_ROOT}/src/local/match.c
  ${MSGBUS_ROOT}/src/local/bus_local.c
  ${MSGBUS_ROOT}/src/local/bridge.c)

set(MSGBUS_SOURCES ${MSGBUS_PROTO_SOURCES} ${MSGBUS_NET_SOURCES} ${MSGBUS_BUS_SOURCES}
  ${MSGBUS_LOCAL_SOURCES})

# Ports: the common part, then one of these.
set(MSGBUS_PORT_COMMON_SOURCES ${MSGBUS_ROOT}/port/common/alloc.c ${MSGBUS_ROOT}/port/common/pool.c
  ${MSGBUS_ROOT}/port/common/storage_ram.c)
set(MSGBUS_PORT_POSIX_SOURCES ${MSGBUS_ROOT}/port/posix/port.c ${MSGBUS_ROOT}/port/posix/tcp.c
  ${MSGBUS_ROOT}/port/posix/storage_file.c)
set(MSGBUS_PORT_NONE_SOURCES ${MSGBUS_ROOT}/port/none/port.c)
