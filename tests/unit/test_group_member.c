/* test_group_member.c - the consumer group member (src/bus/group.c) against a
 * scripted broker in simulated time: join (with MEMBER_ID_REQUIRED), sync as
 * leader and as follower, heartbeat errors (rebalance in progress, unknown
 * member, fenced, coordinator moved), the revoke commit, leaving on close,
 * and the whole join sequence going out without the clock moving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bus/consumer_int.h"
#include "msgbus/kafka_errors.h"
#include "msgbus/port.h"
#include "proto/api_versions.h"
#include "proto/consumer_protocol.h"
#include "proto/fetch.h"
#include "proto/find_coordinator.h"
#include "proto/group.h"
#include "proto/list_offsets.h"
#include "proto/metadata.h"
#include "proto/offsets.h"
#include "proto/record_batch.h"
#include "scripted_transport.c"
#include "testutil.h"

/* ---- a scripted broker with one group coordinator ---- */

typedef struct gbroker {
    int n[64];             /* requests seen, per API key */
    uint32_t first_at[64]; /* fake clock at the first request of each API key */
    int16_t order[64];     /* API keys in the order they came (the first 64) */
    int n_order;
    int member_id_required;   /* the first JoinGroup gets MEMBER_ID_REQUIRED */
    int follower;             /* someone else leads; SyncGroup hands out partition 1 */
    int16_t hb_err;           /* the next Heartbeat's error (then 0) */
    int hb_silent;            /* Heartbeats get no answer */
    int16_t fc_err;           /* the next FindCoordinator's error (then 0) */
    char join_member[8][64];  /* member id of each JoinGroup request */
    int32_t sync_assignments; /* partitions in the leader's SyncGroup request */
    int64_t committed[2];     /* what OffsetFetch answers */
    int commits;
    int64_t commit_off[2]; /* the last OffsetCommit's offsets (-2: not in it) */
    int32_t commit_gen;
    uint8_t records[2048];
    size_t records_len;
} gbroker;

static st_net g_net;
static gbroker g_b;
static uint64_t g_arena[8192];

static void reply(msgbus_sock *s, const mb_req_hdr *h, mb_wr *w)
{
    st_push_response(s, h->api_key, h->api_version, h->correlation_id, w->buf, w->len);
}

static void answer_versions(mb_wr *w, const mb_req_hdr *h)
{
    mb_api_versions_key keys[] = {
        {MB_API_API_VERSIONS, 0, 3},  {MB_API_METADATA, 1, 9},         {MB_API_FETCH, 4, 11},
        {MB_API_LIST_OFFSETS, 1, 5},  {MB_API_FIND_COORDINATOR, 1, 3}, {MB_API_JOIN_GROUP, 2, 6},
        {MB_API_SYNC_GROUP, 1, 4},    {MB_API_HEARTBEAT, 1, 4},        {MB_API_LEAVE_GROUP, 1, 4},
        {MB_API_OFFSET_COMMIT, 2, 8}, {MB_API_OFFSET_FETCH, 1, 6}};
    mb_api_versions_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.api_keys = keys;
    resp.n_api_keys = (int32_t)(sizeof keys / sizeof keys[0]);
    resp.finalized_features_epoch = -1;
    assert_int_equal(mb_api_versions_resp_write(w, h->api_version, &resp), 0);
}

static void answer_metadata(mb_wr *w, const mb_req_hdr *h)
{
    mb_metadata_broker brokers[1] = {{1, {"127.0.0.1", 9}, 9092, MB_STR_NULL}};
    int32_t reps[1] = {1};
    mb_metadata_partition parts[2] = {{0, 0, 1, -1, reps, 1, reps, 1, NULL, 0},
                                      {0, 1, 1, -1, reps, 1, reps, 1, NULL, 0}};
    mb_metadata_topic topic = {0, {"t", 1}, {{0}}, 0, parts, 2, MB_METADATA_AUTH_OPS_UNKNOWN};
    mb_metadata_resp resp = {0, brokers, 1, {"c", 1}, 1, &topic, 1, MB_METADATA_AUTH_OPS_UNKNOWN};
    assert_int_equal(mb_metadata_resp_write(w, h->api_version, &resp), 0);
}

