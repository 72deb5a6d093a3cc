/**
 * @file consumer.h
 * @brief The Kafka consumer, with partitions assigned by the application:
 * start at the beginning, the end, an offset or a time; fetch pipelined to
 * every leader; records CRC-checked and decoded in place; seek, pause,
 * resume, position.
 *
 * Threads: a consumer is driven by msgbus_consumer_poll(), which runs its
 * event loop (connections, Fetch and ListOffsets requests, timers) on the
 * calling thread; one thread at a time may use a consumer.
 *
 * Memory: fetched data lands in buffers of partition_max_bytes, allocated as
 * needed up to queue_max_bytes and then reused. A record returned by poll
 * points into them and stays valid until the next poll or close.
 *
 * Example:
 * @code
 * msgbus_consumer_config cfg;
 * msgbus_consumer *c;
 * msgbus_record rec;
 * msgbus_consumer_config_init(&cfg);
 * cfg.bootstrap = "127.0.0.1:9092";
 * if (msgbus_consumer_create(&c, &cfg) == 0) {
 *     msgbus_consumer_assign(c, "events", 0, MSGBUS_OFFSET_BEGINNING);
 *     while (msgbus_consumer_poll(c, &rec, 1000) == 0)
 *         printf("%.*s\n", (int)rec.value_len, (const char *)rec.value);
 *     msgbus_consumer_close(c);
 * }
 * @endcode
 */
#ifndef MSGBUS_CONSUMER_H
#define MSGBUS_CONSUMER_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/alloc.h"
#include "msgbus/error.h"
#include "msgbus/log.h"
#include "msgbus/producer.h"
#include "msgbus/security.h"
#include "msgbus/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Start at the partition's first offset. */
#define MSGBUS_OFFSET_BEGINNING (-2)
/** Start after the partition's last offset (only new messages). */
#define MSGBUS_OFFSET_END (-1)

/** A partition, with an offset where one is meant. */
typedef struct msgbus_topic_partition {
    const char *topic;
    int32_t partition;
    int64_t offset; /**< -1 when none */
} msgbus_topic_partition;

/**
 * Rebalance callback: @p assigned is 1 when the group gave this member
 * @p parts (their starting offsets are being looked up), 0 when they are
 * taken away (after their offsets were committed, with auto-commit). Runs
 * inside msgbus_consumer_poll().
 */
typedef void (*msgbus_rebalance_fn)(void *ud, int assigned, const msgbus_topic_partition *parts,
                                    size_t n);

/** How a group leader shares partitions out (offered to the group in this order). */
typedef enum msgbus_assignor {
    MSGBUS_ASSIGNOR_RANGE = 0,     /**< "range" first, then "roundrobin" (the default) */
    MSGBUS_ASSIGNOR_ROUNDROBIN = 1 /**< "roundrobin" first, then "range" */
} msgbus_assignor;

/** Consumer configuration; start from msgbus_consumer_config_init(). */
typedef struct msgbus_consumer_config {
    const char *bootstrap;      /**< "host:port[,host:port...]", required */
    const char *client_id;      /**< default "msgbus" */
    uint32_t fetch_max_wait_ms; /**< how long a broker may hold a Fetch with no data; default 100 */
    uint32_t fetch_min_bytes;   /**< default 1 */
    uint32_t fetch_max_bytes;   /**< per Fetch response; default 4 MiB */
    uint32_t partition_max_bytes; /**< per partition in a response; default 1 MiB */
    size_t queue_max_bytes;       /**< fetched data held at most; default 16 MiB */
    uint32_t queue_max_msgs;      /**< fetched records held at most (fetching pauses beyond,
                                       one fetch answer may pass it); default 100000 */
    int read_committed;           /**< 1 (default): skip aborted transactions */
    int auto_offset_reset;        /**< where to go when an offset is out of range:
                                       MSGBUS_OFFSET_BEGINNING (default) or MSGBUS_OFFSET_END */
    int connect_retries;          /**< default 3 */
    uint32_t net_send_buf_size;   /**< per broker connection: the buffer requests are encoded
                                       in; it must hold a Fetch for every partition assigned
                                       on one broker (about 30 B per partition plus topic
                                       names); default 65536, at least 1024 */
    uint32_t net_recv_chunk_size; /**< per broker connection: bytes read per receive call;
                                       default 16384, at least 64 */
    uint32_t request_timeout_ms;  /**< default 30000 */
    uint32_t retry_backoff_ms;    /**< default 100 */
    /* consumer groups */
    const char *group_id;             /**< NULL: no group; partitions come from assign */
    uint32_t session_timeout_ms;      /**< default 10000 */
    uint32_t rebalance_timeout_ms;    /**< default 30000 */
    uint32_t heartbeat_interval_ms;   /**< default 3000 */
    uint32_t auto_commit_interval_ms; /**< default 5000; 0: only msgbus_consumer_commit() */
    msgbus_assignor assignor;         /**< default MSGBUS_ASSIGNOR_RANGE */
    msgbus_rebalance_fn on_rebalance;
    void *rebalance_ud;
    msgbus_error_fn on_error;
    void *error_ud;
    msgbus_log_fn log;
    void *log_ud;
    int log_level;                     /**< default MSGBUS_LOG_WARN */
    const msgbus_allocator *alloc;     /**< default msgbus_allocator_default() */
    const msgbus_transport *transport; /**< default: the port's TCP transport */
    msgbus_security security; /**< TLS and SASL (security.h); default plaintext. Files, keys
                                   and credentials are read when the connection layer is
                                   created, and not kept */
} msgbus_consumer_config;

