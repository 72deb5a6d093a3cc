/*
 * producer_int.h - the producer's internals, shared by producer.c (public
 * API, event loop, waiting), accumulator.c (topics, partitions, batches,
 * appending) and sender.c (Produce requests, responses, retries,
 * idempotence).
 *
 * Ownership and locking: `lock` guards the accumulator: the topic table,
 * every partition's batch queue, the buffer pool, the counters and every
 * flag another thread reads (run, closing, fatal). The
 * client (network) and the requests are touched only by the thread running
 * the event loop. A batch taken out of its partition queue to be sent
 * belongs to the event loop until it is delivered (then recycled under the
 * lock) or put back for a retry (under the lock).
 */
#ifndef MB_BUS_PRODUCER_INT_H
#define MB_BUS_PRODUCER_INT_H

#include "msgbus/port.h"
#include "msgbus/producer.h"
#include "net/client.h"
#include "net/log.h"
#include "proto/produce.h"
#include "proto/record_batch.h"

/** Partitions of one Produce request at most. */
#define MB_PREQ_MAX_PARTS 64
/** Bytes of the arena a Produce response decodes into. */
#define MB_PRESP_ARENA (MB_PREQ_MAX_PARTS * 128 + 1024)
/**
 * Timers: a timer is a start reading of the 32-bit ms clock and a duration
 * (at most 2^31-1), due once the unsigned age now - start reaches the
 * duration. An age is right as long as the clock is read within 2^32 ms of
 * the start, so a check that comes late (a long sleep, a timeout of 2^31 ms
 * or more) never turns a past deadline into a future one, as a signed
 * difference of deadlines would. Every wait is cut to MB_PROD_MAX_SLEEP_MS.
 */
#define MB_AGE(now, start) ((uint32_t)((uint32_t)(now) - (uint32_t)(start)))
/**
 * Longest sleep of the event loop and of a blocking call in one go (2^30 ms,
 * 12 days): every real deadline is nearer, and timers need a clock reading
 * at least every 2^32 ms.
 */
#define MB_PROD_MAX_SLEEP_MS 0x40000000u
/** Bytes one queued record costs besides its encoding: its opaque pointer. */
#define MB_REC_SLOT ((size_t)sizeof(void *))

typedef struct mb_ptopic mb_ptopic;
typedef struct mb_ppart mb_ppart;

/**
 * A batch: records grow from the front of buf, the messages' opaque
 * pointers from the back (slot i at buf + cap - (i + 1) * MB_REC_SLOT).
 */
typedef struct mb_pbatch {
    struct mb_pbatch *next;
    mb_ppart *part;
    uint8_t *buf;
    size_t cap;
    int pooled; /**< buf is a pool buffer (batch_size bytes), else an oversized one */
    mb_batch_builder b;
    uint32_t created_ms; /**< the clock when the first record came */
    uint32_t retry_from; /**< the clock when its last attempt failed */
    uint64_t serial;     /**< creation order: retried batches go back in this order */
    int32_t base_seq;    /**< -1 until assigned */
    uint32_t pid_gen;    /**< producer id generation the sequence belongs to */
    uint16_t attempts;
    uint8_t closed;  /**< no more appends */
    uint8_t backoff; /**< waiting retry_backoff_ms from retry_from */
    uint8_t sync;    /**< a synchronous send waits on a record of this batch */
    const uint8_t *data;
    size_t len;
} mb_pbatch;

struct mb_ppart {
    mb_ptopic *topic;
    int32_t id;
    mb_pbatch *head, *tail; /**< queued batches; only the tail may be open */
    uint32_t n_inflight;
    int32_t inflight_broker; /**< where the in-flight batches went */
    int32_t next_seq;
    uint32_t pid_gen;
    int recovering; /**< a batch is being retried: one in flight until it lands */
};

struct mb_ptopic {
    char name[256];
    int32_t n_parts;  /**< 0 while unknown */
    int16_t error;    /**< the metadata error, 0 if fine */
    int wanted;       /**< the client has been told */
    mb_ppart **parts; /**< n_parts pointers: a partition never moves, batches point at it */
    int32_t sticky;
    mb_pbatch *sticky_batch;
};

typedef struct mb_preq {
    mb_net_req net;
    struct msgbus_producer *p;
    int32_t broker;
    size_t n;
    size_t enc_bytes; /**< bound on the request's encoded size without its batches */
    mb_pbatch *batches[MB_PREQ_MAX_PARTS];
    mb_produce_topic_data td[MB_PREQ_MAX_PARTS];
    mb_produce_partition_data pd[MB_PREQ_MAX_PARTS];
    struct mb_preq *next;
} mb_preq;

/** A synchronous send waiting for its record. */
typedef struct mb_sync_wait {
    mb_pbatch *batch;
    int32_t index;
    int done;
    int err;
    int32_t partition;
    int64_t offset;
    struct mb_sync_wait *next;
} mb_sync_wait;

enum { MB_PID_NONE, MB_PID_REQUESTING, MB_PID_READY, MB_PID_OFF };