static void answer_find(mb_wr *w, const mb_req_hdr *h)
{
    mb_find_coordinator_resp resp = {0, g_b.fc_err, MB_STR_NULL, 1, {"127.0.0.1", 9}, 9092};
    g_b.fc_err = 0;
    assert_int_equal(mb_find_coordinator_resp_write(w, h->api_version, &resp), 0);
}

static void answer_join(mb_wr *w, const mb_req_hdr *h, mb_rd *body)
{
    mb_join_group_req req;
    mb_join_group_resp resp;
    mb_join_group_member me;
    mb_arena a;
    int k = g_b.n[MB_API_JOIN_GROUP] - 1;
    mb_arena_init(&a, g_arena, sizeof g_arena);
    assert_int_equal(mb_join_group_req_read(body, h->api_version, &a, &req), 0);
    if (k < 8)
        snprintf(g_b.join_member[k], 64, "%.*s", (int)req.member_id.len, req.member_id.ptr);
    memset(&resp, 0, sizeof resp);
    resp.member_id = mb_str_c("m-1");
    resp.protocol_name = req.protocols[0].name;
    resp.generation_id = g_b.n[MB_API_JOIN_GROUP];
    if (g_b.member_id_required && k == 0) {
        resp.error_code = MSGBUS_KERR_MEMBER_ID_REQUIRED;
        resp.generation_id = -1;
    } else if (g_b.follower) {
        resp.leader = mb_str_c("m-0");
    } else {
        resp.leader = resp.member_id;
        me.member_id = resp.member_id;
        me.group_instance_id = MB_STR_NULL;
        me.metadata = req.protocols[0].metadata;
        resp.members = &me;
        resp.n_members = 1;
    }
    assert_int_equal(mb_join_group_resp_write(w, h->api_version, &resp), 0);
}

static void answer_sync(mb_wr *w, const mb_req_hdr *h, mb_rd *body)
{
    mb_sync_group_req req;
    mb_sync_group_resp resp;
    mb_arena a;
    uint8_t as_buf[256];
    mb_wr aw;
    mb_arena_init(&a, g_arena, sizeof g_arena);
    assert_int_equal(mb_sync_group_req_read(body, h->api_version, &a, &req), 0);
    memset(&resp, 0, sizeof resp);
    if (g_b.follower) {
        int32_t p1 = 1;
        mb_topic_partitions tp = {{"t", 1}, &p1, 1};
        mb_consumer_assignment as = {0, &tp, 1, MB_BYTES_NULL};
        assert_int_equal(req.n_assignments, 0);
        mb_wr_init(&aw, as_buf, sizeof as_buf);
        assert_int_equal(mb_consumer_assignment_write(&aw, 0, &as), 0);
        resp.assignment.ptr = as_buf;
        resp.assignment.len = (int32_t)aw.len;
    } else {
        mb_consumer_assignment as;
        mb_rd rd;
        assert_int_equal(req.n_assignments, 1); /* the leader shares out */
        mb_rd_init(&rd, req.assignments[0].assignment.ptr,
                   (size_t)req.assignments[0].assignment.len);
        assert_int_equal(mb_consumer_assignment_read(&rd, &a, &as), 0);
        g_b.sync_assignments =
            as.n_assigned_partitions ? as.assigned_partitions[0].n_partitions : 0;
        resp.assignment = req.assignments[0].assignment;
    }
    assert_int_equal(mb_sync_group_resp_write(w, h->api_version, &resp), 0);
}

static void answer_offset_fetch(mb_wr *w, const mb_req_hdr *h)
{
    mb_offset_fetch_resp_partition p[2] = {{0, g_b.committed[0], -1, MB_STR_NULL, 0},
                                           {1, g_b.committed[1], -1, MB_STR_NULL, 0}};
    mb_offset_fetch_resp_topic t = {{"t", 1}, p, 2};
    mb_offset_fetch_resp resp = {0, &t, 1, 0};
    assert_int_equal(mb_offset_fetch_resp_write(w, h->api_version, &resp), 0);
}