/** One record header, pointing into the fetched data. */
typedef struct msgbus_record_header {
    const char *key; /**< not NUL-terminated */
    size_t key_len;
    const void *value; /**< NULL: null value */
    size_t value_len;
} msgbus_record_header;

/** A consumed record; its pointers stay valid until the next poll. */
typedef struct msgbus_record {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms;
    int log_append_time; /**< 1: the timestamp is the broker's LogAppendTime */
    const void *key;     /**< NULL: null key */
    size_t key_len;
    const void *value; /**< NULL: null value */
    size_t value_len;
    size_t n_headers;           /**< read them with msgbus_record_header_get() */
    const uint8_t *headers_raw; /**< private */
    size_t headers_len;         /**< private */
} msgbus_record;

/** Opaque consumer handle. */
typedef struct msgbus_consumer msgbus_consumer;

/** Fill @p cfg with the defaults above; @p cfg NULL does nothing. */
void msgbus_consumer_config_init(msgbus_consumer_config *cfg);

/**
 * Create a consumer and connect (connect_retries attempts with backoff, at
 * most MSGBUS_CFG_CONNECT_WAIT_MS). With port/none (the application
 * drives every step) it returns at once and the first poll connects.
 * @return 0, MSGBUS_ERR_INVALID_ARG, MSGBUS_ERR_NOMEM, MSGBUS_ERR_TRANSPORT or
 *         MSGBUS_ERR_RESOLVE when no bootstrap broker answered.
 */
int msgbus_consumer_create(msgbus_consumer **out, const msgbus_consumer_config *cfg);

/**
 * Join the consumer group (group_id) for @p topics: the group's leader
 * shares their partitions among its members; each partition starts at the
 * group's committed offset, or auto_offset_reset without one. Membership
 * (heartbeats, rebalances, coordinator moves) runs inside
 * msgbus_consumer_poll(): call it at least every session_timeout_ms / 3.
 * @return 0; MSGBUS_ERR_STATE without a group_id or when subscribed already;
 *         MSGBUS_ERR_INVALID_ARG (a bad topic name); MSGBUS_ERR_NOMEM.
 */
int msgbus_consumer_subscribe(msgbus_consumer *c, const char *const *topics, size_t n);

/**
 * The partitions this consumer reads now (given by its group, or assigned),
 * with their positions (-1 while being looked up): up to @p cap into @p out.
 * The topic strings stay valid until the assignment changes.
 * @return how many partitions are assigned (may exceed @p cap).
 */
size_t msgbus_consumer_assignment(msgbus_consumer *c, msgbus_topic_partition *out, size_t cap);

/**
 * Commit the position of every assigned partition to the group. With
 * @p wait_ms > 0, wait for the answer that long.
 * @return 0 (committed, or sent when @p wait_ms is 0); MSGBUS_ERR_STATE
 *         without a settled group membership; MSGBUS_ERR_TIMEOUT; the
 *         broker's error (e.g. MSGBUS_KERR_REBALANCE_IN_PROGRESS).
 */
int msgbus_consumer_commit(msgbus_consumer *c, uint32_t wait_ms);

/**
 * Commit the given offsets (the next offset to read, per partition) instead
 * of the positions. Same results as msgbus_consumer_commit(), plus
 * MSGBUS_ERR_INVALID_ARG for a bad topic, partition or offset.
 */
int msgbus_consumer_commit_offsets(msgbus_consumer *c, const msgbus_topic_partition *offsets,
                                   size_t n, uint32_t wait_ms);

/**
 * The offset the group has committed for @p partition of @p topic, asked of
 * the group coordinator (looked up if needed), waiting at most @p timeout_ms.
 * *@p offset is -1 when nothing was committed.
 * @return 0; MSGBUS_ERR_STATE without a group_id; MSGBUS_ERR_TIMEOUT; the
 *         broker's error.
 */
int msgbus_consumer_committed(msgbus_consumer *c, const char *topic, int32_t partition,
                              int64_t *offset, uint32_t timeout_ms);

