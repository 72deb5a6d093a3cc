/* test_fetch.c - Fetch request/response bodies (v4-v12). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/fetch.h"
#include "testutil.h"

#define V_MIN 4
#define V_MAX 12

static uint8_t arena_buf[1 << 16];
static mb_arena arena;

static const uint8_t recs_a[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

static void assert_str(mb_str got, const char *want)
{
    if (!want) {
        assert_true(got.len < 0);
        return;
    }
    assert_int_equal(got.len, strlen(want));
    assert_memory_equal(got.ptr, want, strlen(want));
}

/* ------------------------------------------------------------------------ */
/* Sample messages: every field away from its default                        */
/* ------------------------------------------------------------------------ */

static mb_fetch_partition s_parts[3];
static mb_fetch_topic s_topics[2];
static int32_t s_forgot_parts[3] = {4, 5, 6};
static mb_fetch_forgotten_topic s_forgot[2];

static mb_fetch_req sample_req(void)
{
    mb_fetch_req req;
    s_parts[0] = (mb_fetch_partition){0, 11, 1000, 10, 5, 1 << 20};
    s_parts[1] = (mb_fetch_partition){1, 12, 2000, 9, 6, 65536};
    s_parts[2] = (mb_fetch_partition){2, 13, 0x123456789LL, 8, 7, 4096};
    s_topics[0] = (mb_fetch_topic){mb_str_c("orders"), s_parts, 2};
    s_topics[1] = (mb_fetch_topic){mb_str_c("audit"), s_parts + 2, 1};
    s_forgot[0] = (mb_fetch_forgotten_topic){mb_str_c("old"), s_forgot_parts, 3};
    s_forgot[1] = (mb_fetch_forgotten_topic){mb_str_c("gone"), NULL, 0};
    req.cluster_id = mb_str_c("cluster-9");
    req.replica_id = -1;
    req.max_wait_ms = 500;
    req.min_bytes = 1;
    req.max_bytes = 52428800;
    req.isolation_level = 1;
    req.session_id = 77;
    req.session_epoch = 3;
    req.topics = s_topics;
    req.n_topics = 2;
    req.forgotten_topics_data = s_forgot;
    req.n_forgotten_topics_data = 2;
    req.rack_id = mb_str_c("rack-a");
    return req;
}

static mb_fetch_aborted_txn s_aborted[2];
static mb_fetch_partition_resp s_presp[3];
static mb_fetch_topic_resp s_tresp[2];

static mb_fetch_resp sample_resp(void)
{
    mb_fetch_resp resp;
    mb_fetch_partition_resp *p = s_presp;
    memset(s_presp, 0, sizeof s_presp);
    s_aborted[0] = (mb_fetch_aborted_txn){1001, 50};
    s_aborted[1] = (mb_fetch_aborted_txn){1002, 60};
    p[0] = (mb_fetch_partition_resp){0,         0,        300,    250,
                                     10,        {4, 200}, {3, 8}, {150, 2},
                                     s_aborted, 2,        5,      {recs_a, (int32_t)sizeof recs_a}};
    p[1] = (mb_fetch_partition_resp){1,        6,        -1,   -1, -1, {-1, -1},
                                     {-1, -1}, {-1, -1}, NULL, -1, -1, MB_BYTES_NULL};
    p[2] = (mb_fetch_partition_resp){7,       0,        42,   42, 0,  {-1, -1},
                                     {2, -1}, {-1, -1}, NULL, 0,  -1, {recs_a + 2, 3}};
    s_tresp[0] = (mb_fetch_topic_resp){mb_str_c("orders"), s_presp, 2};
    s_tresp[1] = (mb_fetch_topic_resp){mb_str_c("audit"), s_presp + 2, 1};
    resp.throttle_time_ms = 20;
    resp.error_code = 0;
    resp.session_id = 77;
    resp.responses = s_tresp;
    resp.n_responses = 2;
    return resp;
}