static void answer_commit(mb_wr *w, const mb_req_hdr *h, mb_rd *body)
{
    mb_offset_commit_req req;
    mb_offset_commit_resp_partition rp[2] = {{0, 0}, {1, 0}};
    mb_offset_commit_resp_topic rt = {{"t", 1}, rp, 2};
    mb_offset_commit_resp resp = {0, &rt, 1};
    mb_arena a;
    int32_t t, i;
    mb_arena_init(&a, g_arena, sizeof g_arena);
    assert_int_equal(mb_offset_commit_req_read(body, h->api_version, &a, &req), 0);
    g_b.commits++;
    g_b.commit_gen = req.generation_id_or_member_epoch;
    g_b.commit_off[0] = g_b.commit_off[1] = -2;
    for (t = 0; t < req.n_topics; t++)
        for (i = 0; i < req.topics[t].n_partitions; i++)
            if (req.topics[t].partitions[i].partition_index >= 0 &&
                req.topics[t].partitions[i].partition_index < 2)
                g_b.commit_off[req.topics[t].partitions[i].partition_index] =
                    req.topics[t].partitions[i].committed_offset;
    assert_int_equal(mb_offset_commit_resp_write(w, h->api_version, &resp), 0);
}

/* Partition 0 holds g_b.records (offsets 0-9); partition 1 is empty. */
static void answer_fetch(st_net *net, mb_wr *w, const mb_req_hdr *h, mb_rd *body)
{
    mb_fetch_req req;
    mb_fetch_partition_resp p[2];
    mb_fetch_topic_resp t = {{"t", 1}, p, 0};
    mb_fetch_resp resp = {0, 0, 0, &t, 1};
    mb_arena a;
    int32_t i, j;
    mb_arena_init(&a, g_arena, sizeof g_arena);
    assert_int_equal(mb_fetch_req_read(body, h->api_version, &a, &req), 0);
    for (i = 0; i < req.n_topics; i++)
        for (j = 0; j < req.topics[i].n_partitions && t.n_partitions < 2; j++) {
            const mb_fetch_partition *fp = &req.topics[i].partitions[j];
            mb_fetch_partition_resp *r = &p[t.n_partitions++];
            memset(r, 0, sizeof *r);
            r->partition_index = fp->partition;
            r->high_watermark = fp->partition == 0 ? 10 : 0;
            r->last_stable_offset = r->high_watermark;
            r->preferred_read_replica = -1;
            r->diverging_epoch.epoch = -1;
            r->diverging_epoch.end_offset = -1;
            r->current_leader.leader_id = -1;
            r->current_leader.leader_epoch = -1;
            r->snapshot_id.end_offset = -1;
            r->snapshot_id.epoch = -1;
            r->records.ptr = g_b.records;
            r->records.len =
                fp->partition == 0 && fp->fetch_offset < 10 ? (int32_t)g_b.records_len : 0;
            if (r->records.len == 0)
                net->now += 5; /* nothing new: a broker holds the fetch a while */
        }
    assert_int_equal(mb_fetch_resp_write(w, h->api_version, &resp), 0);
}

static void answer_simple(mb_wr *w, const mb_req_hdr *h)
{
    if (h->api_key == MB_API_HEARTBEAT) {
        mb_heartbeat_resp resp = {0, g_b.hb_err};
        if (g_b.hb_silent)
            return;
        g_b.hb_err = 0;
        assert_int_equal(mb_heartbeat_resp_write(w, h->api_version, &resp), 0);
    } else if (h->api_key == MB_API_LEAVE_GROUP) {
        mb_leave_group_resp resp = {0, 0, NULL, 0};
        assert_int_equal(mb_leave_group_resp_write(w, h->api_version, &resp), 0);
    } else if (h->api_key == MB_API_LIST_OFFSETS) {
        mb_list_offsets_resp_partition p[2] = {{0, 0, -1, 0, -1}, {1, 0, -1, 0, -1}};
        mb_list_offsets_resp_topic t = {{"t", 1}, p, 2};
        mb_list_offsets_resp resp = {0, &t, 1};
        assert_int_equal(mb_list_offsets_resp_write(w, h->api_version, &resp), 0);
    }
}

