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

/* ---- Producer limits (issue 12 items 10 and 16) ---- */

/**
 * Longest msgbus_producer_create() waits, on a port with threads and with
 * the producer's own loop thread, for the first metadata before it gives up
 * (ms). Application-driven producers (MSGBUS_LOOP_APP, or a port without
 * threads) never wait in create: they connect in msgbus_producer_poll().
 */
#ifndef MSGBUS_CFG_PRODUCER_CONNECT_WAIT_MS
#define MSGBUS_CFG_PRODUCER_CONNECT_WAIT_MS 120000
#endif

/**
 * Largest request_timeout_ms a producer or consumer accepts (ms; 2^30, about
 * 12 days). The network layer keeps request deadlines in 32-bit ms and adds
 * slack to the configured value (a second for the broker's own timeout, a
 * fetch's wait), so the sum of two such values must stay under 2^31.
 */
#ifndef MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS
#define MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS 0x40000000u
#endif

#if MSGBUS_CFG_PRODUCER_CONNECT_WAIT_MS < 1 || MSGBUS_CFG_PRODUCER_CONNECT_WAIT_MS > 0x40000000
#error "MSGBUS_CFG_PRODUCER_CONNECT_WAIT_MS must be 1 to 2^30 ms"
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

#endif /* MSGBUS_CONFIG_DEFAULTS_H */