/* ------------------------------------------------------------------------ */
/* Field-by-field comparison (absent fields must hold the schema default)   */
/* ------------------------------------------------------------------------ */

static void check_req_part(int16_t v, const mb_fetch_partition *w, const mb_fetch_partition *g)
{
    assert_int_equal(w->partition, g->partition);
    assert_int_equal(g->current_leader_epoch, v >= 9 ? w->current_leader_epoch : -1);
    assert_true(w->fetch_offset == g->fetch_offset);
    assert_int_equal(g->last_fetched_epoch, v >= 12 ? w->last_fetched_epoch : -1);
    assert_true(g->log_start_offset == (v >= 5 ? w->log_start_offset : -1));
    assert_int_equal(w->partition_max_bytes, g->partition_max_bytes);
}

static void check_forgotten(int16_t v, const mb_fetch_req *want, const mb_fetch_req *got)
{
    int32_t i, j;
    if (v < 7) {
        assert_int_equal(got->n_forgotten_topics_data, 0);
        return;
    }
    assert_int_equal(want->n_forgotten_topics_data, got->n_forgotten_topics_data);
    for (i = 0; i < want->n_forgotten_topics_data; i++) {
        const mb_fetch_forgotten_topic *w = &want->forgotten_topics_data[i];
        const mb_fetch_forgotten_topic *g = &got->forgotten_topics_data[i];
        assert_true(mb_str_eq(w->topic, g->topic));
        assert_int_equal(w->n_partitions, g->n_partitions);
        for (j = 0; j < w->n_partitions; j++)
            assert_int_equal(w->partitions[j], g->partitions[j]);
    }
}

static void check_req(int16_t v, const mb_fetch_req *want, const mb_fetch_req *got)
{
    int32_t i, j;
    if (v >= 12)
        assert_true(mb_str_eq(want->cluster_id, got->cluster_id));
    else
        assert_true(got->cluster_id.len < 0);
    assert_int_equal(want->replica_id, got->replica_id);
    assert_int_equal(want->max_wait_ms, got->max_wait_ms);
    assert_int_equal(want->min_bytes, got->min_bytes);
    assert_int_equal(want->max_bytes, got->max_bytes);
    assert_int_equal(want->isolation_level, got->isolation_level);
    assert_int_equal(got->session_id, v >= 7 ? want->session_id : 0);
    assert_int_equal(got->session_epoch, v >= 7 ? want->session_epoch : -1);
    assert_int_equal(want->n_topics, got->n_topics);
    for (i = 0; i < want->n_topics; i++) {
        assert_true(mb_str_eq(want->topics[i].topic, got->topics[i].topic));
        assert_int_equal(want->topics[i].n_partitions, got->topics[i].n_partitions);
        for (j = 0; j < want->topics[i].n_partitions; j++)
            check_req_part(v, &want->topics[i].partitions[j], &got->topics[i].partitions[j]);
    }
    check_forgotten(v, want, got);
    if (v >= 11)
        assert_true(mb_str_eq(want->rack_id, got->rack_id));
    else
        assert_str(got->rack_id, "");
}

static void check_tagged(int16_t v, const mb_fetch_partition_resp *w,
                         const mb_fetch_partition_resp *g)
{
    mb_fetch_partition_resp d;
    if (v < 12) { /* absent: all -1 */
        d.diverging_epoch = (mb_fetch_epoch_end_offset){-1, -1};
        d.current_leader = (mb_fetch_leader_id_and_epoch){-1, -1};
        d.snapshot_id = (mb_fetch_snapshot_id){-1, -1};
        w = &d;
    }
    assert_int_equal(w->diverging_epoch.epoch, g->diverging_epoch.epoch);
    assert_true(w->diverging_epoch.end_offset == g->diverging_epoch.end_offset);
    assert_int_equal(w->current_leader.leader_id, g->current_leader.leader_id);
    assert_int_equal(w->current_leader.leader_epoch, g->current_leader.leader_epoch);
    assert_true(w->snapshot_id.end_offset == g->snapshot_id.end_offset);
    assert_int_equal(w->snapshot_id.epoch, g->snapshot_id.epoch);
}

