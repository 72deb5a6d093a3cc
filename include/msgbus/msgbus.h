/**
 * @file msgbus.h
 * @brief The bus API: a connection to a message bus, opened as a writer or a
 * reader, in the shape of the Go msgbus package (MsgBusConfig, Connect,
 * MessageWrite, Disconnect, Status, SetLogger).
 *
 * A writer connection is a producer (include/msgbus/producer.h) bound to one
 * topic. It reconnects by itself when a broker goes away: writes are queued
 * meanwhile and sent once a leader is reachable again.
 *
 * - Blocking mode: msgbus_write() returns once the message is acknowledged as
 *   `acks` asks (or with the error that stopped it).
 * - Non-blocking mode: msgbus_write() queues the message and returns at once;
 *   a full queue gives MSGBUS_ERR_QUEUE_FULL (try again); each message's
 *   outcome reaches `on_delivery`; msgbus_flush() waits for all of them.
 *
 * A reader connection is a consumer of every partition of its topic, starting
 * where `start` says (Go: MessageRead, MessageAvailable, RegisterCB,
 * UnregisterCB):
 * - msgbus_read() waits for the next message (blocking mode: up to
 *   read_timeout_ms, 0 = for ever; non-blocking mode: not at all);
 * - msgbus_message_available() counts the messages ready now;
 * - msgbus_register_cb() hands every message to a callback instead: on a
 *   thread of the connection's own where the port has threads, else from
 *   msgbus_poll(). While a callback is registered, msgbus_read() returns
 *   MSGBUS_ERR_STATE rather than racing it.
 *
 * Example (the Go package's writer example):
 * @code
 * msgbus_config cfg;
 * msgbus *bus;
 * msgbus_config_init(&cfg);
 * cfg.host = "localhost";
 * cfg.port = 9092;
 * cfg.blocking = MSGBUS_BLOCKING;
 * cfg.direction = MSGBUS_WRITER;
 * cfg.connect_retries = 10;
 * cfg.topic = "hb_events";
 * if (msgbus_connect(&bus, &cfg) != 0)
 *     return 1;
 * msgbus_write_str(bus, "The Rain In Spain");
 * msgbus_disconnect(bus);
 * msgbus_destroy(bus);
 * @endcode
 *
 * Threads: every function may be called from any thread, except that
 * msgbus_disconnect() and msgbus_destroy() must not run concurrently with
 * other calls on the same handle.
 *
 * Callbacks (the reader callback, on_delivery, on_error) run without any
 * lock of the bus held. From inside a callback, on its own bus, it may call:
 * - msgbus_commit() (commits what has been handed out, this record
 *   included), msgbus_message_available(), msgbus_status();
 * - on a writer, msgbus_write() and friends in non-blocking mode.
 * Every call that would wait for the callback itself or for the loop that
 * runs it returns MSGBUS_ERR_STATE at once instead of hanging: a blocking
 * write, msgbus_flush(), msgbus_poll(), msgbus_read(), msgbus_register_cb(),
 * msgbus_unregister_cb(), msgbus_disconnect(); msgbus_destroy() from a
 * callback does nothing (and logs an error). Other buses may be used freely.
 *
 * Waits: every timeout takes the whole uint32_t range. Reads and
 * msgbus_poll() count it in 64 bits; waits handed to the producer (blocking
 * writes, flush, disconnect) are cut to MSGBUS_CFG_BUS_MAX_WAIT_MS
 * (2^31 - 1 ms, about 24.8 days; config_defaults.h).
 */
