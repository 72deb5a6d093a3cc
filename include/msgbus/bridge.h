/**
 * @file bridge.h
 * @brief The bridge between a local bus (local.h) and Kafka: chosen local
 * topics are forwarded to Kafka topics, chosen Kafka topics are delivered
 * to local handlers, and while the broker is away what must be forwarded is
 * kept (store and forward), across a restart when given storage.
 *
 * Out (local -> Kafka): the bridge registers a handler for each out route's
 * local topic. The handler appends the event (id, transaction id,
 * occurred-at, key, data) to the outbox, a msgbus_bridge_storage, and
 * returns; msgbus_bridge_poll() hands outbox records to a producer in order
 * (at most max_in_flight at a time) and trims them once Kafka acknowledged
 * them. Each record carries headers `mb-id`, `mb-tx` and `mb-at` (decimal
 * ASCII: the event id, transaction id and occurred-at in ns); its Kafka key
 * is what the route's key mode says; its timestamp is occurred-at in ms.
 *
 * Overflow: the outbox holds at most max_events unacknowledged events (and
 * what its storage has room for). Beyond that the policy decides:
 * MSGBUS_BRIDGE_REFUSE_NEW makes the emit return MSGBUS_ERR_QUEUE_FULL (the
 * event is not kept; stats.refused counts it); MSGBUS_BRIDGE_DROP_OLDEST
 * forgets the oldest kept event to make room (stats.dropped) when it has not
 * been handed to the producer yet, and refuses (as above) when it has.
 *
 * Guarantees: events of one route reach Kafka in emit order per partition
 * (the producer's idempotence keeps retries in order; a failed delivery
 * makes the bridge wait for every in-flight report, then send again from
 * the oldest unacknowledged event). With persistent storage, after a crash
 * and restart everything appended and not yet trimmed is sent again: only
 * events in flight at the crash (sent, acknowledgement not yet trimmed) can
 * reach Kafka twice; readers drop those by the `mb-id` header.
 *
 * In (Kafka -> local): each in route's Kafka topic is consumed (a group when
 * group_id is set, else every partition from in_start) and every record is
 * emitted to the route's local topic, with id, tx_id and occurred_at_ns taken
 * back from the headers (absent or unreadable: generated as for any emit,
 * occurred-at from the record's timestamp), key and value as they came.
 *
 * Threads: msgbus_bridge_poll() does the bridge's work; call it from one
 * thread (the application's loop). Local emits may come from any thread.
 * Example: tests/integration/test_int_bridge.c.
 */
#ifndef MSGBUS_BRIDGE_H
#define MSGBUS_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/consumer.h"
#include "msgbus/local.h"
#include "msgbus/producer.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The outbox's storage: an append-only log of records numbered from 0 up
 * (a record's sequence number is its position in the log since it was
 * created; trimming does not renumber).
 *
 * Contract, for a flash-backed implementation: append never rewrites what is
 * written (append-only segments; erase a whole segment once trim passed its
 * last record); a torn append (power loss mid-write) must be detected at
 * open (length + checksum) and the log cut before it; trim must be durable
 * before the bridge relies on it (write a mark, e.g. the trim point in a
 * small record of its own or a segment header; never trim in place).
 * Calls are serialized by the bridge.
 */
typedef struct msgbus_bridge_storage {
    /**
     * Append one record of @p len bytes.
     * @return 0; MSGBUS_ERR_NO_ROOM (full: nothing written); an I/O error.
     */
    int (*append)(void *ctx, const void *rec, size_t len);
    /**
     * Copy the first kept record whose number is at least *seq into @p buf.
     * @return 0 with *seq its number and *len its size;
     *         MSGBUS_ERR_NO_MESSAGE (none); MSGBUS_ERR_NO_ROOM (@p cap too
     *         small, *len says how long); an I/O error.
     */
    int (*read)(void *ctx, uint64_t *seq, void *buf, size_t cap, size_t *len);
    /** Forget every record numbered below @p upto. @return 0 or an I/O error. */
    int (*trim)(void *ctx, uint64_t upto);
    /** The first kept record's number and the next number to append. */
    void (*range)(void *ctx, uint64_t *first, uint64_t *next);
    void *ctx; /**< passed to every call */
} msgbus_bridge_storage;