static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    static uint8_t out[8192];
    mb_wr w;
    (void)ud;
    if (h->api_key >= 0 && h->api_key < 64) {
        if (g_b.n[h->api_key]++ == 0)
            g_b.first_at[h->api_key] = net->now;
        if (g_b.n_order < 64)
            g_b.order[g_b.n_order++] = h->api_key;
    }
    mb_wr_init(&w, out, sizeof out);
    switch (h->api_key) {
    case MB_API_API_VERSIONS:
        answer_versions(&w, h);
        break;
    case MB_API_METADATA:
        answer_metadata(&w, h);
        break;
    case MB_API_FIND_COORDINATOR:
        answer_find(&w, h);
        break;
    case MB_API_JOIN_GROUP:
        answer_join(&w, h, body);
        break;
    case MB_API_SYNC_GROUP:
        answer_sync(&w, h, body);
        break;
    case MB_API_OFFSET_FETCH:
        answer_offset_fetch(&w, h);
        break;
    case MB_API_OFFSET_COMMIT:
        answer_commit(&w, h, body);
        break;
    case MB_API_FETCH:
        answer_fetch(net, &w, h, body);
        break;
    default:
        answer_simple(&w, h);
        break;
    }
    if (w.len)
        reply(s, h, &w);
}

/* Ten plain records at offsets 0-9. */
static void make_records(void)
{
    mb_batch_builder b;
    mb_batch_params bp;
    const uint8_t *data;
    int i;
    memset(&bp, 0, sizeof bp);
    bp.base_timestamp = 1700000000000LL;
    bp.producer_id = -1;
    bp.producer_epoch = -1;
    bp.base_sequence = -1;
    bp.partition_leader_epoch = -1;
    assert_int_equal(mb_batch_builder_init(&b, g_b.records, sizeof g_b.records, &bp), 0);
    for (i = 0; i < 10; i++) {
        mb_bytes v = {(const uint8_t *)"value", 5};
        assert_int_equal(mb_batch_append(&b, 1700000000000LL, MB_BYTES_NULL, v, NULL, 0), 0);
    }
    assert_int_equal(mb_batch_finish(&b, &data, &g_b.records_len), 0);
}

static int setup(void **state)
{
    (void)state;
    memset(&g_b, 0, sizeof g_b);
    g_b.committed[0] = g_b.committed[1] = -1;
    make_records();
    st_init(&g_net, respond, NULL);
    tu_log_clear();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    st_free(&g_net);
    return 0;
}

static int g_revoked, g_assigned;

static void on_rebalance(void *ud, int assigned, const msgbus_topic_partition *tps, size_t n)
{
    (void)ud;
    (void)tps;
    if (assigned)
        g_assigned += (int)n;
    else
        g_revoked += (int)n;
}

static msgbus_consumer *make(uint32_t auto_commit_ms)
{
    msgbus_consumer_config cfg;
    msgbus_consumer *c;
    const char *topics[1] = {"t"};
    msgbus_consumer_config_init(&cfg);
    cfg.bootstrap = "127.0.0.1:9092";
    cfg.transport = &g_net.t;
    cfg.group_id = "g";
    cfg.fetch_max_wait_ms = 0;
    cfg.partition_max_bytes = 64 * 1024; /* small: this also runs on an emulated Cortex-M4 */
    cfg.fetch_max_bytes = 256 * 1024;
    cfg.queue_max_bytes = 256 * 1024;
    cfg.auto_commit_interval_ms = auto_commit_ms;
    cfg.on_rebalance = on_rebalance;
    cfg.log = tu_log_capture;
    cfg.log_level = MSGBUS_LOG_INFO; /* the capture keeps 256 lines */
    g_revoked = g_assigned = 0;
    assert_int_equal(mb_consumer_create_clock(&c, &cfg, st_now, st_random, &g_net), 0);
    assert_int_equal(msgbus_consumer_subscribe(c, topics, 1), 0);
    return c;
}

/*
 * Step (without taking records) until @p n partitions are assigned with
 * known positions; the fake clock moves 10 ms between steps, 5 s at most.
 */
static void until_assigned(msgbus_consumer *c, size_t n)
{
    msgbus_topic_partition tps[4];
    int i;
    for (i = 0; i < 500; i++) {
        size_t k, got = msgbus_consumer_assignment(c, tps, 4), known = 0;
        for (k = 0; k < got && k < 4; k++)
            known += tps[k].offset >= 0;
        if (got == n && known == n)
            return;
        (void)msgbus_consumer_ready(c);
        g_net.now += 10;
    }
    fail_msg("never assigned %u partitions", (unsigned)n);
}

/* Read @p n records (simulated time), failing if they do not come. */
static void read_records(msgbus_consumer *c, int n)
{
    msgbus_record rec;
    int got = 0, i;
    for (i = 0; i < 200 && got < n; i++)
        if (msgbus_consumer_poll(c, &rec, 10) == 0)
            got++;
    assert_int_equal(got, n);
}