#ifndef MSGBUS_MSGBUS_H
#define MSGBUS_MSGBUS_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/alloc.h"
#include "msgbus/consumer.h"
#include "msgbus/error.h"
#include "msgbus/log.h"
#include "msgbus/producer.h"
#include "msgbus/security.h"
#include "msgbus/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Bus technology (Go: MsgBusTech).
 *
 * MSGBUS_TECH_LOCAL runs the same calls over the in-process local bus
 * (include/msgbus/local.h), without a broker, once the program has called
 * msgbus_local_set_default() (which links it in; else msgbus_connect() gives
 * MSGBUS_ERR_NOT_BUILT): a writer emits each message to `topic` on that
 * default local bus (NULL: one made at the first connect); a reader
 * receives the messages of exactly `topic`, queued for msgbus_read() or, with
 * a callback registered, handed to it at once on the writer's thread. host,
 * port, security and the producer/consumer tuning are ignored; writes are
 * delivered before msgbus_write() returns (a reader's full queue gives
 * MSGBUS_ERR_QUEUE_FULL; other readers of the topic that had room got it); msgbus_commit() gives
 * MSGBUS_ERR_STATE; records carry key and value (no headers). MSGBUS_ERR_NOT_BUILT without
 * MSGBUS_CFG_LOCAL.
 */
typedef enum msgbus_tech { MSGBUS_TECH_KAFKA = 1, MSGBUS_TECH_LOCAL = 2 } msgbus_tech;

/** Blocking mode (Go: BlockingMode). */
typedef enum msgbus_blocking { MSGBUS_NONBLOCKING = 1, MSGBUS_BLOCKING = 2 } msgbus_blocking;

/** Connection status (Go: BusStatus). */
typedef enum msgbus_status_code {
    MSGBUS_STATUS_OPEN = 1,
    MSGBUS_STATUS_CLOSED = 2
} msgbus_status_code;

/** Direction (Go: BusDir). */
typedef enum msgbus_dir { MSGBUS_WRITER = 1, MSGBUS_READER = 2 } msgbus_dir;

/**
 * Where a reader starts. With MSGBUS_START_COMMITTED the reader is a member
 * of a consumer group (group_id): readers of one group share the topic's
 * partitions and resume where the group committed. The other modes replay
 * every partition on their own, without a group.
 */
typedef enum msgbus_start {
    MSGBUS_START_COMMITTED = 0, /**< the group's committed offsets, the oldest without (default) */
    MSGBUS_START_EARLIEST = 1,  /**< the oldest message each partition holds */
    MSGBUS_START_LATEST = 2,    /**< only messages written after connect */
    MSGBUS_START_OFFSET = 3,    /**< start_offset in every partition */
    MSGBUS_START_TIME = 4,      /**< the first message at or after start_time_ms */
    MSGBUS_START_DELTA = 5      /**< the first message at or after now - start_delta_ms (replay) */
} msgbus_start;

/**
 * Reader callback (Go: CBFunc): @p rec and its bytes are valid during the
 * call only. What it may call on its own bus: see "Callbacks" above.
 */
typedef void (*msgbus_read_fn)(void *ud, const msgbus_record *rec);