static void check_resp_part(int16_t v, const mb_fetch_partition_resp *w,
                            const mb_fetch_partition_resp *g)
{
    int32_t k;
    assert_int_equal(w->partition_index, g->partition_index);
    assert_int_equal(w->error_code, g->error_code);
    assert_true(w->high_watermark == g->high_watermark);
    assert_true(w->last_stable_offset == g->last_stable_offset);
    assert_true(g->log_start_offset == (v >= 5 ? w->log_start_offset : -1));
    check_tagged(v, w, g);
    assert_int_equal(w->n_aborted_transactions, g->n_aborted_transactions);
    for (k = 0; k < w->n_aborted_transactions; k++) {
        assert_true(w->aborted_transactions[k].producer_id ==
                    g->aborted_transactions[k].producer_id);
        assert_true(w->aborted_transactions[k].first_offset ==
                    g->aborted_transactions[k].first_offset);
    }
    assert_int_equal(g->preferred_read_replica, v >= 11 ? w->preferred_read_replica : -1);
    assert_true(mb_bytes_eq(w->records, g->records));
}

static void check_resp(int16_t v, const mb_fetch_resp *want, const mb_fetch_resp *got)
{
    int32_t i, j;
    assert_int_equal(want->throttle_time_ms, got->throttle_time_ms);
    assert_int_equal(got->error_code, v >= 7 ? want->error_code : 0);
    assert_int_equal(got->session_id, v >= 7 ? want->session_id : 0);
    assert_int_equal(want->n_responses, got->n_responses);
    for (i = 0; i < want->n_responses; i++) {
        assert_true(mb_str_eq(want->responses[i].topic, got->responses[i].topic));
        assert_int_equal(want->responses[i].n_partitions, got->responses[i].n_partitions);
        for (j = 0; j < want->responses[i].n_partitions; j++)
            check_resp_part(v, &want->responses[i].partitions[j], &got->responses[i].partitions[j]);
    }
}

/* ------------------------------------------------------------------------ */
/* Decoders for tu_check_truncations                                         */
/* ------------------------------------------------------------------------ */

static int dec_req(const uint8_t *buf, size_t len, void *ctx)
{
    mb_rd r;
    mb_fetch_req req;
    mb_rd_init(&r, buf, len);
    mb_arena_reset(&arena);
    return mb_fetch_req_read(&r, *(const int16_t *)ctx, &arena, &req);
}

static int dec_resp(const uint8_t *buf, size_t len, void *ctx)
{
    mb_rd r;
    mb_fetch_resp resp;
    mb_rd_init(&r, buf, len);
    mb_arena_reset(&arena);
    return mb_fetch_resp_read(&r, *(const int16_t *)ctx, &arena, &resp);
}

