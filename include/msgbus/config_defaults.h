/**
 * @file config_defaults.h
 * @brief Compile-time options of msgbus with their defaults.
 *
 * Every option may be overridden by defining it before this header is read:
 * on the compiler command line, or in a user configuration header named by
 * `MSGBUS_CONFIG_FILE` (also the CMake cache variable of that name), which is
 * included first.
 */
#ifndef MSGBUS_CONFIG_DEFAULTS_H
#define MSGBUS_CONFIG_DEFAULTS_H

#ifdef MSGBUS_CONFIG_FILE
#include MSGBUS_CONFIG_FILE
#endif

/**
 * Largest element count accepted for any array read from the wire. A count is
 * also always checked against the bytes left in the input, so this cap bounds
 * what a decoder may ask of the caller's arena.
 */
#ifndef MSGBUS_CFG_MAX_ARRAY_COUNT
#define MSGBUS_CFG_MAX_ARRAY_COUNT 100000
#endif

/** Largest string length (bytes) accepted from the wire. Kafka caps INT16-sized strings at 32767.
 */
#ifndef MSGBUS_CFG_MAX_STRING_LEN
#define MSGBUS_CFG_MAX_STRING_LEN 32767
#endif

/** Largest BYTES / RECORDS field accepted from the wire, in bytes. */
#ifndef MSGBUS_CFG_MAX_BYTES_LEN
#define MSGBUS_CFG_MAX_BYTES_LEN (64L * 1024L * 1024L)
#endif

/** Default largest frame (size prefix) accepted by the frame reader, in bytes. */
#ifndef MSGBUS_CFG_MAX_FRAME_SIZE
#define MSGBUS_CFG_MAX_FRAME_SIZE (100L * 1024L * 1024L)
#endif

/** Largest number of tagged fields accepted in one tagged-field section. */
#ifndef MSGBUS_CFG_MAX_TAGGED_FIELDS
#define MSGBUS_CFG_MAX_TAGGED_FIELDS 64
#endif

/** Largest number of records accepted in one record batch. */
#ifndef MSGBUS_CFG_MAX_BATCH_RECORDS
#define MSGBUS_CFG_MAX_BATCH_RECORDS 1000000
#endif

/** Largest number of headers accepted on one record. */
#ifndef MSGBUS_CFG_MAX_RECORD_HEADERS
#define MSGBUS_CFG_MAX_RECORD_HEADERS 1024
#endif

/** 1: log through the application's callback; 0: compile every log call away. */
#ifndef MSGBUS_CFG_LOG
#define MSGBUS_CFG_LOG 1
#endif

/**
 * Bytes of the arena a consumer decodes Fetch and ListOffsets answers into
 * (their partition arrays and aborted-transaction lists; records stay in
 * the fetched data). An answer that needs more is an error for that fetch.
 */
#ifndef MSGBUS_CFG_CONSUMER_ARENA
#define MSGBUS_CFG_CONSUMER_ARENA (64 * 1024)
#endif

/**
 * Bytes of the arena a group member decodes group answers into: the
 * leader's JoinGroup answer (every member's subscription) is the largest.
 * 256 KiB suits groups of hundreds of members; a small device in a small
 * group can set a few KiB.
 */
#ifndef MSGBUS_CFG_GROUP_ARENA
#define MSGBUS_CFG_GROUP_ARENA (256 * 1024)
#endif

/** 1: the producer (and the bus API's writer side); 0: left out. */
#ifndef MSGBUS_CFG_PRODUCER
#define MSGBUS_CFG_PRODUCER 1
#endif

/** 1: the consumer (and the bus API's reader side); 0: left out. */
#ifndef MSGBUS_CFG_CONSUMER
#define MSGBUS_CFG_CONSUMER 1
#endif

/** 1: consumer groups (membership, assignors, committed offsets); needs the consumer. */
#ifndef MSGBUS_CFG_GROUPS
#define MSGBUS_CFG_GROUPS MSGBUS_CFG_CONSUMER
#endif

