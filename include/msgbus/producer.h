/**
 * @file producer.h
 * @brief The Kafka producer: asynchronous and synchronous sends with
 * delivery reports, keyed partitioning that matches the Java client,
 * batching, retries and idempotence.
 *
 * Data flow: msgbus_producer_send() picks a partition (the message's own,
 * murmur2 of its key as the Java client computes it, or a sticky partition
 * for messages without a key) and encodes the record once, straight into
 * that partition's open batch. A batch is sent when it is full, when its
 * linger time has passed, or on flush; batches for several partitions with
 * the same leader travel in one Produce request, and up to max_in_flight
 * requests per broker are pipelined, several batches of one partition among
 * them (in order; with idempotence a retry keeps its sequence numbers, and
 * without it a retry with max_in_flight > 1 may reorder, as in Kafka). Each
 * message's fate is reported once, through the delivery callback.
 *
 * Threads: on ports with threads the producer runs its event loop on one
 * thread of its own (unless told not to), and every function here may be
 * called from any thread. Without that thread the application drives the
 * producer by calling msgbus_producer_poll(); functions that wait (sync
 * sends, flush, close) then poll by themselves. Callbacks run on the thread
 * that runs the event loop.
 *
 * Memory: batches live in buffers of batch_size bytes, allocated on demand up
 * to queue_max_bytes and then reused; after warm-up a send allocates nothing.
 *
 * Example:
 * @code
 * msgbus_producer_config cfg;
 * msgbus_producer *p;
 * msgbus_producer_config_init(&cfg);
 * cfg.bootstrap = "127.0.0.1:9092";
 * if (msgbus_producer_create(&p, &cfg) == 0) {
 *     msgbus_message m = MSGBUS_MESSAGE_INIT;
 *     int32_t part;
 *     int64_t off;
 *     m.topic = "events";
 *     m.value = "hello";
 *     m.value_len = 5;
 *     msgbus_producer_send_sync(p, &m, &part, &off, 10000);
 *     msgbus_producer_close(p, 10000);
 * }
 * @endcode
 */
#ifndef MSGBUS_PRODUCER_H
#define MSGBUS_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/alloc.h"
#include "msgbus/error.h"
#include "msgbus/log.h"
#include "msgbus/security.h"
#include "msgbus/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A message's partition is chosen by the producer (key hash or sticky). */
#define MSGBUS_PARTITION_ANY (-1)

/** One record header. @p key must not be NULL; @p value NULL is a null value. */
typedef struct msgbus_header {
    const char *key;   /**< NUL-terminated header name */
    const void *value; /**< NULL: null value */
    size_t value_len;
} msgbus_header;

/**
 * A message to send. Key and value are copied into the batch during the
 * send call, so the caller's bytes may be reused as soon as it returns.
 * A NULL pointer is a null key or value; for an empty non-null value pass a
 * non-NULL pointer with length 0.
 */
typedef struct msgbus_message {
    const char *topic; /**< required */
    int32_t partition; /**< MSGBUS_PARTITION_ANY or a partition number */
    const void *key;   /**< NULL: null key (sticky partitioning) */
    size_t key_len;
    const void *value; /**< NULL: null value (a tombstone) */
    size_t value_len;
    const msgbus_header *headers; /**< n_headers entries, or NULL */
    size_t n_headers;
    int64_t timestamp_ms; /**< CreateTime in ms since the epoch; 0: now */
    void *opaque;         /**< handed back in the delivery report */
} msgbus_message;

/** A msgbus_message with every field empty and partition MSGBUS_PARTITION_ANY. */
#define MSGBUS_MESSAGE_INIT                                                                        \
    {                                                                                              \
        NULL, MSGBUS_PARTITION_ANY, NULL, 0, NULL, 0, NULL, 0, 0, NULL                             \
    }