/* ---- the tests ---- */

static void test_join_again_with_member_id_then_lead(void **state)
{
    msgbus_consumer *c;
    msgbus_topic_partition tps[4];
    (void)state;
    g_b.member_id_required = 1;
    g_b.committed[0] = 5;
    c = make(0);
    until_assigned(c, 2);
    assert_int_equal(g_b.n[MB_API_JOIN_GROUP], 2);
    assert_string_equal(g_b.join_member[0], "");
    assert_string_equal(g_b.join_member[1], "m-1"); /* the id the broker handed out */
    assert_int_equal(g_b.sync_assignments, 2);      /* the leader gave itself both */
    assert_int_equal(msgbus_consumer_assignment(c, tps, 4), 2);
    assert_int_equal(tps[0].partition + tps[1].partition, 1);
    assert_int_equal(tps[0].partition == 0 ? tps[0].offset : tps[1].offset, 5); /* committed */
    assert_int_equal(g_assigned, 2);
    msgbus_consumer_close(c);
}

static void test_sync_as_follower(void **state)
{
    msgbus_consumer *c;
    msgbus_topic_partition tps[4];
    (void)state;
    g_b.follower = 1;
    c = make(0);
    until_assigned(c, 1);
    assert_int_equal(msgbus_consumer_assignment(c, tps, 4), 1);
    assert_int_equal(tps[0].partition, 1);
    assert_int_equal(g_b.sync_assignments, 0);
    assert_true(tu_log_has("1 partitions assigned"));
    msgbus_consumer_close(c);
}

/* Issue 14: each answer makes the next request go out in the same step. */
static void test_join_sequence_without_the_clock_moving(void **state)
{
    msgbus_consumer *c;
    static const int16_t want[] = {MB_API_FIND_COORDINATOR, MB_API_JOIN_GROUP, MB_API_SYNC_GROUP,
                                   MB_API_OFFSET_FETCH, MB_API_FETCH};
    size_t i, k = 0;
    (void)state;
    g_b.committed[0] = 0;
    g_b.committed[1] = 0;
    c = make(0);
    for (i = 0; i < 20 && g_b.n[MB_API_FETCH] == 0; i++)
        (void)msgbus_consumer_ready(c); /* steps that never wait: the clock stands still */
    for (i = 0; i < (size_t)g_b.n_order && k < 5; i++)
        if (g_b.order[i] == want[k])
            k++;
    assert_int_equal(k, 5); /* in this order */
    assert_int_equal(g_b.first_at[MB_API_FETCH], g_b.first_at[MB_API_FIND_COORDINATOR]);
    assert_int_equal(g_b.first_at[MB_API_JOIN_GROUP], g_b.first_at[MB_API_FIND_COORDINATOR]);
    msgbus_consumer_close(c);
}

/* A heartbeat error @p err while stable: returns the consumer, re-joined. */
static msgbus_consumer *stable_then_heartbeat_error(int16_t err)
{
    msgbus_consumer *c = make(0);
    msgbus_record rec;
    int i;
    until_assigned(c, 2);
    g_b.hb_err = err;
    for (i = 0; i < 100 && g_b.n[MB_API_JOIN_GROUP] < 2; i++)
        (void)msgbus_consumer_poll(c, &rec, 500); /* simulated: heartbeats every 3 s */
    assert_int_equal(g_b.n[MB_API_JOIN_GROUP], 2);
    until_assigned(c, 2);
    return c;
}

static void test_heartbeat_rebalance_in_progress(void **state)
{
    msgbus_consumer *c;
    (void)state;
    c = stable_then_heartbeat_error(MSGBUS_KERR_REBALANCE_IN_PROGRESS);
    assert_string_equal(g_b.join_member[1], "m-1"); /* the member id is kept */
    assert_int_equal(g_b.n[MB_API_FIND_COORDINATOR], 1);
    assert_int_equal(g_revoked, 2);
    assert_int_equal(g_assigned, 4);
    assert_true(tu_log_has("REBALANCE_IN_PROGRESS"));
    msgbus_consumer_close(c);
}

