/*
 * consumer_int.h - the consumer's internals, private to consumer.c (fetching,
 * records, the public API) and its unit tests. The group member (group.c)
 * does not see them: it works through the narrow interface in bus/group.h.
 * One thread at a time drives a consumer, so nothing here is locked.
 */
#ifndef MB_BUS_CONSUMER_INT_H
#define MB_BUS_CONSUMER_INT_H

#include "bus/group.h"
#include "msgbus/consumer.h"
#include "net/client.h"
#include "net/log.h"
#include "proto/fetch.h"
#include "proto/list_offsets.h"
#include "proto/record_batch.h"

#define MB_FREQ_MAX_PARTS 64    /* partitions in one Fetch or ListOffsets request */
#define MB_CHUNK_MAX_ABORTED 32 /* aborted transactions remembered per chunk */
#define MB_FETCH_MIN_VERSION 4
#define MB_FETCH_MAX_VERSION 12
#define MB_LO_MIN_VERSION 1
#define MB_LO_MAX_VERSION 3 /* v4+ adds leader epochs, which some brokers get wrong */
#define MB_CONS_ARENA MSGBUS_CFG_CONSUMER_ARENA

typedef struct mb_cpart {
    char topic[256];
    int32_t partition;
    int64_t position;     /* next offset poll returns */
    int64_t fetch_offset; /* next offset to fetch */
    int64_t start;        /* while need_offset: BEGINNING, END or a timestamp */
    int64_t hw;           /* end of the partition from the last fetch (read_committed: the
                             last stable offset), -1 before */
    int need_offset;
    int busy; /* a Fetch or ListOffsets request for it is out */
    int paused;
    uint32_t epoch; /* bumped by seek: older responses and chunks are dropped */
    uint32_t retry_at;
    int crc_retries; /* fetches again of a batch that failed its CRC */
    int err;         /* an error poll reports next for this partition (0: none) */
    int failed;      /* the partition does not exist: no more requests */
    uint64_t md_at;  /* the client's count of metadata refreshes when it was assigned */
    int md_valid;    /* 1 if there was metadata then */
} mb_cpart;

typedef struct mb_chunk {
    struct mb_chunk *next;
    mb_cpart *part;
    uint32_t epoch;
    uint8_t *buf;
    size_t cap, len;
    int pooled;
    mb_batch_iter bi;
    mb_batch batch;
    mb_record_iter ri;
    int in_batch;
    mb_fetch_aborted_txn aborted[MB_CHUNK_MAX_ABORTED];
    int n_aborted;
    uint32_t remaining; /* records not yet returned (an estimate for msgbus_consumer_ready) */
} mb_chunk;

typedef struct mb_creq {
    mb_net_req net;
    struct msgbus_consumer *c;
    int32_t broker;
    int is_fetch;
    size_t n;
    mb_cpart *parts[MB_FREQ_MAX_PARTS];
    uint32_t epochs[MB_FREQ_MAX_PARTS];
    union { /* the request as the codec takes it, built at encode time */
        struct {
            mb_fetch_topic topics[MB_FREQ_MAX_PARTS];
            mb_fetch_partition parts[MB_FREQ_MAX_PARTS];
        } f;
        struct {
            mb_list_offsets_req_topic topics[MB_FREQ_MAX_PARTS];
            mb_list_offsets_req_partition parts[MB_FREQ_MAX_PARTS];
        } lo;
    } u;
    struct mb_creq *next;
} mb_creq;

struct msgbus_consumer {
    int closing;
    mb_group *grp; /**< NULL without a group */
    msgbus_consumer_config cfg;
    char bootstrap[1024];
    char client_id[128];
    msgbus_allocator al;
    mb_logger log;
    mb_client *cl;
    uint32_t (*now_ms)(void *ud); /**< clock (tests: a fake one); default the port's */
    int (*random)(void *ud, void *buf, size_t len);
    void *clock_ud;
    msgbus_transport own_transport;
    int owns_transport;
    mb_cpart **parts;
    size_t n_parts, cap_parts;
    mb_chunk *q_head, *q_tail, *cur, *free_chunks;
    size_t buf_bytes;
    mb_creq *free_reqs;
    struct {
        int32_t id;
        int fetching, listing;
    } brokers[MB_CLIENT_MAX_BROKERS];
    size_t n_brokers;
    size_t n_errs; /* partitions with an error for poll to report (mb_cpart.err) */
    uint8_t *arena;
    uint8_t *dbuf;   /* the records of the compressed batch being read */
    uint32_t queued; /* records fetched and not yet returned (estimated from batch headers) */
    size_t dcap;
};

typedef struct msgbus_consumer mb_consumer;

/**
 * msgbus_consumer_create() with an injected clock and random source (unit
 * tests and the fuzzer drive the consumer and its group member in simulated
 * time through the scripted transport).
 */
int mb_consumer_create_clock(msgbus_consumer **out, const msgbus_consumer_config *cfg,
                             uint32_t (*now_ms)(void *ud),
                             int (*random)(void *ud, void *buf, size_t len), void *ud);

#endif /* MB_BUS_CONSUMER_INT_H */