/** The outcome of one message. */
typedef struct msgbus_delivery {
    int err;           /**< 0, a Kafka error code (> 0) or a MSGBUS_ERR_* code (< 0) */
    const char *topic; /**< valid during the callback */
    int32_t partition; /**< -1 if the message never got one */
    int64_t offset;    /**< -1 when unknown (acks=0, an error, or a duplicate) */
    void *opaque;      /**< msgbus_message.opaque */
} msgbus_delivery;

/**
 * Delivery callback: called exactly once per message accepted by a send,
 * in order per partition, on the event-loop thread. It may call
 * msgbus_producer_send() (not the sync or waiting functions).
 */
typedef void (*msgbus_delivery_fn)(void *ud, const msgbus_delivery *d);

/** Error callback for errors not tied to one message (a lost broker, a fatal producer state). */
typedef void (*msgbus_error_fn)(void *ud, int err, const char *reason);

/** How the event loop runs. */
typedef enum msgbus_loop_mode {
    MSGBUS_LOOP_AUTO =
        0, /**< a thread of its own where the port has threads, else the application polls */
    MSGBUS_LOOP_THREAD = 1, /**< a thread of its own; create fails on ports without threads */
    MSGBUS_LOOP_APP = 2     /**< the application calls msgbus_producer_poll() */
} msgbus_loop_mode;

/** Producer configuration; start from msgbus_producer_config_init(). */
typedef struct msgbus_producer_config {
    const char *bootstrap;        /**< "host:port[,host:port...]", required */
    const char *client_id;        /**< default "msgbus" */
    int acks;                     /**< 0, 1 or -1 (all); default -1 */
    int idempotence;              /**< -1 (default): on when acks is -1 and the broker supports it;
                                       1: required (acks must be -1); 0: off. Idempotence means a
                                       retried batch is never written twice and order is kept. */
    uint32_t linger_ms;           /**< how long a batch waits for more records; default 5 */
    uint32_t batch_size;          /**< bytes per batch buffer; default 65536 */
    uint32_t queue_max_msgs;      /**< messages queued and in flight at most; default 100000 */
    size_t queue_max_bytes;       /**< batch buffer bytes at most; default 32 MiB */
    uint32_t max_message_size;    /**< largest encoded record; default 1048576 */
    uint32_t delivery_timeout_ms; /**< from send to report, retries included; default 120000,
                                       at most 2^31-1 */
    uint32_t request_timeout_ms;  /**< per Produce request; default 30000, at most
                                       MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS */
    uint32_t retry_backoff_ms;    /**< wait before a retry; default 100 */
    uint32_t
        max_in_flight; /**< requests in flight per broker; default 5 (max 5 with idempotence) */
    uint32_t metadata_wait_ms;    /**< how long a send waits to learn a new topic; default 10000 */
    int connect_retries;          /**< connection attempts before create (with a loop thread)
                                       or a send (application-driven) gives up; default 3 */
    uint32_t net_send_buf_size;   /**< per broker connection: the buffer requests are encoded
                                       in, record batches aside (they are sent from their own
                                       buffers); default 65536, at least 1024. Requests are cut
                                       to fit: a few KiB do for a few topics */
    uint32_t net_recv_chunk_size; /**< per broker connection: bytes read per receive call;
                                       default 16384, at least 64 */
    msgbus_loop_mode loop;        /**< default MSGBUS_LOOP_AUTO */
    msgbus_delivery_fn on_delivery;
    void *delivery_ud;
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
} msgbus_producer_config;

/** Counters (all since create). */
typedef struct msgbus_producer_stats {
    uint64_t msgs_sent;      /**< accepted by send */
    uint64_t msgs_delivered; /**< reported with err == 0 */
    uint64_t msgs_failed;    /**< reported with an error */
    uint64_t batches_sent;   /**< batch transmissions, retries included */
    uint64_t requests;       /**< Produce requests sent */
    uint64_t retries;        /**< batches sent again */
    uint32_t queued_msgs;    /**< now queued or in flight */
    size_t buffer_bytes;     /**< batch buffer bytes allocated now */
} msgbus_producer_stats;

/** Opaque producer handle. */
typedef struct msgbus_producer msgbus_producer;

