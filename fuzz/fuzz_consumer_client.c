/*
 * fuzz_consumer_client.c - libFuzzer target: a consumer and its group member
 * driven through the scripted transport with a fake clock, the input choosing
 * every broker answer: a valid skeleton for the request (then a few bytes of
 * it changed), raw bytes, no answer, or a closed connection.
 *
 * Invariants checked here (abort on violation), besides the sanitizers':
 *  - no partition's position passes the largest offset the broker vouched
 *    for: a batch end that verified (CRC, sane offsets), a committed offset,
 *    a ListOffsets answer;
 *  - records of one assignment come in rising offsets, never twice;
 *  - the bytes held through the allocator stay under a bound.
 */
#include <stdlib.h>
#include <string.h>

#include "bus/consumer_int.h"
#include "proto/api_versions.h"
#include "proto/consumer_protocol.h"
#include "proto/fetch.h"
#include "proto/find_coordinator.h"
#include "proto/group.h"
#include "proto/list_offsets.h"
#include "proto/metadata.h"
#include "proto/offsets.h"
#include "proto/record_batch.h"

#include "../tests/unit/scripted_transport.c"

#define FZ_MEM_BOUND (160u << 20) /* bytes the consumer may hold at once */

static const uint8_t *g_in;
static size_t g_left;
static st_net g_net;
static uint64_t g_arena[16384];
static uint8_t g_out[65536];
static int64_t g_bound;   /* largest offset the broker vouched for */
static int64_t g_last[2]; /* last offset delivered per partition in this assignment */
static size_t g_live;     /* bytes allocated and not freed */

static unsigned take(unsigned dflt)
{
    if (!g_left)
        return dflt;
    g_left--;
    return *g_in++;
}

static void *fz_alloc(void *ctx, size_t n)
{
    (void)ctx;
    g_live += n;
    if (g_live > FZ_MEM_BOUND)
        abort(); /* memory bounded, whatever the broker says */
    return malloc(n);
}

static void fz_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    g_live -= n;
    free(p);
}

static void vouch(int64_t off)
{
    if (off > g_bound)
        g_bound = off;
}

/* ---- valid skeletons ---- */

static void sk_versions(mb_wr *w, int16_t v)
{
    mb_api_versions_key keys[] = {
        {MB_API_API_VERSIONS, 0, 3},  {MB_API_METADATA, 1, 9},         {MB_API_FETCH, 4, 12},
        {MB_API_LIST_OFFSETS, 1, 5},  {MB_API_FIND_COORDINATOR, 1, 3}, {MB_API_JOIN_GROUP, 2, 6},
        {MB_API_SYNC_GROUP, 1, 4},    {MB_API_HEARTBEAT, 1, 4},        {MB_API_LEAVE_GROUP, 1, 4},
        {MB_API_OFFSET_COMMIT, 2, 8}, {MB_API_OFFSET_FETCH, 1, 6}};
    mb_api_versions_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.api_keys = keys;
    resp.n_api_keys = (int32_t)(sizeof keys / sizeof keys[0]);
    resp.finalized_features_epoch = -1;
    mb_api_versions_resp_write(w, v, &resp);
}

static void sk_metadata(mb_wr *w, int16_t v)
{
    mb_metadata_broker brokers[1] = {{1, {"127.0.0.1", 9}, 9092, MB_STR_NULL}};
    int32_t reps[1] = {1};
    mb_metadata_partition parts[2] = {{0, 0, 1, -1, reps, 1, reps, 1, NULL, 0},
                                      {0, 1, 1, -1, reps, 1, reps, 1, NULL, 0}};
    mb_metadata_topic topic = {0, {"t", 1}, {{0}}, 0, parts, 2, MB_METADATA_AUTH_OPS_UNKNOWN};
    mb_metadata_resp resp = {0, brokers, 1, {"c", 1}, 1, &topic, 1, MB_METADATA_AUTH_OPS_UNKNOWN};
    mb_metadata_resp_write(w, v, &resp);
}