/**
 * Consume @p partition of @p topic from @p offset: an offset, or
 * MSGBUS_OFFSET_BEGINNING / MSGBUS_OFFSET_END. Assigning a partition that is
 * assigned already moves it (as msgbus_consumer_seek()).
 * @return 0, MSGBUS_ERR_INVALID_ARG (bad topic name, negative partition, an
 *         offset below -2), MSGBUS_ERR_NOMEM, MSGBUS_ERR_LIMIT (too many
 *         partitions: MSGBUS_CFG_MAX_ARRAY_COUNT).
 */
int msgbus_consumer_assign(msgbus_consumer *c, const char *topic, int32_t partition,
                           int64_t offset);

/**
 * Consume @p partition of @p topic from the first message whose timestamp is
 * at or after @p timestamp_ms (resolved with ListOffsets; the end of the
 * partition if there is none).
 */
int msgbus_consumer_assign_time(msgbus_consumer *c, const char *topic, int32_t partition,
                                int64_t timestamp_ms);

/**
 * The number of partitions of @p topic, waiting at most @p timeout_ms for
 * metadata (the topic is created where the cluster allows it).
 * @return 0; MSGBUS_ERR_INVALID_ARG; the topic's Kafka error;
 *         MSGBUS_ERR_TIMEOUT.
 */
int msgbus_consumer_partition_count(msgbus_consumer *c, const char *topic, int32_t *n,
                                    uint32_t timeout_ms);

/**
 * Run the event loop until every assigned partition knows the offset it
 * starts from (the beginning, the end or a time have been looked up), at
 * most @p timeout_ms. After it, MSGBUS_OFFSET_END means "after what the
 * partition held at this point". No record is consumed.
 * @return 0 or MSGBUS_ERR_TIMEOUT.
 */
int msgbus_consumer_wait_positions(msgbus_consumer *c, uint32_t timeout_ms);

/** Stop consuming a partition. @return 0, or MSGBUS_ERR_INVALID_ARG if it is not assigned. */
int msgbus_consumer_unassign(msgbus_consumer *c, const char *topic, int32_t partition);

/** Move an assigned partition to @p offset (or BEGINNING / END); buffered data is dropped. */
int msgbus_consumer_seek(msgbus_consumer *c, const char *topic, int32_t partition, int64_t offset);

/** Stop (1) or restart (0) fetching a partition; what is buffered is still delivered. */
int msgbus_consumer_pause(msgbus_consumer *c, const char *topic, int32_t partition, int paused);

/**
 * The next offset to be returned for a partition (-1 while its start is
 * still being looked up), and, if @p end is not NULL, the partition's end
 * from the last fetch (-1 if none yet): the high watermark, or with
 * read_committed the last stable offset (records after it belong to open
 * transactions and are not returned yet).
 */
int msgbus_consumer_position(msgbus_consumer *c, const char *topic, int32_t partition,
                             int64_t *offset, int64_t *end);

/**
 * Wait at most @p timeout_ms for the next record.
 * @return 0 with @p rec filled; MSGBUS_ERR_NO_MESSAGE when none came in time;
 *         MSGBUS_ERR_COMPRESSION, MSGBUS_ERR_MALFORMED,
 *         MSGBUS_ERR_UNSUPPORTED_CODEC (a batch that verified but cannot be
 *         read): @p rec names the topic, partition and the batch's first
 *         offset; that batch is skipped and the next poll goes on after it.
 *         MSGBUS_ERR_CRC: a batch failed its checksum (or its offsets are
 *         impossible) after MSGBUS_CFG_CONSUMER_CRC_RETRIES fetches again;
 *         @p rec.offset is the partition's position, which has not moved:
 *         reading goes on from the next batch that verifies, if the broker
 *         sent one, else the partition is fetched again after a backoff (or
 *         the application seeks past it).
 *         MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION: an assigned partition that
 *         current metadata says the topic does not have (reported once; the
 *         partition is no longer fetched).
 */
int msgbus_consumer_poll(msgbus_consumer *c, msgbus_record *rec, uint32_t timeout_ms);

/**
 * Records fetched and waiting to be returned by poll, after one pass of the
 * event loop that does not wait (so data that has arrived is counted).
 */
uint32_t msgbus_consumer_ready(msgbus_consumer *c);

/**
 * Header @p i of @p rec (i < rec->n_headers).
 * @return 0, MSGBUS_ERR_INVALID_ARG when @p i is out of range.
 */
int msgbus_record_header_get(const msgbus_record *rec, size_t i, msgbus_record_header *h);

/**
 * Close: with a group, commit the positions (auto-commit) and leave the
 * group so its partitions move at once (bounded by a few seconds); then
 * close the connections and free everything.
 */
void msgbus_consumer_close(msgbus_consumer *c);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_CONSUMER_H */