/** Connection configuration (Go: MsgBusConfig, plus what deployments need). */
typedef struct msgbus_config {
    msgbus_tech tech;               /**< MSGBUS_TECH_KAFKA (the default) */
    const char *host;               /**< default "localhost" */
    int port;                       /**< default 9092 */
    msgbus_blocking blocking;       /**< default MSGBUS_BLOCKING */
    msgbus_dir direction;           /**< default MSGBUS_WRITER */
    int connect_retries;            /**< attempts at the first connection; default 3 */
    uint32_t net_send_buf_size;     /**< per broker connection: request encode buffer; default
                                         65536 (a writer of a few topics needs a few KiB) */
    uint32_t net_recv_chunk_size;   /**< per broker connection: bytes per receive; default 16384 */
    const char *topic;              /**< required: the topic written to */
    const char *bootstrap;          /**< "host:port,..."; when set, host and port are ignored */
    const char *client_id;          /**< default "msgbus" */
    int acks;                       /**< 0, 1 or -1 (all, the default) */
    uint32_t linger_ms;             /**< default 5 (0 in blocking mode: nothing to wait for) */
    uint32_t batch_size;            /**< default 65536 */
    uint32_t queue_max_msgs;        /**< default 100000 */
    size_t queue_max_bytes;         /**< default 32 MiB */
    uint32_t write_timeout_ms;      /**< blocking write: longest wait for the ack; default 30000 */
    msgbus_delivery_fn on_delivery; /**< non-blocking mode: each message's outcome */
    void *delivery_ud;
    msgbus_error_fn on_error; /**< errors not tied to one message */
    void *error_ud;
    msgbus_log_fn log; /**< NULL: the logger given to msgbus_set_logger(), if any */
    void *log_ud;
    int log_level;                     /**< default MSGBUS_LOG_WARN */
    const msgbus_allocator *alloc;     /**< default msgbus_allocator_default() */
    const msgbus_transport *transport; /**< default: the port's TCP transport */
    msgbus_loop_mode loop;             /**< default MSGBUS_LOOP_AUTO */
    msgbus_security security;          /**< TLS and SASL (security.h); default plaintext. Read at
                                            connect (and not kept), used on every reconnect */
    /* reader */
    msgbus_start start;   /**< default MSGBUS_START_COMMITTED */
    const char *group_id; /**< MSGBUS_START_COMMITTED: the group; NULL: one is generated */
    uint32_t auto_commit_interval_ms; /**< default 5000; 0: only msgbus_commit() */
    uint32_t session_timeout_ms;      /**< group session, default 10000: read (or keep a callback
                                           registered) at least this often */
    int64_t start_offset;             /**< MSGBUS_START_OFFSET */
    int64_t start_time_ms;            /**< MSGBUS_START_TIME: ms since the epoch */
    int64_t start_delta_ms;           /**< MSGBUS_START_DELTA: how far back from now */
    uint32_t read_timeout_ms;     /**< blocking read: longest wait; 0 (default) waits for ever */
    size_t read_queue_max_bytes;  /**< fetched data held at most; default 16 MiB */
    uint32_t read_queue_max_msgs; /**< fetched messages held at most; default 100000 */
} msgbus_config;

/** Opaque connection handle (Go: MsgBusIO). */
typedef struct msgbus msgbus;

/** Fill @p cfg with the defaults above; NULL is a no-op. */
void msgbus_config_init(msgbus_config *cfg);

/**
 * Set the logger used by connections made afterwards whose config has none
 * (Go: SetLogger). NULL turns that default off. Not thread-safe: call it
 * before connecting.
 */
void msgbus_set_logger(msgbus_log_fn fn, void *ud, int level);

/**
 * Connect to the bus (Go: Connect): validate @p cfg, reach a bootstrap
 * broker (connect_retries attempts with backoff) and learn the topic.
 * @return 0 and a handle in *out; MSGBUS_ERR_INVALID_ARG (a bad setting, the
 *         log says which);
 *         MSGBUS_ERR_NOMEM; MSGBUS_ERR_TRANSPORT / MSGBUS_ERR_RESOLVE when no
 *         broker could be reached; the topic's Kafka error.
 */
int msgbus_connect(msgbus **out, const msgbus_config *cfg);

/**
 * Write @p len bytes at @p data as one message (Go: MessageWrite).
 * @return 0; MSGBUS_ERR_QUEUE_FULL (non-blocking, try again);
 *         MSGBUS_ERR_INVALID_ARG (NULL data with a length);
 *         MSGBUS_ERR_MSG_TOO_LARGE; MSGBUS_ERR_STATE after msgbus_disconnect();
 *         blocking mode: the delivery error, or MSGBUS_ERR_TIMEOUT;
 *         MSGBUS_ERR_STATE for a blocking write from a callback of this bus.
 */
int msgbus_write(msgbus *bus, const void *data, size_t len);

/** msgbus_write() of a NUL-terminated string (without the NUL). */
int msgbus_write_str(msgbus *bus, const char *s);

/**
 * Write one message with a key (NULL: none) and headers (@p n_headers
 * entries, or NULL). Same results as msgbus_write().
 */
int msgbus_write_msg(msgbus *bus, const void *key, size_t key_len, const void *value,
                     size_t value_len, const msgbus_header *headers, size_t n_headers);