static void sk_join(mb_wr *w, int16_t v, mb_rd *body)
{
    mb_join_group_req req;
    mb_join_group_resp resp;
    mb_join_group_member me;
    mb_arena a;
    mb_arena_init(&a, g_arena, sizeof g_arena);
    if (mb_join_group_req_read(body, v, &a, &req) != 0 || req.n_protocols < 1)
        return;
    memset(&resp, 0, sizeof resp);
    resp.generation_id = 1;
    resp.member_id = mb_str_c("m-1");
    resp.protocol_name = req.protocols[0].name;
    resp.leader = (take(0) & 1) ? mb_str_c("m-0") : resp.member_id;
    if (mb_str_eq(resp.leader, resp.member_id)) {
        me.member_id = resp.member_id;
        me.group_instance_id = MB_STR_NULL;
        me.metadata = req.protocols[0].metadata;
        resp.members = &me;
        resp.n_members = 1;
    }
    mb_join_group_resp_write(w, v, &resp);
}

static void sk_sync(mb_wr *w, int16_t v)
{
    static uint8_t as_buf[256];
    int32_t parts[2] = {0, 1};
    mb_topic_partitions tp = {{"t", 1}, parts, 2};
    mb_consumer_assignment as = {0, &tp, 1, MB_BYTES_NULL};
    mb_sync_group_resp resp;
    mb_wr aw;
    mb_wr_init(&aw, as_buf, sizeof as_buf);
    mb_consumer_assignment_write(&aw, 0, &as);
    memset(&resp, 0, sizeof resp);
    resp.assignment.ptr = as_buf;
    resp.assignment.len = (int32_t)aw.len;
    mb_sync_group_resp_write(w, v, &resp);
}

static void sk_offset_fetch(mb_wr *w, int16_t v)
{
    int64_t c0 = (int64_t)take(0) - 1, c1 = (int64_t)take(0) - 1;
    mb_offset_fetch_resp_partition p[2] = {{0, c0, -1, MB_STR_NULL, 0},
                                           {1, c1, -1, MB_STR_NULL, 0}};
    mb_offset_fetch_resp_topic t = {{"t", 1}, p, 2};
    mb_offset_fetch_resp resp = {0, &t, 1, 0};
    mb_offset_fetch_resp_write(w, v, &resp);
}

static void sk_commit(mb_wr *w, int16_t v)
{
    mb_offset_commit_resp_partition rp[2] = {{0, 0}, {1, 0}};
    mb_offset_commit_resp_topic rt = {{"t", 1}, rp, 2};
    mb_offset_commit_resp resp = {0, &rt, 1};
    mb_offset_commit_resp_write(w, v, &resp);
}

static void sk_list_offsets(mb_wr *w, int16_t v)
{
    mb_list_offsets_resp_partition p[2] = {{0, 0, -1, (int64_t)take(0), -1},
                                           {1, 0, -1, (int64_t)take(0), -1}};
    mb_list_offsets_resp_topic t = {{"t", 1}, p, 2};
    mb_list_offsets_resp resp = {0, &t, 1};
    mb_list_offsets_resp_write(w, v, &resp);
}

/* A batch of 1-8 records from the offset the consumer asked for. */
static size_t make_batch(uint8_t *buf, size_t cap, int64_t base)
{
    mb_batch_builder b;
    mb_batch_params bp;
    const uint8_t *data;
    size_t len = 0;
    unsigned i, n = 1 + (take(0) & 7);
    memset(&bp, 0, sizeof bp);
    bp.base_offset = base < 0 ? 0 : base;
    bp.producer_id = -1;
    bp.producer_epoch = -1;
    bp.base_sequence = -1;
    bp.partition_leader_epoch = -1;
    if (mb_batch_builder_init(&b, buf, cap, &bp) != 0)
        return 0;
    for (i = 0; i < n; i++) {
        mb_bytes v = {(const uint8_t *)"value", 5};
        mb_batch_append(&b, 0, MB_BYTES_NULL, v, NULL, 0);
    }
    if (mb_batch_finish(&b, &data, &len) != 0)
        return 0;
    return len;
}