/**
 * 1: msgbus_strerror() describes every code in a sentence; 0: it gives the
 * code's name only, and the descriptions (about 8 KB) are left out.
 */
#ifndef MSGBUS_CFG_ERROR_STRINGS
#define MSGBUS_CFG_ERROR_STRINGS 1
#endif

/**
 * 1: msgbus_err_name() gives each code's name ("MSGBUS_ERR_TIMEOUT",
 * "NOT_LEADER_OR_FOLLOWER"); 0: the names (about 4 KB) are left out too, and
 * only the codes and their retry classification remain. Needs
 * MSGBUS_CFG_ERROR_STRINGS 0.
 */
#ifndef MSGBUS_CFG_ERROR_NAMES
#define MSGBUS_CFG_ERROR_NAMES 1
#endif

/**
 * 1: TLS over mbedTLS (2.28 or 3.x; link mbedtls, mbedx509, mbedcrypto);
 * 0: left out, and a configuration asking for ssl answers
 * MSGBUS_ERR_NOT_BUILT. CMake sets it when it finds mbedTLS.
 */
#ifndef MSGBUS_CFG_TLS
#define MSGBUS_CFG_TLS 0
#endif

/**
 * 1: SASL authentication (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; SCRAM takes
 * its HMAC, SHA-2 and PBKDF2 from mbedTLS's crypto library); 0: left out.
 * CMake sets it when it finds mbedTLS.
 */
#ifndef MSGBUS_CFG_SASL
#define MSGBUS_CFG_SASL 0
#endif

/**
 * Most PBKDF2 iterations a SCRAM server may ask for. Kafka's brokers allow
 * 4096 to 16384; a larger count from the wire is refused rather than
 * letting a hostile server spend the device's time.
 */
#ifndef MSGBUS_CFG_SCRAM_MAX_ITERATIONS
#define MSGBUS_CFG_SCRAM_MAX_ITERATIONS 16384
#endif

/* ---- Network layer limits (src/net): timeouts and the metadata arena ---- */

/**
 * Longest timeout or deadline distance, in milliseconds, anywhere in msgbus
 * (request timeouts, blocking waits, SASL session lifetimes). Time is kept in
 * wrapping 32-bit milliseconds; a longer wait is clamped to this, so that a
 * deadline never seems to lie in the past. At most INT32_MAX (24.8 days).
 */
#ifndef MSGBUS_CFG_MAX_TIMEOUT_MS
#define MSGBUS_CFG_MAX_TIMEOUT_MS 0x7fffffffL
#endif

/**
 * How long creating a producer or consumer waits for the first metadata
 * (connect, versions, SASL, Metadata) before it fails, in milliseconds.
 */
#ifndef MSGBUS_CFG_CONNECT_WAIT_MS
#define MSGBUS_CFG_CONNECT_WAIT_MS 120000L
#endif

/**
 * Most bytes the client reserves to decode one Metadata answer. The arena
 * starts near the answer's size and doubles while the decoder needs more, up
 * to this cap; an answer that needs more is refused (and asked for again
 * after a backoff). 8 MiB holds the metadata of tens of thousands of
 * partitions.
 */
#ifndef MSGBUS_CFG_METADATA_ARENA_MAX
#define MSGBUS_CFG_METADATA_ARENA_MAX (8L * 1024L * 1024L)
#endif

/* ---- The bus facade (src/bus/bus.c): its waits ---------------------------- */

/**
 * Longest wait the bus API hands to the producer in one call (a blocking
 * write's write_timeout_ms, msgbus_flush(), msgbus_poll() on a writer,
 * msgbus_disconnect()): a longer one is cut to this. The producer counts
 * time in signed 32-bit differences, so 2^31 ms or more would expire at once.
 */
#ifndef MSGBUS_CFG_BUS_MAX_WAIT_MS
#define MSGBUS_CFG_BUS_MAX_WAIT_MS 0x7fffffffL
#endif