static void test_heartbeat_unknown_member(void **state)
{
    msgbus_consumer *c;
    (void)state;
    c = stable_then_heartbeat_error(MSGBUS_KERR_UNKNOWN_MEMBER_ID);
    assert_string_equal(g_b.join_member[1], ""); /* joins as a new member */
    assert_int_equal(g_b.n[MB_API_FIND_COORDINATOR], 1);
    msgbus_consumer_close(c);
}

static void test_heartbeat_fenced(void **state)
{
    msgbus_consumer *c;
    (void)state;
    c = stable_then_heartbeat_error(MSGBUS_KERR_FENCED_INSTANCE_ID);
    assert_string_equal(g_b.join_member[1], "");
    msgbus_consumer_close(c);
}

static void test_heartbeat_not_coordinator(void **state)
{
    msgbus_consumer *c;
    (void)state;
    c = stable_then_heartbeat_error(MSGBUS_KERR_NOT_COORDINATOR);
    assert_int_equal(g_b.n[MB_API_FIND_COORDINATOR], 2); /* looked up again first */
    assert_string_equal(g_b.join_member[1], "m-1");
    msgbus_consumer_close(c);
}

/* Issue 12 item 1: the revoke commit carries the positions read before the rebalance. */
static void test_revoke_commits_what_was_read(void **state)
{
    msgbus_consumer *c;
    msgbus_record rec;
    int i;
    (void)state;
    c = make(3600000); /* auto-commit on, but no periodic commit in this test's time */
    until_assigned(c, 2);
    read_records(c, 10);
    assert_int_equal(g_b.commits, 0);
    g_b.hb_err = MSGBUS_KERR_REBALANCE_IN_PROGRESS;
    for (i = 0; i < 100 && g_b.commits == 0; i++)
        (void)msgbus_consumer_poll(c, &rec, 500);
    assert_int_equal(g_b.commits, 1);
    assert_int_equal(g_b.commit_off[0], 10);
    assert_int_equal(g_b.commit_gen, 1); /* the generation the records were read in */
    assert_true(g_b.n[MB_API_JOIN_GROUP] >= 1);
    msgbus_consumer_close(c);
}

static void test_close_commits_and_leaves(void **state)
{
    msgbus_consumer *c;
    (void)state;
    c = make(3600000);
    until_assigned(c, 2);
    read_records(c, 4);
    msgbus_consumer_close(c);
    assert_int_equal(g_b.commits, 1);
    assert_int_equal(g_b.commit_off[0], 4);
    assert_int_equal(g_b.n[MB_API_LEAVE_GROUP], 1);
}

/*
 * A heartbeat left unanswered past the next heartbeat time: the loop waits
 * for the answer or its timeout, it does not spin (a poll returns at its
 * deadline; in simulated time a spin would never end).
 */
static void test_unanswered_heartbeat_does_not_spin(void **state)
{
    msgbus_consumer *c;
    msgbus_record rec;
    uint32_t t0;
    int i;
    (void)state;
    g_b.hb_silent = 1;
    c = make(0);
    until_assigned(c, 2);
    assert_int_equal(msgbus_consumer_pause(c, "t", 0, 1), 0); /* no fetch moves the clock */
    assert_int_equal(msgbus_consumer_pause(c, "t", 1, 1), 0);
    t0 = g_net.now;
    for (i = 0; i < 40; i++) /* polls of 500 ms: past the heartbeat's time, several times */
        (void)msgbus_consumer_poll(c, &rec, 500);
    assert_true(msgbus_time_diff(g_net.now, t0) >= 10000); /* well past heartbeat_at */
    assert_true(g_b.n[MB_API_HEARTBEAT] >= 1);
    msgbus_consumer_close(c);
}

static void test_find_coordinator_error_retries_after_backoff(void **state)
{
    msgbus_consumer *c;
    (void)state;
    g_b.fc_err = MSGBUS_KERR_COORDINATOR_NOT_AVAILABLE;
    c = make(0);
    until_assigned(c, 2);
    assert_int_equal(g_b.n[MB_API_FIND_COORDINATOR], 2);
    msgbus_consumer_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_join_again_with_member_id_then_lead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_as_follower, setup, teardown),
        cmocka_unit_test_setup_teardown(test_join_sequence_without_the_clock_moving, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_rebalance_in_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_unknown_member, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_fenced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_not_coordinator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_commits_what_was_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_commits_and_leaves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unanswered_heartbeat_does_not_spin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_coordinator_error_retries_after_backoff, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