struct msgbus_producer {
    msgbus_producer_config cfg;
    char bootstrap[1024];
    char client_id[128];
    msgbus_allocator al;
    mb_logger log;
    mb_client *cl;
    uint32_t (*now_ms)(void *ud); /**< clock (tests: a fake one); default the port's */
    int (*random)(void *ud, void *buf, size_t len);
    void *clock_ud;
    msgbus_transport own_transport; /**< the port's, when the application gave none */
    int owns_transport;
    int idempotent; /**< wanted: -1 auto, 0, 1 */

    msgbus_port_mutex_t lock;
    msgbus_port_cond_t cond;

    /* accumulator, under lock */
    mb_ptopic **topics;
    size_t n_topics, cap_topics;
    mb_pbatch *free_batches;
    size_t buf_bytes;
    uint32_t queued;
    uint64_t serial;
    uint32_t rng;
    int flushing; /**< flushers waiting: open batches are ready now */
    int closing;
    int fatal; /**< a fatal error: sends are refused */
    int wake_pending;
    int new_topics; /**< topics the loop has not told the client about */
    mb_sync_wait *waiters;
    msgbus_producer_stats st;

    /* event loop only */
    mb_preq *free_reqs;
    struct {
        int32_t id;
        uint32_t inflight;
    } brokers[MB_CLIENT_MAX_BROKERS];
    size_t n_brokers;
    uint64_t md_seen; /**< the client's metadata refresh count when last applied */
    uint32_t events;  /**< answers handled (Produce, InitProducerId): may make work ready */
    int pid_state;
    int64_t pid;
    int16_t epoch;
    uint32_t pid_gen;
    uint32_t pid_retry_from; /**< InitProducerId waits pid_retry_wait ms from here */
    uint32_t pid_retry_wait;
    mb_net_req pid_req;
    uint64_t arena[MB_PRESP_ARENA / 8];

    /* loop thread */
    int threaded;
    int run; /**< under lock: the loop thread keeps going while set */
#if MSGBUS_PORT_HAS_THREADS
    msgbus_port_thread_t thread;
#endif
};

typedef struct msgbus_producer mb_producer;

/* producer.c */
/**
 * msgbus_producer_create() with an injected clock and random source (unit
 * tests drive the producer in simulated time through the scripted transport).
 */
int mb_producer_create_clock(msgbus_producer **out, const msgbus_producer_config *cfg,
                             uint32_t (*now_ms)(void *ud),
                             int (*random)(void *ud, void *buf, size_t len), void *ud);
/** The 32-bit ms clock (injected clock or the port's). */
uint32_t mb_prod_now(mb_producer *p);
/** Ms left of the timer (@p start, @p dur) at @p now: 0 when due, at most MB_PROD_MAX_SLEEP_MS. */
uint32_t mb_prod_left(uint32_t start, uint32_t dur, uint32_t now);
/** Ask the event loop to run soon (call with the lock held). */
void mb_prod_wake_locked(mb_producer *p);
/** Report @p n records of batch @p b from @p first with @p err (call without the lock). */
void mb_prod_report(mb_producer *p, mb_pbatch *b, int err, int64_t base_offset);

/* accumulator.c */
/** The topic named @p name, created (unknown partition count) if absent; NULL on NOMEM. */
mb_ptopic *mb_acc_topic(mb_producer *p, const char *name, size_t len, int *created);
/** Apply a metadata snapshot to the topic table (partition counts, errors). */
int mb_acc_apply_metadata(mb_producer *p, const mb_cluster_view *v);
/** Append one message (lock held, topic known). 0 or an error; the batch and record index it went
 * to in @p bout and @p index. */
int mb_acc_append(mb_producer *p, mb_ptopic *t, const msgbus_message *m, int64_t ts,
                  mb_pbatch **bout, int32_t *index);
/** The opaque of record @p i of @p b. */
void *mb_acc_opaque(const mb_pbatch *b, int32_t i);
/** Replace the opaque of record @p i of @p b (lock held, @p b not yet reported). */
void mb_acc_set_opaque(mb_pbatch *b, int32_t i, void *opaque);
/** Give a finished batch's buffer back (lock held). */
void mb_acc_recycle(mb_producer *p, mb_pbatch *b);
/** Take the head batch out of @p part's queue (not empty; lock held or loop only). */
mb_pbatch *mb_acc_pop(mb_ppart *part);
/** Put a batch back into its partition queue in creation order (lock held). */
void mb_acc_requeue(mb_producer *p, mb_pbatch *b);
/** Free every batch, topic and pooled buffer (at close). */
void mb_acc_free_all(mb_producer *p);

/* sender.c */
/**
 * One pass of the sender with the lock held: expire old batches into
 * @p expired, take ready batches into requests (returned in @p reqs), and
 * return the ms until a timer needs the loop again.
 */
uint32_t mb_snd_collect(mb_producer *p, uint32_t now, mb_pbatch **expired, mb_preq **reqs);
/** Hand the collected requests to the client (lock not held). */
void mb_snd_dispatch(mb_producer *p, mb_preq *reqs);
/**
 * Idempotence: start InitProducerId when needed (lock not held); the ms
 * until it needs the loop again (a retry backoff), or UINT32_MAX.
 */
uint32_t mb_snd_pid_tick(mb_producer *p, uint32_t now);
/** Free the request pool (at close). */
void mb_snd_free(mb_producer *p);

#endif /* MB_BUS_PRODUCER_INT_H */