/** A RAM storage (tests, and an outbox that needs no persistence). Private members. */
typedef struct msgbus_storage_ram {
    msgbus_bridge_storage mb_st;
    unsigned char *mb_buf;
    size_t mb_cap, mb_head, mb_tail, mb_used;
    uint64_t mb_first, mb_next;
    size_t mb_cur_off; /* read cursor: offset of record mb_cur_seq */
    uint64_t mb_cur_seq;
} msgbus_storage_ram;

/**
 * Make @p s a storage in the caller's @p buf (@p cap bytes; each record
 * takes its length plus 4, rounded up to 4). Not persistent.
 * @return 0; MSGBUS_ERR_INVALID_ARG.
 */
int msgbus_storage_ram_init(msgbus_storage_ram *s, void *buf, size_t cap);

/** The storage interface of @p s. */
const msgbus_bridge_storage *msgbus_storage_ram_get(msgbus_storage_ram *s);

/** When the POSIX file storage makes appends durable. */
typedef enum msgbus_storage_sync {
    MSGBUS_STORAGE_SYNC_NONE = 0,  /**< the OS writes back: survives a process crash (kill -9),
                                        not a power loss */
    MSGBUS_STORAGE_SYNC_BATCH = 1, /**< fsync at most every sync_interval_ms, at trim and close */
    MSGBUS_STORAGE_SYNC_EACH = 2   /**< fsync after every append (slow, nothing lost) */
} msgbus_storage_sync;

/** Opaque POSIX file storage (port/posix/storage_file.c). */
typedef struct msgbus_storage_file msgbus_storage_file;

/**
 * Open (creating it if needed) a file storage in directory @p dir:
 * append-only segment files of up to @p segment_bytes (0: 1 MiB) named by
 * their first record's number, and a mark file holding the trim point
 * (replaced atomically: write, fsync, rename). Recovers the log at open: a
 * torn last record is cut off. @p max_bytes bounds the kept bytes (0: no
 * bound but the disk). POSIX only.
 * @return 0; MSGBUS_ERR_NOMEM; MSGBUS_ERR_CONFIG (the directory cannot be
 *         used); MSGBUS_ERR_INVALID_ARG.
 */
int msgbus_storage_file_open(msgbus_storage_file **out, const char *dir, size_t segment_bytes,
                             size_t max_bytes, msgbus_storage_sync sync, uint32_t sync_interval_ms);

/** The storage interface of @p f. */
const msgbus_bridge_storage *msgbus_storage_file_get(msgbus_storage_file *f);

/** Sync and close. NULL is a no-op. */
void msgbus_storage_file_close(msgbus_storage_file *f);

/** What becomes a forwarded record's Kafka key. */
typedef enum msgbus_bridge_key {
    MSGBUS_BRIDGE_KEY_NONE = 0, /**< a null key (the producer spreads records) */
    MSGBUS_BRIDGE_KEY_ID = 1,   /**< the event id, decimal ASCII */
    MSGBUS_BRIDGE_KEY_TX = 2,   /**< the transaction id, decimal ASCII (a transaction's
                                     events share a partition, so keep their order) */
    MSGBUS_BRIDGE_KEY_EVENT = 3 /**< the event's key (msgbus_local_event.key) */
} msgbus_bridge_key;

/** One forwarded local topic. */
typedef struct msgbus_bridge_out {
    const char *local_topic; /**< registered on the bus by the bridge if needed */
    const char *kafka_topic;
    msgbus_bridge_key key;
} msgbus_bridge_out;

/** One Kafka topic delivered locally. */
typedef struct msgbus_bridge_in {
    const char *kafka_topic;
    const char *local_topic; /**< registered on the bus by the bridge if needed */
} msgbus_bridge_in;

/** Outbox overflow policy. */
typedef enum msgbus_bridge_overflow {
    MSGBUS_BRIDGE_REFUSE_NEW = 0, /**< the emit gets MSGBUS_ERR_QUEUE_FULL (default) */
    MSGBUS_BRIDGE_DROP_OLDEST = 1 /**< the oldest event not yet sent is forgotten */
} msgbus_bridge_overflow;