/**
 * A bus read or msgbus_poll() on a reader waits in slices of at most this
 * many milliseconds (counting the whole wait in 64 bits, so any
 * read_timeout_ms works), taking the bus lock for one slice at a time: it
 * bounds how long msgbus_commit() from another thread waits for a read.
 */
#ifndef MSGBUS_CFG_BUS_WAIT_SLICE_MS
#define MSGBUS_CFG_BUS_WAIT_SLICE_MS 100
#endif

#if MSGBUS_CFG_BUS_MAX_WAIT_MS < 1 || MSGBUS_CFG_BUS_MAX_WAIT_MS > 0x7fffffffL
#error "MSGBUS_CFG_BUS_MAX_WAIT_MS must be in [1, INT32_MAX]"
#endif
#if MSGBUS_CFG_BUS_WAIT_SLICE_MS < 1 || MSGBUS_CFG_BUS_WAIT_SLICE_MS > 60000
#error "MSGBUS_CFG_BUS_WAIT_SLICE_MS must be in [1, 60000]"
#endif

/* ---- Producer limits (issue 12 items 10 and 16) ---- */

/**
 * Largest request_timeout_ms a producer or consumer accepts (ms; 2^30, about
 * 12 days). The network layer keeps request deadlines in 32-bit ms and adds
 * slack to the configured value (a second for the broker's own timeout, a
 * fetch's wait), so the sum of two such values must stay under 2^31.
 */
#ifndef MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS
#define MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS 0x40000000u
#endif

#if MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS < 1000 || MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS > 0x40000000
#error "MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS must be 1000 to 2^30 ms"
#endif

#if !MSGBUS_CFG_PRODUCER && !MSGBUS_CFG_CONSUMER
#error "MSGBUS_CFG_PRODUCER and MSGBUS_CFG_CONSUMER are both 0: nothing would be left"
#endif
#if MSGBUS_CFG_GROUPS && !MSGBUS_CFG_CONSUMER
#error "MSGBUS_CFG_GROUPS needs MSGBUS_CFG_CONSUMER"
#endif

#if MSGBUS_CFG_ERROR_STRINGS && !MSGBUS_CFG_ERROR_NAMES
#error "MSGBUS_CFG_ERROR_STRINGS needs MSGBUS_CFG_ERROR_NAMES"
#endif
#if MSGBUS_CFG_SCRAM_MAX_ITERATIONS < 4096
#error "MSGBUS_CFG_SCRAM_MAX_ITERATIONS must be at least 4096 (the SCRAM minimum msgbus accepts)"
#endif
#if MSGBUS_CFG_MAX_ARRAY_COUNT < 1 || MSGBUS_CFG_MAX_ARRAY_COUNT > 0x7fffffffL
#error "MSGBUS_CFG_MAX_ARRAY_COUNT must be in [1, INT32_MAX]"
#endif
#if MSGBUS_CFG_MAX_STRING_LEN < 1 || MSGBUS_CFG_MAX_STRING_LEN > 32767
#error "MSGBUS_CFG_MAX_STRING_LEN must be in [1, 32767]"
#endif
#if MSGBUS_CFG_MAX_BYTES_LEN < 1 || MSGBUS_CFG_MAX_BYTES_LEN > 0x7fffffffL
#error "MSGBUS_CFG_MAX_BYTES_LEN must be in [1, INT32_MAX]"
#endif
#if MSGBUS_CFG_MAX_FRAME_SIZE < 8 || MSGBUS_CFG_MAX_FRAME_SIZE > 0x7fffffffL
#error "MSGBUS_CFG_MAX_FRAME_SIZE must be in [8, INT32_MAX]"
#endif