static void sk_fetch(mb_wr *w, int16_t v, mb_rd *body)
{
    static uint8_t recs[2][1024];
    mb_fetch_req req;
    mb_fetch_partition_resp p[2];
    mb_fetch_topic_resp t = {{"t", 1}, p, 0};
    mb_fetch_resp resp = {0, 0, 0, &t, 1};
    mb_arena a;
    int32_t j;
    mb_arena_init(&a, g_arena, sizeof g_arena);
    if (mb_fetch_req_read(body, v, &a, &req) != 0 || req.n_topics < 1)
        return;
    for (j = 0; j < req.topics[0].n_partitions && t.n_partitions < 2; j++) {
        const mb_fetch_partition *fp = &req.topics[0].partitions[j];
        mb_fetch_partition_resp *r = &p[t.n_partitions];
        memset(r, 0, sizeof *r);
        r->partition_index = fp->partition;
        r->high_watermark = fp->fetch_offset + 8;
        r->last_stable_offset = r->high_watermark;
        r->preferred_read_replica = -1;
        r->diverging_epoch.epoch = r->diverging_epoch.end_offset = -1;
        r->current_leader.leader_id = r->current_leader.leader_epoch = -1;
        r->snapshot_id.end_offset = r->snapshot_id.epoch = -1;
        r->records.ptr = recs[t.n_partitions];
        r->records.len =
            (int32_t)make_batch(recs[t.n_partitions], sizeof recs[0], fp->fetch_offset);
        t.n_partitions++;
    }
    mb_fetch_resp_write(w, v, &resp);
}

static void sk_simple(mb_wr *w, const mb_req_hdr *h)
{
    if (h->api_key == MB_API_FIND_COORDINATOR) {
        mb_find_coordinator_resp resp = {0, 0, MB_STR_NULL, 1, {"127.0.0.1", 9}, 9092};
        mb_find_coordinator_resp_write(w, h->api_version, &resp);
    } else if (h->api_key == MB_API_HEARTBEAT) {
        mb_heartbeat_resp resp = {0, (int16_t)(take(0) == 7 ? 27 : 0)};
        mb_heartbeat_resp_write(w, h->api_version, &resp);
    } else if (h->api_key == MB_API_LEAVE_GROUP) {
        mb_leave_group_resp resp = {0, 0, NULL, 0};
        mb_leave_group_resp_write(w, h->api_version, &resp);
    }
}

static void skeleton(mb_wr *w, const mb_req_hdr *h, mb_rd *body)
{
    switch (h->api_key) {
    case MB_API_API_VERSIONS:
        sk_versions(w, h->api_version);
        break;
    case MB_API_METADATA:
        sk_metadata(w, h->api_version);
        break;
    case MB_API_JOIN_GROUP:
        sk_join(w, h->api_version, body);
        break;
    case MB_API_SYNC_GROUP:
        sk_sync(w, h->api_version);
        break;
    case MB_API_OFFSET_FETCH:
        sk_offset_fetch(w, h->api_version);
        break;
    case MB_API_OFFSET_COMMIT:
        sk_commit(w, h->api_version);
        break;
    case MB_API_LIST_OFFSETS:
        sk_list_offsets(w, h->api_version);
        break;
    case MB_API_FETCH:
        sk_fetch(w, h->api_version, body);
        break;
    default:
        sk_simple(w, h);
        break;
    }
}

/* ---- what the broker vouched for, read back from the bytes it sent ---- */

static void vouch_records(mb_bytes recs)
{
    mb_batch_iter it;
    mb_batch b;
    int rc;
    if (recs.len <= 0)
        return;
    mb_batch_iter_init(&it, recs.ptr, (size_t)recs.len);
    while ((rc = mb_batch_next(&it, &b)) != MB_ITER_END && rc != MB_BATCH_INCOMPLETE && !it.err)
        if (rc == 0 && b.base_offset >= 0 && b.last_offset_delta >= 0 &&
            b.base_offset <= INT64_MAX - 1 - b.last_offset_delta)
            vouch(b.base_offset + b.last_offset_delta + 1);
}