/** Most routes each way. */
#define MSGBUS_BRIDGE_MAX_ROUTES 8

/** Bridge configuration; start from msgbus_bridge_config_init(). */
typedef struct msgbus_bridge_config {
    msgbus_local *bus;            /**< required */
    const msgbus_bridge_out *out; /**< n_out routes (at most MSGBUS_BRIDGE_MAX_ROUTES) */
    size_t n_out;
    const msgbus_bridge_in *in; /**< n_in routes (at most MSGBUS_BRIDGE_MAX_ROUTES) */
    size_t n_in;
    const msgbus_bridge_storage *storage; /**< the outbox; NULL: a RAM one of outbox_bytes */
    size_t outbox_bytes;                  /**< RAM outbox when storage is NULL; default 1 MiB */
    uint32_t max_events;                  /**< unacknowledged events kept; default 100000 */
    msgbus_bridge_overflow overflow;      /**< default MSGBUS_BRIDGE_REFUSE_NEW */
    uint32_t max_in_flight;               /**< events handed to the producer at once; default
                                               10000 */
    size_t max_event_bytes;               /**< largest event (key + data); default 65536 */
    msgbus_producer_config producer;      /**< bootstrap etc.; on_delivery is the bridge's */
    msgbus_consumer_config consumer;      /**< for the in routes; bootstrap defaults to the
                                               producer's */
    int64_t in_start;                     /**< without a consumer group_id: where the in routes
                                               start, MSGBUS_OFFSET_END (default) or
                                               MSGBUS_OFFSET_BEGINNING */
    const msgbus_allocator *alloc;        /**< default msgbus_allocator_default() */
} msgbus_bridge_config;

/** Counters of a bridge. */
typedef struct msgbus_bridge_stats {
    uint64_t accepted;  /**< events put in the outbox */
    uint64_t refused;   /**< events refused (outbox full, REFUSE_NEW; or storage errors) */
    uint64_t dropped;   /**< events forgotten unsent (DROP_OLDEST) */
    uint64_t sent;      /**< records handed to the producer, resends included */
    uint64_t acked;     /**< events Kafka acknowledged */
    uint64_t resends;   /**< times sending restarted from the oldest unacknowledged event */
    uint64_t received;  /**< Kafka records emitted locally */
    uint64_t in_errors; /**< Kafka records whose local emit failed */
    uint64_t kept;      /**< unacknowledged events in the outbox now */
    int producer_up;    /**< 1 once the producer exists */
} msgbus_bridge_stats;

/** Opaque bridge handle. */
typedef struct msgbus_bridge msgbus_bridge;

/** Fill @p cfg with the defaults above. */
void msgbus_bridge_config_init(msgbus_bridge_config *cfg);

/**
 * Create a bridge: register the out routes' handlers on cfg->bus, take up
 * what the storage kept (sent first), and try to create the producer and
 * consumer (a broker that cannot be reached now is tried again by every
 * poll, at most once a second).
 * @return 0; MSGBUS_ERR_INVALID_ARG; MSGBUS_ERR_NOMEM; the bus's errors.
 */
int msgbus_bridge_create(msgbus_bridge **out, const msgbus_bridge_config *cfg);

/**
 * Do the bridge's work for at most @p timeout_ms: hand outbox events to the
 * producer, trim acknowledged ones, deliver Kafka records locally. Returns
 * early when it has nothing to wait for.
 * @return 0; MSGBUS_ERR_STATE when called from inside a local handler it ran.
 */
int msgbus_bridge_poll(msgbus_bridge *b, uint32_t timeout_ms);

/** Copy the counters. */
void msgbus_bridge_stats_get(msgbus_bridge *b, msgbus_bridge_stats *st);

/**
 * Deregister the handlers, wait at most @p timeout_ms for what is in flight,
 * close producer and consumer and free the bridge. What was not acknowledged
 * stays in the storage for the next bridge. NULL is a no-op.
 */
void msgbus_bridge_destroy(msgbus_bridge *b, uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_BRIDGE_H */