#if MSGBUS_CFG_MAX_TIMEOUT_MS < 1000 || MSGBUS_CFG_MAX_TIMEOUT_MS > 0x7fffffffL
#error "MSGBUS_CFG_MAX_TIMEOUT_MS must be in [1000, INT32_MAX]"
#endif
#if MSGBUS_CFG_CONNECT_WAIT_MS < 1 || MSGBUS_CFG_CONNECT_WAIT_MS > MSGBUS_CFG_MAX_TIMEOUT_MS
#error "MSGBUS_CFG_CONNECT_WAIT_MS must be in [1, MSGBUS_CFG_MAX_TIMEOUT_MS]"
#endif
#if MSGBUS_CFG_METADATA_ARENA_MAX < 4096 || MSGBUS_CFG_METADATA_ARENA_MAX > 0x7fffffffL
#error "MSGBUS_CFG_METADATA_ARENA_MAX must be in [4096, INT32_MAX]"
#endif

/* ---- The local bus (src/local, include/msgbus/local.h; issue 16) -------- */

/** 1: build the in-process bus and the bus API's technology local. */
#ifndef MSGBUS_CFG_LOCAL
#define MSGBUS_CFG_LOCAL 1
#endif
/** Topics one local bus holds (a fixed table inside msgbus_local). */
#ifndef MSGBUS_CFG_LOCAL_MAX_TOPICS
#define MSGBUS_CFG_LOCAL_MAX_TOPICS 16
#endif
/** Handlers one local bus holds, at most 32 (a topic caches its matches in 32 bits). */
#ifndef MSGBUS_CFG_LOCAL_MAX_HANDLERS
#define MSGBUS_CFG_LOCAL_MAX_HANDLERS 16
#endif
/** Longest topic name, in bytes with its NUL. */
#ifndef MSGBUS_CFG_LOCAL_TOPIC_LEN
#define MSGBUS_CFG_LOCAL_TOPIC_LEN 48
#endif
/** Longest handler key, in bytes with its NUL. */
#ifndef MSGBUS_CFG_LOCAL_KEY_LEN
#define MSGBUS_CFG_LOCAL_KEY_LEN 32
#endif
/** Longest handler pattern (regular expression), in bytes with its NUL. */
#ifndef MSGBUS_CFG_LOCAL_PATTERN_LEN
#define MSGBUS_CFG_LOCAL_PATTERN_LEN 64
#endif
/** Deepest nesting of emits (a handler emitting) on one thread. */
#ifndef MSGBUS_CFG_LOCAL_MAX_DEPTH
#define MSGBUS_CFG_LOCAL_MAX_DEPTH 4
#endif
/**
 * 1: patterns are POSIX extended regular expressions run by the C library
 * (regcomp/regexec); 0: msgbus's own subset (docs/local.md). CMake sets 1 on
 * port/posix; bare-metal C libraries (picolibc) have no regex.h.
 */
#ifndef MSGBUS_CFG_LOCAL_REGEX_POSIX
#define MSGBUS_CFG_LOCAL_REGEX_POSIX 0
#endif
/** Bytes a bus-API reader of technology local queues (copied messages). */
#ifndef MSGBUS_CFG_LOCAL_READ_QUEUE
#define MSGBUS_CFG_LOCAL_READ_QUEUE 65536
#endif
#if MSGBUS_CFG_LOCAL_MAX_HANDLERS < 1 || MSGBUS_CFG_LOCAL_MAX_HANDLERS > 32
#error "MSGBUS_CFG_LOCAL_MAX_HANDLERS must be in [1, 32]"
#endif
#if MSGBUS_CFG_LOCAL_MAX_TOPICS < 1 || MSGBUS_CFG_LOCAL_MAX_TOPICS > 255
#error "MSGBUS_CFG_LOCAL_MAX_TOPICS must be in [1, 255]"
#endif
#if MSGBUS_CFG_LOCAL_PATTERN_LEN < 2 || MSGBUS_CFG_LOCAL_PATTERN_LEN > 120
#error "MSGBUS_CFG_LOCAL_PATTERN_LEN must be in [2, 120] (the subset matcher's state table)"
#endif
/**
 * 1: build the bridge between the local bus and Kafka (include/msgbus/bridge.h)
 * and the outbox storages; it needs the local bus, the producer and the consumer.
 */