static void vouch_answer(const mb_req_hdr *h, const uint8_t *p, size_t n)
{
    mb_arena a;
    mb_rd r;
    int32_t i, j;
    mb_arena_init(&a, g_arena, sizeof g_arena);
    mb_rd_init(&r, p, n);
    if (h->api_key == MB_API_FETCH) {
        mb_fetch_resp f;
        if (mb_fetch_resp_read(&r, h->api_version, &a, &f) == 0)
            for (i = 0; i < f.n_responses; i++)
                for (j = 0; j < f.responses[i].n_partitions; j++) {
                    vouch_records(f.responses[i].partitions[j].records);
                    if (f.responses[i].partitions[j].error_code == 1) /* OFFSET_OUT_OF_RANGE */
                        g_last[0] = g_last[1] = -1; /* the consumer starts again: a reset */
                }
    } else if (h->api_key == MB_API_OFFSET_FETCH) {
        mb_offset_fetch_resp o;
        if (mb_offset_fetch_resp_read(&r, h->api_version, &a, &o) == 0)
            for (i = 0; i < o.n_topics; i++)
                for (j = 0; j < o.topics[i].n_partitions; j++)
                    vouch(o.topics[i].partitions[j].committed_offset);
    } else if (h->api_key == MB_API_LIST_OFFSETS) {
        mb_list_offsets_resp l;
        if (mb_list_offsets_resp_read(&r, h->api_version, &a, &l) == 0)
            for (i = 0; i < l.n_topics; i++)
                for (j = 0; j < l.topics[i].n_partitions; j++)
                    vouch(l.topics[i].partitions[j].offset);
    }
}

/* Answer each request as the input says. */
static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    unsigned mode = take(0), k, n;
    mb_wr w;
    (void)ud;
    mb_wr_init(&w, g_out, sizeof g_out);
    if (mode >= 0xf0) { /* raw bytes */
        n = take(0);
        for (k = 0; k < n && k < sizeof g_out; k++)
            g_out[k] = (uint8_t)take(0);
        w.len = k;
    } else if (mode >= 0xe8) { /* no answer: the request times out */
        net->now += 1000;
        return;
    } else if (mode >= 0xe0) { /* the broker closes the connection */
        s->peer_close = 1;
        return;
    } else {
        skeleton(&w, h, body);
        if (w.err)
            return;
        for (k = mode & 7; k > 0 && w.len; k--) { /* change a few bytes */
            unsigned at = take(0) << 8 | take(0);
            g_out[at % w.len] ^= (uint8_t)take(1);
        }
    }
    vouch_answer(h, g_out, w.len);
    st_push_response(s, h->api_key, h->api_version, h->correlation_id, g_out, w.len);
}

/* ---- the run ---- */

static void on_rebalance(void *ud, int assigned, const msgbus_topic_partition *tps, size_t n)
{
    (void)ud;
    (void)assigned;
    (void)tps;
    (void)n;
    g_last[0] = g_last[1] = -1;
}

static void check_positions(msgbus_consumer *c)
{
    msgbus_topic_partition tps[4];
    size_t i, n = msgbus_consumer_assignment(c, tps, 4);
    for (i = 0; i < n && i < 4; i++)
        if (tps[i].offset > g_bound && tps[i].offset > 0)
            abort(); /* a position past anything the broker vouched for */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const msgbus_allocator al = {fz_alloc, fz_free, NULL};
    const char *topics[1] = {"t"};
    msgbus_consumer_config cfg;
    msgbus_consumer *c;
    msgbus_record rec;
    int i;
    g_in = data;
    g_left = size;
    g_bound = 0;
    g_live = 0;
    g_last[0] = g_last[1] = -1;
    st_init(&g_net, respond, NULL);
    msgbus_consumer_config_init(&cfg);
    cfg.bootstrap = "127.0.0.1:9092";
    cfg.transport = &g_net.t;
    cfg.alloc = &al;
    cfg.group_id = "g";
    cfg.fetch_max_wait_ms = 0;
    cfg.partition_max_bytes = 64 * 1024;
    cfg.fetch_max_bytes = 256 * 1024;
    cfg.queue_max_bytes = 256 * 1024;
    cfg.auto_commit_interval_ms = 1000;
    cfg.on_rebalance = on_rebalance;
    cfg.connect_retries = 2;
    if (mb_consumer_create_clock(&c, &cfg, st_now, st_random, &g_net) == 0) {
        if (msgbus_consumer_subscribe(c, topics, 1) == 0)
            for (i = 0; i < 64; i++) {
                int rc = msgbus_consumer_poll(c, &rec, 100);
                if (rc == 0 && rec.partition >= 0 && rec.partition < 2) {
                    if (rec.offset <= g_last[rec.partition])
                        abort(); /* a record twice, or going back within an assignment */
                    g_last[rec.partition] = rec.offset;
                }
                check_positions(c);
                g_net.now += 50;
            }
        msgbus_consumer_close(c);
    }
    st_free(&g_net);
    if (g_live != 0)
        abort(); /* everything allocated was freed */
    return 0;
}