static int setup(void **state)
{
    (void)state;
    mb_arena_init(&arena, arena_buf, sizeof arena_buf);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Round trips                                                               */
/* ------------------------------------------------------------------------ */

static void test_req_roundtrip_all_versions(void **state)
{
    int16_t v;
    (void)state;
    for (v = V_MIN; v <= V_MAX; v++) {
        uint8_t b1[512], b2[512];
        mb_wr w, w2;
        mb_rd r;
        mb_fetch_req want = sample_req(), got;
        mb_wr_init(&w, b1, sizeof b1);
        assert_int_equal(mb_fetch_req_write(&w, v, &want), 0);
        mb_arena_reset(&arena);
        mb_rd_init(&r, b1, w.len);
        assert_int_equal(mb_fetch_req_read(&r, v, &arena, &got), 0);
        check_req(v, &want, &got);
        mb_wr_init(&w2, b2, sizeof b2);
        assert_int_equal(mb_fetch_req_write(&w2, v, &got), 0);
        tu_assert_bytes(b2, w2.len, b1, w.len);
        tu_check_truncations(b1, w.len, dec_req, &v);
    }
}

static void test_resp_roundtrip_all_versions(void **state)
{
    int16_t v;
    (void)state;
    for (v = V_MIN; v <= V_MAX; v++) {
        uint8_t b1[512], b2[512];
        mb_wr w, w2;
        mb_rd r;
        mb_fetch_resp want = sample_resp(), got;
        mb_wr_init(&w, b1, sizeof b1);
        assert_int_equal(mb_fetch_resp_write(&w, v, &want), 0);
        mb_arena_reset(&arena);
        mb_rd_init(&r, b1, w.len);
        assert_int_equal(mb_fetch_resp_read(&r, v, &arena, &got), 0);
        check_resp(v, &want, &got);
        /* records decoded in place */
        assert_true(got.responses[0].partitions[0].records.ptr > b1);
        assert_true(got.responses[0].partitions[0].records.ptr < b1 + w.len);
        mb_wr_init(&w2, b2, sizeof b2);
        assert_int_equal(mb_fetch_resp_write(&w2, v, &got), 0);
        tu_assert_bytes(b2, w2.len, b1, w.len);
        tu_check_truncations(b1, w.len, dec_resp, &v);
    }
}

/* Version-dependent layout, checked by encoded size: each step adds exactly
 * the fields the schema adds at that version. */
static void test_req_sizes_per_version(void **state)
{
    /* v4: 21 + topics; v5 +8/partition; v7 +8 +forgotten; v9 +4/partition;
     * v11 +rack; v12 compact + last_fetched_epoch + tags + cluster_id */
    static const size_t want[] = {0, 0, 0, 0, 92, 116, 116, 159, 159, 171, 171, 179, 188};
    int16_t v;
    (void)state;
    for (v = V_MIN; v <= V_MAX; v++) {
        mb_wr w;
        mb_fetch_req req = sample_req();
        mb_wr_init(&w, NULL, 0);
        assert_int_equal(mb_fetch_req_write(&w, v, &req), 0);
        assert_int_equal(w.total, want[v]);
    }
}

static void test_resp_sizes_per_version(void **state)
{
    static const size_t want[] = {0, 0, 0, 0, 165, 189, 189, 195, 195, 195, 195, 207, 238};
    int16_t v;
    (void)state;
    for (v = V_MIN; v <= V_MAX; v++) {
        mb_wr w;
        mb_fetch_resp resp = sample_resp();
        mb_wr_init(&w, NULL, 0);
        assert_int_equal(mb_fetch_resp_write(&w, v, &resp), 0);
        assert_int_equal(w.total, want[v]);
    }
}

/* ------------------------------------------------------------------------ */
/* Schema vectors (v12, the flexible version)                                */
/* ------------------------------------------------------------------------ */

static void test_vector_req_v12(void **state)
{
    size_t len;
    uint8_t *buf = tu_load_vector("schema_fetch_v12_req.hex", &len);
    uint8_t out[256];
    int16_t v = 12;
    mb_rd r;
    mb_wr w;
    mb_fetch_req req;
    const mb_fetch_partition *p;
    (void)state;
    mb_arena_reset(&arena);
    mb_rd_init(&r, buf, len);
    assert_int_equal(mb_fetch_req_read(&r, v, &arena, &req), 0);
    assert_int_equal(req.replica_id, -1);
    assert_int_equal(req.max_wait_ms, 500);
    assert_int_equal(req.min_bytes, 1);
    assert_int_equal(req.max_bytes, 52428800);
    assert_int_equal(req.isolation_level, 1);
    assert_int_equal(req.session_id, 7);
    assert_int_equal(req.session_epoch, 2);
    assert_int_equal(req.n_topics, 1);
    assert_str(req.topics[0].topic, "t1");
    assert_int_equal(req.topics[0].n_partitions, 1);
    p = &req.topics[0].partitions[0];
    assert_int_equal(p->partition, 0);
    assert_int_equal(p->current_leader_epoch, 5);
    assert_true(p->fetch_offset == 100);
    assert_int_equal(p->last_fetched_epoch, 4);
    assert_true(p->log_start_offset == -1);
    assert_int_equal(p->partition_max_bytes, 1048576);
    assert_int_equal(req.n_forgotten_topics_data, 1);
    assert_str(req.forgotten_topics_data[0].topic, "t2");
    assert_int_equal(req.forgotten_topics_data[0].n_partitions, 2);
    assert_int_equal(req.forgotten_topics_data[0].partitions[0], 1);
    assert_int_equal(req.forgotten_topics_data[0].partitions[1], 3);
    assert_str(req.rack_id, "r1");
    assert_str(req.cluster_id, "abc");
    mb_wr_init(&w, out, sizeof out);
    assert_int_equal(mb_fetch_req_write(&w, v, &req), 0);
    tu_assert_bytes(out, w.len, buf, len);
    tu_check_truncations(buf, len, dec_req, &v);
    free(buf);
}

static void check_vector_resp_part0(const mb_fetch_partition_resp *p, const uint8_t *buf)
{
    assert_int_equal(p->partition_index, 0);
    assert_int_equal(p->error_code, 0);
    assert_true(p->high_watermark == 200);
    assert_true(p->last_stable_offset == 150);
    assert_true(p->log_start_offset == 0);
    assert_int_equal(p->n_aborted_transactions, 1);
    assert_true(p->aborted_transactions[0].producer_id == 9);
    assert_true(p->aborted_transactions[0].first_offset == 120);
    assert_int_equal(p->preferred_read_replica, -1);
    assert_int_equal(p->records.len, 6);
    assert_ptr_equal(p->records.ptr, buf + 68); /* in place, never copied */
    assert_memory_equal(p->records.ptr, "\xaa\xbb\xcc\xdd\xee\xff", 6);
    assert_int_equal(p->diverging_epoch.epoch, 3);
    assert_true(p->diverging_epoch.end_offset == 90);
    assert_int_equal(p->current_leader.leader_id, 2);
    assert_int_equal(p->current_leader.leader_epoch, 6);
    assert_true(p->snapshot_id.end_offset == 80);
    assert_int_equal(p->snapshot_id.epoch, 1);
}

static void check_vector_resp_part1(const mb_fetch_partition_resp *p)
{
    assert_int_equal(p->partition_index, 1);
    assert_int_equal(p->error_code, 1);
    assert_true(p->high_watermark == -1);
    assert_true(p->last_stable_offset == -1);
    assert_true(p->log_start_offset == -1);
    assert_int_equal(p->n_aborted_transactions, -1);
    assert_null(p->aborted_transactions);
    assert_int_equal(p->preferred_read_replica, 3);
    assert_true(p->records.len < 0);
    assert_int_equal(p->diverging_epoch.epoch, -1);
    assert_true(p->diverging_epoch.end_offset == -1);
    assert_int_equal(p->current_leader.leader_id, -1);
    assert_int_equal(p->current_leader.leader_epoch, -1);
    assert_true(p->snapshot_id.end_offset == -1);
    assert_int_equal(p->snapshot_id.epoch, -1);
}

static void test_vector_resp_v12(void **state)
{
    size_t len;
    uint8_t *buf = tu_load_vector("schema_fetch_v12_resp.hex", &len);
    uint8_t out[256];
    int16_t v = 12;
    mb_rd r;
    mb_wr w;
    mb_fetch_resp resp;
    (void)state;
    mb_arena_reset(&arena);
    mb_rd_init(&r, buf, len);
    assert_int_equal(mb_fetch_resp_read(&r, v, &arena, &resp), 0);
    assert_int_equal(resp.throttle_time_ms, 0);
    assert_int_equal(resp.error_code, 0);
    assert_int_equal(resp.session_id, 7);
    assert_int_equal(resp.n_responses, 1);
    assert_str(resp.responses[0].topic, "t1");
    assert_int_equal(resp.responses[0].n_partitions, 2);
    check_vector_resp_part0(&resp.responses[0].partitions[0], buf);
    check_vector_resp_part1(&resp.responses[0].partitions[1]);
    mb_wr_init(&w, out, sizeof out);
    assert_int_equal(mb_fetch_resp_write(&w, v, &resp), 0);
    tu_assert_bytes(out, w.len, buf, len);
    tu_check_truncations(buf, len, dec_resp, &v);
    free(buf);
}

/* ------------------------------------------------------------------------ */
/* Zero copy on the response writer (the scripted-peer side)                 */
/* ------------------------------------------------------------------------ */

static void test_resp_iov_references_records(void **state)
{
    uint8_t buf[512];
    mb_iov iov[16];
    size_t i, found = 0;
    mb_wr w;
    mb_fetch_resp resp = sample_resp();
    (void)state;
    mb_wr_init_iov(&w, buf, sizeof buf, iov, 16);
    assert_int_equal(mb_fetch_resp_write(&w, 12, &resp), 0);
    assert_int_equal(mb_wr_finish_iov(&w), 0);
    assert_int_equal(w.len + sizeof recs_a + 3, w.total);
    for (i = 0; i < w.iov_n; i++)
        if (iov[i].base == (const void *)recs_a && iov[i].len == sizeof recs_a)
            found++;
    assert_int_equal(found, 1);
}

/* ------------------------------------------------------------------------ */
/* Hostile input and bad arguments                                           */
/* ------------------------------------------------------------------------ */

static int hex_dec(const char *hex, int16_t v, int is_resp)
{
    uint8_t buf[512];
    size_t n = tu_hex(hex, buf, sizeof buf);
    return is_resp ? dec_resp(buf, n, &v) : dec_req(buf, n, &v);
}

/* v12 response, one topic "t", one partition, whose tail (after records) is @p tail. */
static int resp12_part(const char *tail)
{
    char hex[512];
    strcpy(hex, "00000000 0000 00000000 02 02 74 02 00000000 0000 0000000000000000"
                "0000000000000000 0000000000000000 00 ffffffff 00 ");
    strcat(hex, tail);
    return hex_dec(hex, 12, 1);
}

static void test_hostile_resp(void **state)
{
    (void)state;
    /* the base message, to show the cases below differ only in their tails */
    assert_int_equal(resp12_part("00 00 00"), 0);
    /* known tag 1 (current_leader) whose size is too small for its fields */
    assert_int_equal(resp12_part("01 01 04 00000002 00 00"), MSGBUS_ERR_TRUNCATED);
    /* tags out of order */
    assert_int_equal(resp12_part("02 05 00 03 00 00 00"), MSGBUS_ERR_MALFORMED);
    /* unknown tag 9 is skipped */
    assert_int_equal(resp12_part("01 09 02 abcd 00 00"), 0);
    /* v4: huge partition count */
    assert_int_equal(hex_dec("00000000 00000001 0001 74 7fffffff", 4, 1), MSGBUS_ERR_LIMIT);
    /* v4: negative records length (-2) */
    assert_int_equal(hex_dec("00000000 00000001 0001 74 00000001 00000000 0000"
                             "0000000000000000 0000000000000000 ffffffff fffffffe",
                             4, 1),
                     MSGBUS_ERR_MALFORMED);
    /* v4: records longer than the input */
    assert_int_equal(hex_dec("00000000 00000001 0001 74 00000001 00000000 0000"
                             "0000000000000000 0000000000000000 ffffffff 00000009 0102",
                             4, 1),
                     MSGBUS_ERR_TRUNCATED);
    /* v4: null responses array */
    assert_int_equal(hex_dec("00000000 ffffffff", 4, 1), MSGBUS_ERR_MALFORMED);
    /* v12: null topic name */
    assert_int_equal(hex_dec("00000000 0000 00000000 02 00 01 00 00", 12, 1), MSGBUS_ERR_MALFORMED);
    /* v4: trailing garbage */
    assert_int_equal(hex_dec("00000000 00000000 ff", 4, 1), MSGBUS_ERR_MALFORMED);
}

static void test_hostile_req(void **state)
{
    (void)state;
    /* v4: huge topic count */
    assert_int_equal(hex_dec("ffffffff 00000000 00000000 00000000 00 7fffffff", 4, 0),
                     MSGBUS_ERR_LIMIT);
    /* v4: null topic name */
    assert_int_equal(hex_dec("ffffffff 00000000 00000000 00000000 00 00000001 ffff 00000000", 4, 0),
                     MSGBUS_ERR_MALFORMED);
    /* v7: null forgotten topics (non-nullable) */
    assert_int_equal(hex_dec("ffffffff 00000000 00000000 00000000 00 00000000 ffffffff"
                             "00000000 ffffffff",
                             7, 0),
                     MSGBUS_ERR_MALFORMED);
    /* v11: rack_id null (non-nullable) */
    assert_int_equal(hex_dec("ffffffff 00000000 00000000 00000000 00 00000000 ffffffff"
                             "00000000 00000000 ffff",
                             11, 0),
                     MSGBUS_ERR_MALFORMED);
    /* v12: cluster_id tag whose string runs past its field */
    assert_int_equal(hex_dec("ffffffff 00000000 00000000 00000000 00 00000000 ffffffff"
                             "01 01 01 01 00 02 05 61",
                             12, 0),
                     MSGBUS_ERR_TRUNCATED);
}

static void test_arena_too_small(void **state)
{
    uint8_t buf[512], small[64];
    mb_wr w;
    mb_rd r;
    mb_arena a;
    mb_fetch_resp resp = sample_resp(), got;
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_fetch_resp_write(&w, 12, &resp), 0);
    mb_arena_init(&a, small, sizeof small);
    mb_rd_init(&r, buf, w.len);
    assert_int_equal(mb_fetch_resp_read(&r, 12, &a, &got), MSGBUS_ERR_NO_ROOM);
}