#ifndef MSGBUS_CFG_BRIDGE
#define MSGBUS_CFG_BRIDGE (MSGBUS_CFG_LOCAL && MSGBUS_CFG_PRODUCER && MSGBUS_CFG_CONSUMER)
#endif
/* ---- end of the local bus block ----------------------------------------- */

/* ---- Consumer and consumer-group limits (owned by src/bus/consumer.c, group.c) ---- */

/** Most topics one group member subscribes to (msgbus_consumer_subscribe()). */
#ifndef MSGBUS_CFG_GROUP_MAX_TOPICS
#define MSGBUS_CFG_GROUP_MAX_TOPICS 64
#endif

/** Most members a group leader computes an assignment for; a larger JoinGroup answer fails. */
#ifndef MSGBUS_CFG_GROUP_MAX_MEMBERS
#define MSGBUS_CFG_GROUP_MAX_MEMBERS 256
#endif

/**
 * Milliseconds a group leader with followers waits between the JoinGroup
 * answer and its SyncGroup. Some brokers (librdkafka's mock cluster) answer
 * only the followers whose SyncGroup is already waiting when the leader's
 * arrives; a leader alone in its group never waits.
 */
#ifndef MSGBUS_CFG_GROUP_LEADER_SYNC_DELAY_MS
#define MSGBUS_CFG_GROUP_LEADER_SYNC_DELAY_MS 100
#endif

/** Longest wait, on close, for the final commit's answer (ms). */
#ifndef MSGBUS_CFG_GROUP_CLOSE_COMMIT_MS
#define MSGBUS_CFG_GROUP_CLOSE_COMMIT_MS 5000
#endif

/** Longest wait, on close, for the LeaveGroup answer (ms). */
#ifndef MSGBUS_CFG_GROUP_CLOSE_LEAVE_MS
#define MSGBUS_CFG_GROUP_CLOSE_LEAVE_MS 2000
#endif

/**
 * Times a batch failing its CRC is fetched again before the consumer reports
 * MSGBUS_ERR_CRC for its partition through poll.
 */
#ifndef MSGBUS_CFG_CONSUMER_CRC_RETRIES
#define MSGBUS_CFG_CONSUMER_CRC_RETRIES 3
#endif

#if MSGBUS_CFG_GROUP_MAX_TOPICS < 1 || MSGBUS_CFG_GROUP_MAX_TOPICS > 4096
#error "MSGBUS_CFG_GROUP_MAX_TOPICS must be in [1, 4096]"
#endif
#if MSGBUS_CFG_GROUP_MAX_MEMBERS < 1 || MSGBUS_CFG_GROUP_MAX_MEMBERS > 100000
#error "MSGBUS_CFG_GROUP_MAX_MEMBERS must be in [1, 100000]"
#endif
#if MSGBUS_CFG_GROUP_LEADER_SYNC_DELAY_MS < 0 || MSGBUS_CFG_GROUP_LEADER_SYNC_DELAY_MS > 10000
#error "MSGBUS_CFG_GROUP_LEADER_SYNC_DELAY_MS must be in [0, 10000]"
#endif
#if MSGBUS_CFG_GROUP_CLOSE_COMMIT_MS < 0 || MSGBUS_CFG_GROUP_CLOSE_COMMIT_MS > 0x7fffffffL
#error "MSGBUS_CFG_GROUP_CLOSE_COMMIT_MS must be in [0, INT32_MAX]"
#endif
#if MSGBUS_CFG_GROUP_CLOSE_LEAVE_MS < 0 || MSGBUS_CFG_GROUP_CLOSE_LEAVE_MS > 0x7fffffffL
#error "MSGBUS_CFG_GROUP_CLOSE_LEAVE_MS must be in [0, INT32_MAX]"
#endif
#if MSGBUS_CFG_CONSUMER_CRC_RETRIES < 0 || MSGBUS_CFG_CONSUMER_CRC_RETRIES > 100
#error "MSGBUS_CFG_CONSUMER_CRC_RETRIES must be in [0, 100]"
#endif

#endif /* MSGBUS_CONFIG_DEFAULTS_H */
