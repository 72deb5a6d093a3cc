/*
 * consumer_int.h - the consumer's internals, shared by consumer.c (fetching,
 * records, the public API) and group.c (group membership and committed
 * offsets). One thread at a time drives a consumer, so nothing here is locked.
 */
#ifndef MB_BUS_CONSUMER_INT_H
#define MB_BUS_CONSUMER_INT_H

#include "msgbus/consumer.h"
#include "net/client.h"
#include "net/log.h"
#include "proto/fetch.h"
#include "proto/list_offsets.h"
#include "proto/record_batch.h"

typedef struct mb_group mb_group;

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
    int64_t hw;           /* high watermark from the last fetch, -1 before */
    int need_offset;
    int busy; /* a Fetch or ListOffsets request for it is out */
    int paused;
    uint32_t epoch; /* bumped by seek: older responses and chunks are dropped */
    uint32_t retry_at;
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
    uint8_t *arena;
    uint8_t *dbuf;   /* the records of the compressed batch being read */
    uint32_t queued; /* records fetched and not yet returned (estimated from batch headers) */
    size_t dcap;
};

typedef struct msgbus_consumer mb_consumer;

/** Assign @p partition of @p topic from @p offset (an offset, BEGINNING or END). */
int mb_cons_assign(mb_consumer *c, const char *topic, int32_t partition, int64_t offset);
/** Drop every assigned partition (and what was fetched for it). */
void mb_cons_unassign_all(mb_consumer *c);

/* group.c */
int mb_group_create(mb_group **out, mb_consumer *c, const char *group_id);
void mb_group_destroy(mb_group *g);
/** Drive the group state machine; lowers *@p wait to when it needs the loop again. */
void mb_group_step(mb_group *g, uint32_t now, uint32_t *wait);
/** 1 while the member has a settled assignment with known positions. */
int mb_group_stable(const mb_group *g);

#endif /* MB_BUS_CONSUMER_INT_H */