/** Fill @p cfg with the defaults above (@p cfg NULL: nothing happens). */
void msgbus_producer_config_init(msgbus_producer_config *cfg);

/**
 * Create a producer. With a loop thread of its own it connects to the
 * bootstrap brokers and fetches metadata before returning, trying
 * connect_retries times with backoff, for at most
 * MSGBUS_CFG_CONNECT_WAIT_MS (config_defaults.h). Application-driven
 * (MSGBUS_LOOP_APP, or a port without threads) it returns at once: the
 * connection is made in msgbus_producer_poll() and in the first send's wait
 * for its topic, which returns the connect error once the retries ran out.
 * @return 0; MSGBUS_ERR_INVALID_ARG (a bad setting; the log says which);
 *         MSGBUS_ERR_NOMEM; with a loop thread, MSGBUS_ERR_TRANSPORT or
 *         MSGBUS_ERR_RESOLVE when no bootstrap broker could be reached, or
 *         MSGBUS_ERR_TIMEOUT.
 */
int msgbus_producer_create(msgbus_producer **out, const msgbus_producer_config *cfg);

/**
 * Queue one message. Returns at once (after learning the topic's partitions
 * the first time a topic is used, for at most metadata_wait_ms).
 * @return 0: queued, its delivery will be reported; MSGBUS_ERR_QUEUE_FULL:
 *         queue_max_msgs or queue_max_bytes reached, try again after a poll
 *         or a delivery; MSGBUS_ERR_MSG_TOO_LARGE; MSGBUS_ERR_INVALID_ARG
 *         (NULL message or topic, a bad topic name, a NULL header key);
 *         a Kafka error for the topic (e.g. MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION
 *         when the partition does not exist); MSGBUS_ERR_TIMEOUT when the
 *         topic's metadata did not arrive; MSGBUS_ERR_TRANSPORT or
 *         MSGBUS_ERR_RESOLVE when an application-driven producer could not
 *         reach any bootstrap broker; MSGBUS_ERR_STATE after close began
 *         or once the producer has failed fatally.
 */
int msgbus_producer_send(msgbus_producer *p, const msgbus_message *m);

/**
 * Send one message and wait for its delivery, at most @p timeout_ms.
 * @p partition and @p offset (either may be NULL) receive where it was
 * written. Must not be called from a callback. Every timeout here (and in
 * flush and close) is honoured in full, up to UINT32_MAX ms.
 * @return 0, the send errors above, the delivery error, or MSGBUS_ERR_TIMEOUT
 *         (the message stays queued and its report goes to on_delivery).
 */
int msgbus_producer_send_sync(msgbus_producer *p, const msgbus_message *m, int32_t *partition,
                              int64_t *offset, uint32_t timeout_ms);

/**
 * Send everything queued now (ignoring linger) and wait until all of it has
 * been reported, at most @p timeout_ms.
 * @return 0, or MSGBUS_ERR_TIMEOUT with messages still queued.
 */
int msgbus_producer_flush(msgbus_producer *p, uint32_t timeout_ms);

/**
 * Run the event loop for at most @p timeout_ms (application-driven mode;
 * with a loop thread it only waits). Delivery callbacks run from here.
 * @return 0, or a fatal error.
 */
int msgbus_producer_poll(msgbus_producer *p, uint32_t timeout_ms);

/** Messages queued or in flight now. Thread-safe. */
uint32_t msgbus_producer_queued(msgbus_producer *p);

/** Copy the counters into @p st. Thread-safe. */
void msgbus_producer_stats_get(msgbus_producer *p, msgbus_producer_stats *st);

/**
 * Flush for at most @p timeout_ms, then report every message still queued
 * with MSGBUS_ERR_STATE, stop the loop thread and free everything.
 * @return 0 if everything was delivered before the timeout, else
 *         MSGBUS_ERR_TIMEOUT (the rest was reported as failed).
 */
int msgbus_producer_close(msgbus_producer *p, uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_PRODUCER_H */