/**
 * Read the next message's value into @p buf (Go: MessageRead).
 * @return 0 with the length in *len; MSGBUS_ERR_NO_MESSAGE (non-blocking mode
 *         with nothing ready, or read_timeout_ms passed); MSGBUS_ERR_NO_ROOM
 *         when the value is longer than @p cap (*len says how long; the
 *         message stays first in line); MSGBUS_ERR_STATE on a writer, after
 *         disconnect, or while a callback is registered; a batch error
 *         (MSGBUS_ERR_CRC...) for data that could not be read, after which
 *         reading goes on.
 */
int msgbus_read(msgbus *bus, void *buf, size_t cap, size_t *len);

/**
 * Read the next message with its key, headers, partition, offset and
 * timestamp; its pointers stay valid until the next read. Same results as
 * msgbus_read() (without NO_ROOM).
 */
int msgbus_read_record(msgbus *bus, msgbus_record *rec);

/**
 * Commit what has been read to the reader's group (with auto-commit it also
 * happens every auto_commit_interval_ms), waiting for the answer at most
 * @p wait_ms (0: do not wait).
 * May be called from the reader callback.
 * @return 0; MSGBUS_ERR_STATE on a writer, a reader without a group, or while
 *         the group is rebalancing; MSGBUS_ERR_TIMEOUT; the broker's error.
 */
int msgbus_commit(msgbus *bus, uint32_t wait_ms);

/**
 * Messages ready to be read now, without waiting (Go: MessageAvailable).
 * 0 on a writer or after disconnect.
 */
int msgbus_message_available(msgbus *bus);

/**
 * Hand every inbound message to @p fn (Go: RegisterCB).
 * The callback runs without the bus lock held; msgbus_commit() from it is
 * fine (see "Callbacks" above).
 * @return 0; MSGBUS_ERR_STATE on a writer, after disconnect, or when one is
 *         registered already; MSGBUS_ERR_INVALID_ARG for a NULL @p fn.
 */
int msgbus_register_cb(msgbus *bus, msgbus_read_fn fn, void *ud);

/**
 * Stop calling the callback (Go: UnregisterCB). On return no call is in
 * progress or will start.
 * @return 0, MSGBUS_ERR_STATE when none is registered or when called from
 *         the callback itself (it would wait for itself).
 */
int msgbus_unregister_cb(msgbus *bus);

/**
 * Wait until every message written so far has been acknowledged or has
 * failed, at most @p timeout_ms.
 * @return 0, MSGBUS_ERR_TIMEOUT, MSGBUS_ERR_STATE after disconnect or from a
 *         callback of this bus.
 */
int msgbus_flush(msgbus *bus, uint32_t timeout_ms);

/**
 * Run the event loop for at most @p timeout_ms: only needed with
 * MSGBUS_LOOP_APP (ports without threads), where a reader's callback runs
 * from here; otherwise it just waits.
 * @return 0; MSGBUS_ERR_STATE after disconnect or from a callback of this
 *         bus; a writer: the producer's fatal error.
 */
int msgbus_poll(msgbus *bus, uint32_t timeout_ms);

/** MSGBUS_STATUS_OPEN or MSGBUS_STATUS_CLOSED (Go: Status). */
int msgbus_status(const msgbus *bus);

/**
 * Close the connection (Go: Disconnect): flush for at most write_timeout_ms,
 * then report what is left as failed. The handle stays valid (status
 * CLOSED; writes return MSGBUS_ERR_STATE) until msgbus_destroy().
 * @return 0, MSGBUS_ERR_TIMEOUT (messages were lost), MSGBUS_ERR_STATE if
 *         already closed or when called from a callback of this bus (nothing
 *         is closed then).
 */
int msgbus_disconnect(msgbus *bus);

/**
 * Disconnect if still open, then free the handle. NULL is a no-op; so is a
 * call from a callback of this bus (it logs an error).
 */
void msgbus_destroy(msgbus *bus);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_MSGBUS_H */
