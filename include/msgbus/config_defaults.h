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
 * Longest time msgbus_consumer_create() waits for the first metadata answer
 * (ms) when the port has threads; with port/none (application-driven) it
 * never waits: the first poll connects.
 */
#ifndef MSGBUS_CFG_CONSUMER_CONNECT_WAIT_MS
#define MSGBUS_CFG_CONSUMER_CONNECT_WAIT_MS 120000
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
#if MSGBUS_CFG_CONSUMER_CONNECT_WAIT_MS < 0 || MSGBUS_CFG_CONSUMER_CONNECT_WAIT_MS > 0x7fffffffL
#error "MSGBUS_CFG_CONSUMER_CONNECT_WAIT_MS must be in [0, INT32_MAX]"
#endif
#if MSGBUS_CFG_CONSUMER_CRC_RETRIES < 0 || MSGBUS_CFG_CONSUMER_CRC_RETRIES > 100
#error "MSGBUS_CFG_CONSUMER_CRC_RETRIES must be in [0, 100]"
#endif

#endif /* MSGBUS_CONFIG_DEFAULTS_H */