static void test_bad_version_and_args(void **state)
{
    uint8_t buf[512];
    mb_wr w;
    mb_rd r;
    mb_fetch_req req = sample_req();
    mb_fetch_resp resp = sample_resp();
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_fetch_req_write(&w, 3, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_fetch_req_write(&w, 13, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_fetch_resp_write(&w, 13, &resp), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_init(&r, buf, 0);
    assert_int_equal(mb_fetch_resp_read(&r, 3, &arena, &resp), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_init(&r, buf, 0);
    assert_int_equal(mb_fetch_req_read(&r, 13, &arena, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    /* rack_id is non-nullable from v11 */
    req = sample_req();
    req.rack_id = MB_STR_NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_fetch_req_write(&w, 11, &req), MSGBUS_ERR_INVALID_ARG);
    /* but not written (so not checked) before v11 */
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_fetch_req_write(&w, 10, &req), 0);
    /* a forgotten topic count without its array */
    req = sample_req();
    s_forgot[0].partitions = NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_fetch_req_write(&w, 7, &req), MSGBUS_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_req_roundtrip_all_versions),
        cmocka_unit_test(test_resp_roundtrip_all_versions),
        cmocka_unit_test(test_req_sizes_per_version),
        cmocka_unit_test(test_resp_sizes_per_version),
        cmocka_unit_test(test_vector_req_v12),
        cmocka_unit_test(test_vector_resp_v12),
        cmocka_unit_test(test_resp_iov_references_records),
        cmocka_unit_test(test_hostile_resp),
        cmocka_unit_test(test_hostile_req),
        cmocka_unit_test(test_arena_too_small),
        cmocka_unit_test(test_bad_version_and_args),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
