/* test_txn.c - AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and TxnOffsetCommit
 * bodies (v0-v3): round trips at every version with every truncation, the
 * flexible layouts from schema-derived vectors, the classic layouts written
 * out by hand from the schemas, hostile counts and lengths, bad arguments;
 * and the frames of a real transactional producer (librdkafka 2.0.2 against
 * the test broker, tools/capture_txn_vectors.sh), InitProducerId v4 among
 * them, decoded and re-encoded byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/init_producer_id.h"
#include "proto/txn.h"
#include "testutil.h"

TU_BODY_OPS(add_partitions_to_txn_req)
TU_BODY_OPS(add_partitions_to_txn_resp)
TU_BODY_OPS(add_offsets_to_txn_req)
TU_BODY_OPS(add_offsets_to_txn_resp)
TU_BODY_OPS(end_txn_req)
TU_BODY_OPS(end_txn_resp)
TU_BODY_OPS(txn_offset_commit_req)
TU_BODY_OPS(txn_offset_commit_resp)
TU_BODY_OPS(init_producer_id_req)
TU_BODY_OPS(init_producer_id_resp)

/* ------------------------------------------------------------------------ */
/* Field-by-field comparison (absent fields must hold the schema default)    */
/* ------------------------------------------------------------------------ */

static void cmp_results(const mb_txn_topic_result *a, int32_t na, const mb_txn_topic_result *b,
                        int32_t nb)
{
    int32_t i, j;
    assert_int_equal(na, nb);
    for (i = 0; i < na; i++) {
        assert_true(mb_str_eq(a[i].name, b[i].name));
        assert_int_equal(a[i].n_partitions, b[i].n_partitions);
        for (j = 0; j < a[i].n_partitions; j++) {
            assert_int_equal(a[i].partitions[j].partition_index,
                             b[i].partitions[j].partition_index);
            assert_int_equal(a[i].partitions[j].error_code, b[i].partitions[j].error_code);
        }
    }
}

static void cmp_apt_req(const void *want, const void *got, int16_t v)
{
    const mb_add_partitions_to_txn_req *a = want, *b = got;
    int32_t i, j;
    (void)v;
    assert_true(mb_str_eq(a->transactional_id, b->transactional_id));
    assert_true(a->producer_id == b->producer_id);
    assert_int_equal(a->producer_epoch, b->producer_epoch);
    assert_int_equal(a->n_topics, b->n_topics);
    for (i = 0; i < a->n_topics; i++) {
        assert_true(mb_str_eq(a->topics[i].name, b->topics[i].name));
        assert_int_equal(a->topics[i].n_partitions, b->topics[i].n_partitions);
        for (j = 0; j < a->topics[i].n_partitions; j++)
            assert_int_equal(a->topics[i].partitions[j], b->topics[i].partitions[j]);
    }
}

static void cmp_apt_resp(const void *want, const void *got, int16_t v)
{
    const mb_add_partitions_to_txn_resp *a = want, *b = got;
    (void)v;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    cmp_results(a->results, a->n_results, b->results, b->n_results);
}

static void cmp_aot_req(const void *want, const void *got, int16_t v)
{
    const mb_add_offsets_to_txn_req *a = want, *b = got;
    (void)v;
    assert_true(mb_str_eq(a->transactional_id, b->transactional_id));
    assert_true(a->producer_id == b->producer_id);
    assert_int_equal(a->producer_epoch, b->producer_epoch);
    assert_true(mb_str_eq(a->group_id, b->group_id));
}

static void cmp_aot_resp(const void *want, const void *got, int16_t v)
{
    const mb_add_offsets_to_txn_resp *a = want, *b = got;
    (void)v;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    assert_int_equal(a->error_code, b->error_code);
}

static void cmp_end_req(const void *want, const void *got, int16_t v)
{
    const mb_end_txn_req *a = want, *b = got;
    (void)v;
    assert_true(mb_str_eq(a->transactional_id, b->transactional_id));
    assert_true(a->producer_id == b->producer_id);
    assert_int_equal(a->producer_epoch, b->producer_epoch);
    assert_int_equal(a->committed, b->committed);
}

static void cmp_end_resp(const void *want, const void *got, int16_t v)
{
    const mb_end_txn_resp *a = want, *b = got;
    (void)v;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    assert_int_equal(a->error_code, b->error_code);
}

static void cmp_toc_parts(int16_t v, const mb_txn_offset_commit_req_topic *a,
                          const mb_txn_offset_commit_req_topic *b)
{
    int32_t j;
    assert_true(mb_str_eq(a->name, b->name));
    assert_int_equal(a->n_partitions, b->n_partitions);
    for (j = 0; j < a->n_partitions; j++) {
        const mb_txn_offset_commit_req_partition *p = &a->partitions[j], *q = &b->partitions[j];
        assert_int_equal(p->partition_index, q->partition_index);
        assert_true(p->committed_offset == q->committed_offset);
        assert_int_equal(q->committed_leader_epoch, v >= 2 ? p->committed_leader_epoch : -1);
        assert_true(mb_str_eq(p->committed_metadata, q->committed_metadata));
    }
}

static void cmp_toc_req(const void *want, const void *got, int16_t v)
{
    const mb_txn_offset_commit_req *a = want, *b = got;
    int32_t i;
    assert_true(mb_str_eq(a->transactional_id, b->transactional_id));
    assert_true(mb_str_eq(a->group_id, b->group_id));
    assert_true(a->producer_id == b->producer_id);
    assert_int_equal(a->producer_epoch, b->producer_epoch);
    assert_int_equal(b->generation_id, v >= 3 ? a->generation_id : -1);
    assert_true(mb_str_eq(b->member_id, v >= 3 ? a->member_id : mb_str_c("")));
    assert_true(mb_str_eq(b->group_instance_id, v >= 3 ? a->group_instance_id : MB_STR_NULL));
    assert_int_equal(a->n_topics, b->n_topics);
    for (i = 0; i < a->n_topics; i++)
        cmp_toc_parts(v, &a->topics[i], &b->topics[i]);
}

static void cmp_toc_resp(const void *want, const void *got, int16_t v)
{
    const mb_txn_offset_commit_resp *a = want, *b = got;
    (void)v;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    cmp_results(a->topics, a->n_topics, b->topics, b->n_topics);
}

/* ------------------------------------------------------------------------ */
/* Sample messages                                                           */
/* ------------------------------------------------------------------------ */

static int32_t apt_parts_t[] = {0, 2}, apt_parts_u[] = {7};
static mb_txn_topic apt_topics[] = {
    {{"t", 1}, apt_parts_t, 2},
    {{"u", 1}, apt_parts_u, 1},
    {{"empty", 5}, NULL, 0},
};
static const mb_add_partitions_to_txn_req apt_req = {{"txn-1", 5}, 4096, 3, apt_topics, 3};

static mb_txn_partition_result res_parts[] = {{0, 0}, {2, 51}, {-1, -32768}};
static mb_txn_topic_result results[] = {
    {{"t", 1}, res_parts, 2},
    {{"u", 1}, res_parts + 2, 1},
    {{"none", 4}, NULL, 0},
};
static const mb_add_partitions_to_txn_resp apt_resp = {250, results, 3};

static const mb_add_offsets_to_txn_req aot_req = {{"txn-1", 5}, INT64_MAX, 32767, {"grp", 3}};
static const mb_add_offsets_to_txn_resp aot_resp = {10, 48};
static const mb_end_txn_req end_commit = {{"txn-1", 5}, 4096, 3, 1};
static const mb_end_txn_req end_abort = {{"", 0}, -1, -1, 0};
static const mb_end_txn_resp end_resp = {100, 90};

static mb_txn_offset_commit_req_partition toc_parts[] = {
    {0, 100, 5, {"md", 2}},
    {3, 0x0102030405060708, -1, {NULL, -1}},
    {-7, -1, 0x7fffffff, {"", 0}},
};
static mb_txn_offset_commit_req_topic toc_topics[] = {
    {{"t", 1}, toc_parts, 2},
    {{"another-topic", 13}, toc_parts + 2, 1},
    {{"empty", 5}, NULL, 0},
};
static const mb_txn_offset_commit_req toc_req = {{"txn-1", 5}, {"grp", 3}, 4096,       3, 7,
                                                 {"m-1", 3},   {"i1", 2},  toc_topics, 3};
static const mb_txn_offset_commit_resp toc_resp = {0, results, 3};

/* ------------------------------------------------------------------------ */
/* Harness                                                                   */
/* ------------------------------------------------------------------------ */

/* Round trip at every version msgbus speaks of @p key, then every truncation fails. */
static void roundtrip_all(int16_t key, const void *in, tu_wr_fn wf, tu_rd_fn rf, tu_cmp_fn cf)
{
    static _Alignas(16) uint8_t out[4096];
    static uint8_t buf[4096];
    const mb_api_info *info = mb_api_lookup(key);
    int16_t v;
    assert_non_null(info);
    assert_int_equal(info->min_version, 0);
    assert_int_equal(info->max_version, 3);
    for (v = info->min_version; v <= info->max_version; v++) {
        struct tu_dec_ctx c = {v, rf};
        mb_wr w;
        tu_roundtrip(v, in, out, wf, rf, cf);
        mb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(wf(&w, v, in), 0);
        tu_check_truncations(buf, w.len, tu_dec_any, &c);
    }
}

/* Decode @p hex at @p v, compare with @p want, encode back to the same bytes. */
static void classic(const char *hex, int16_t v, const void *want, tu_wr_fn wf, tu_rd_fn rf,
                    tu_cmp_fn cf)
{
    uint8_t buf[512], enc[512];
    size_t n = tu_hex(hex, buf, sizeof buf);
    struct tu_dec_ctx c = {v, rf};
    mb_wr w;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    cf(want, tu_out, v);
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(wf(&w, v, tu_out), 0);
    tu_assert_bytes(enc, w.len, buf, n);
    tu_check_truncations(buf, n, tu_dec_any, &c);
}

/* ------------------------------------------------------------------------ */
/* Round trips                                                               */
/* ------------------------------------------------------------------------ */

static void test_roundtrip_all_versions(void **state)
{
    mb_add_partitions_to_txn_req apt_empty = {{"x", 1}, -1, -1, NULL, 0};
    mb_txn_offset_commit_req toc_empty = {{"x", 1}, {"g", 1},   -1,   -1, -1,
                                          {"", 0},  {NULL, -1}, NULL, 0};
    (void)state;
    roundtrip_all(MB_API_ADD_PARTITIONS_TO_TXN, &apt_req, w_add_partitions_to_txn_req,
                  r_add_partitions_to_txn_req, cmp_apt_req);
    roundtrip_all(MB_API_ADD_PARTITIONS_TO_TXN, &apt_empty, w_add_partitions_to_txn_req,
                  r_add_partitions_to_txn_req, cmp_apt_req);
    roundtrip_all(MB_API_ADD_PARTITIONS_TO_TXN, &apt_resp, w_add_partitions_to_txn_resp,
                  r_add_partitions_to_txn_resp, cmp_apt_resp);
    roundtrip_all(MB_API_ADD_OFFSETS_TO_TXN, &aot_req, w_add_offsets_to_txn_req,
                  r_add_offsets_to_txn_req, cmp_aot_req);
    roundtrip_all(MB_API_ADD_OFFSETS_TO_TXN, &aot_resp, w_add_offsets_to_txn_resp,
                  r_add_offsets_to_txn_resp, cmp_aot_resp);
    roundtrip_all(MB_API_END_TXN, &end_commit, w_end_txn_req, r_end_txn_req, cmp_end_req);
    roundtrip_all(MB_API_END_TXN, &end_abort, w_end_txn_req, r_end_txn_req, cmp_end_req);
    roundtrip_all(MB_API_END_TXN, &end_resp, w_end_txn_resp, r_end_txn_resp, cmp_end_resp);
    roundtrip_all(MB_API_TXN_OFFSET_COMMIT, &toc_req, w_txn_offset_commit_req,
                  r_txn_offset_commit_req, cmp_toc_req);
    roundtrip_all(MB_API_TXN_OFFSET_COMMIT, &toc_empty, w_txn_offset_commit_req,
                  r_txn_offset_commit_req, cmp_toc_req);
    roundtrip_all(MB_API_TXN_OFFSET_COMMIT, &toc_resp, w_txn_offset_commit_resp,
                  r_txn_offset_commit_resp, cmp_toc_resp);
}

/* ------------------------------------------------------------------------ */
/* Flexible layouts: schema-derived vectors (v3)                             */
/* ------------------------------------------------------------------------ */

static void chk_apt_req(const void *m)
{
    mb_add_partitions_to_txn_req want = apt_req;
    want.n_topics = 2;
    cmp_apt_req(&want, m, 3);
}

static void chk_apt_resp(const void *m)
{
    mb_add_partitions_to_txn_resp want = {0, results, 1};
    cmp_apt_resp(&want, m, 3);
}

static void chk_aot_req(const void *m)
{
    mb_add_offsets_to_txn_req want = {{"txn-1", 5}, 4096, 3, {"grp", 3}};
    cmp_aot_req(&want, m, 3);
}

static void chk_aot_resp(const void *m)
{
    mb_add_offsets_to_txn_resp want = {10, 0};
    cmp_aot_resp(&want, m, 3);
}

static void chk_end_req(const void *m)
{
    cmp_end_req(&end_commit, m, 3);
}

static void chk_end_resp(const void *m)
{
    cmp_end_resp(&end_resp, m, 3);
}

static void chk_toc_req(const void *m)
{
    mb_txn_offset_commit_req want = toc_req;
    mb_txn_offset_commit_req_topic t = toc_topics[0];
    want.topics = &t;
    want.n_topics = 1;
    cmp_toc_req(&want, m, 3);
}

static void chk_toc_resp(const void *m)
{
    mb_txn_partition_result p[2] = {{0, 0}, {3, 51}};
    mb_txn_topic_result t = {{"t", 1}, p, 2};
    mb_txn_offset_commit_resp want = {0, &t, 1};
    cmp_toc_resp(&want, m, 3);
}

static void test_v3_vectors(void **state)
{
    (void)state;
    tu_vector("schema_add_partitions_to_txn_v3_req.hex", 3, r_add_partitions_to_txn_req,
              w_add_partitions_to_txn_req, chk_apt_req);
    tu_vector("schema_add_partitions_to_txn_v3_resp.hex", 3, r_add_partitions_to_txn_resp,
              w_add_partitions_to_txn_resp, chk_apt_resp);
    tu_vector("schema_add_offsets_to_txn_v3_req.hex", 3, r_add_offsets_to_txn_req,
              w_add_offsets_to_txn_req, chk_aot_req);
    tu_vector("schema_add_offsets_to_txn_v3_resp.hex", 3, r_add_offsets_to_txn_resp,
              w_add_offsets_to_txn_resp, chk_aot_resp);
    tu_vector("schema_end_txn_v3_req.hex", 3, r_end_txn_req, w_end_txn_req, chk_end_req);
    tu_vector("schema_end_txn_v3_resp.hex", 3, r_end_txn_resp, w_end_txn_resp, chk_end_resp);
    tu_vector("schema_txn_offset_commit_v3_req.hex", 3, r_txn_offset_commit_req,
              w_txn_offset_commit_req, chk_toc_req);
    tu_vector("schema_txn_offset_commit_v3_resp.hex", 3, r_txn_offset_commit_resp,
              w_txn_offset_commit_resp, chk_toc_resp);
}

/* ------------------------------------------------------------------------ */
/* Classic layouts, written out by hand from the schemas (field order)       */
/* ------------------------------------------------------------------------ */

static void test_classic_layouts(void **state)
{
    mb_add_partitions_to_txn_req apt = {{"txn-1", 5}, 4096, 3, apt_topics, 1};
    mb_add_partitions_to_txn_resp aptr = {5, results, 1};
    mb_txn_offset_commit_resp tocr = {0, results, 1};
    mb_txn_offset_commit_req_topic tt = {{"t", 1}, toc_parts, 1};
    mb_txn_offset_commit_req toc1 = {{"txn-1", 5}, {"grp", 3}, 4096, 3, -1,
                                     {"", 0},      {NULL, -1}, &tt,  1};
    (void)state;
    /* AddPartitionsToTxn v0: STRING, INT64, INT16, ARRAY(name, ARRAY(INT32)) */
    classic("0005 74786e2d31 0000000000001000 0003 00000001 0001 74 00000002 00000000 00000002", 0,
            &apt, w_add_partitions_to_txn_req, r_add_partitions_to_txn_req, cmp_apt_req);
    classic("00000005 00000001 0001 74 00000002 00000000 0000 00000002 0033", 1, &aptr,
            w_add_partitions_to_txn_resp, r_add_partitions_to_txn_resp, cmp_apt_resp);
    /* AddOffsetsToTxn v1, EndTxn v2 */
    classic("0005 74786e2d31 7fffffffffffffff 7fff 0003 677270", 1, &aot_req,
            w_add_offsets_to_txn_req, r_add_offsets_to_txn_req, cmp_aot_req);
    classic("0000000a 0030", 0, &aot_resp, w_add_offsets_to_txn_resp, r_add_offsets_to_txn_resp,
            cmp_aot_resp);
    classic("0005 74786e2d31 0000000000001000 0003 01", 2, &end_commit, w_end_txn_req,
            r_end_txn_req, cmp_end_req);
    classic("0000 ffffffffffffffff ffff 00", 0, &end_abort, w_end_txn_req, r_end_txn_req,
            cmp_end_req);
    classic("00000064 005a", 2, &end_resp, w_end_txn_resp, r_end_txn_resp, cmp_end_resp);
    /* TxnOffsetCommit v1 (no leader epoch) and v2 (leader epoch, still no member fields) */
    classic("0005 74786e2d31 0003 677270 0000000000001000 0003 00000001 0001 74 00000001 "
            "00000000 0000000000000064 0002 6d64",
            1, &toc1, w_txn_offset_commit_req, r_txn_offset_commit_req, cmp_toc_req);
    classic("0005 74786e2d31 0003 677270 0000000000001000 0003 00000001 0001 74 00000001 "
            "00000000 0000000000000064 00000005 0002 6d64",
            2, &toc1, w_txn_offset_commit_req, r_txn_offset_commit_req, cmp_toc_req);
    classic("00000000 00000001 0001 74 00000002 00000000 0000 00000002 0033", 0, &tocr,
            w_txn_offset_commit_resp, r_txn_offset_commit_resp, cmp_toc_resp);
}

/* ------------------------------------------------------------------------ */
/* Hostile input                                                             */
/* ------------------------------------------------------------------------ */

static void test_hostile_counts_and_lengths(void **state)
{
    (void)state;
    /* AddPartitionsToTxn v0: topics count INT32_MAX, 1000 (more than the input holds), -1 */
    assert_int_equal(
        tu_dec_hex("0001 78 0000000000000001 0000 7fffffff", 0, r_add_partitions_to_txn_req),
        MSGBUS_ERR_LIMIT);
    assert_int_equal(tu_dec_hex("0001 78 0000000000000001 0000 000003e8 0000 00000000", 0,
                                r_add_partitions_to_txn_req),
                     MSGBUS_ERR_TRUNCATED);
    assert_int_equal(
        tu_dec_hex("0001 78 0000000000000001 0000 ffffffff", 0, r_add_partitions_to_txn_req),
        MSGBUS_ERR_MALFORMED);
    /* partitions count beyond the bytes left (4 bytes each) */
    assert_int_equal(tu_dec_hex("0001 78 0000000000000001 0000 00000001 0001 74 00000002 00000000",
                                1, r_add_partitions_to_txn_req),
                     MSGBUS_ERR_TRUNCATED);
    /* v3: a compact count in a 5-byte varint over 32 bits; null compact array */
    assert_int_equal(
        tu_dec_hex("02 78 0000000000000001 0000 ffffffff7f", 3, r_add_partitions_to_txn_req),
        MSGBUS_ERR_MALFORMED);
    assert_int_equal(
        tu_dec_hex("02 78 0000000000000001 0000 00 00", 3, r_add_partitions_to_txn_req),
        MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("00000000 ffffffff07", 3, r_add_partitions_to_txn_resp),
                     MSGBUS_ERR_LIMIT);
    /* response partition count larger than what is left */
    assert_int_equal(
        tu_dec_hex("00000000 02 0274 0a 00000000 0000 00 00 00", 3, r_txn_offset_commit_resp),
        MSGBUS_ERR_TRUNCATED);
    /* negative string lengths; null where not nullable */
    assert_int_equal(tu_dec_hex("fffe", 0, r_end_txn_req), MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("ffff 0000000000000001 0000 01", 0, r_end_txn_req),
                     MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("00 0000000000000001 0000 01 00", 3, r_end_txn_req),
                     MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("0001 78 0001 67 0000000000000001 0000 00000001 fffe 00000000", 0,
                                r_txn_offset_commit_req),
                     MSGBUS_ERR_MALFORMED);
    /* a string longer than the input */
    assert_int_equal(tu_dec_hex("7fff 78", 0, r_add_offsets_to_txn_req), MSGBUS_ERR_TRUNCATED);
    /* trailing bytes; flexible body without its tag section */
    assert_int_equal(tu_dec_hex("00000000 0000 00", 2, r_end_txn_resp), MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("00000000 0000", 3, r_end_txn_resp), MSGBUS_ERR_TRUNCATED);
}

static void test_tags_and_bools(void **state)
{
    mb_end_txn_req *req = (mb_end_txn_req *)tu_out;
    (void)state;
    /* unknown tags are skipped, in the body and inside array elements */
    assert_int_equal(tu_dec_hex("00000000 0000 02 05 02 abcd 09 00", 3, r_add_offsets_to_txn_resp),
                     0);
    assert_int_equal(tu_dec_hex("00000000 02 0274 02 00000001 0000 01 0001 ff 00 00", 3,
                                r_add_partitions_to_txn_resp),
                     0);
    /* tags out of order are malformed */
    assert_int_equal(tu_dec_hex("00000000 0000 02 09 00 05 00", 3, r_end_txn_resp),
                     MSGBUS_ERR_MALFORMED);
    /* any non-zero committed byte is commit, and encodes back as 1 */
    assert_int_equal(tu_dec_hex("0001 78 0000000000000001 0000 7f", 1, r_end_txn_req), 0);
    assert_int_equal(req->committed, 1);
}

static void test_arena_too_small(void **state)
{
    uint8_t buf[1024];
    uint64_t small[2];
    mb_arena a;
    mb_rd r;
    mb_wr w;
    mb_txn_offset_commit_req m;
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_txn_offset_commit_req_write(&w, 3, &toc_req), 0);
    mb_arena_init(&a, small, sizeof small);
    mb_rd_init(&r, buf, w.len);
    assert_int_equal(mb_txn_offset_commit_req_read(&r, 3, &a, &m), MSGBUS_ERR_NO_ROOM);
}

/* ------------------------------------------------------------------------ */
/* Versions and bad arguments                                                */
/* ------------------------------------------------------------------------ */

typedef struct any_ops {
    int16_t key;
    tu_wr_fn wf;
    tu_rd_fn rf;
    const void *sample;
} any_ops;

static void test_unsupported_versions(void **state)
{
    static const any_ops all[] = {
        {MB_API_ADD_PARTITIONS_TO_TXN, w_add_partitions_to_txn_req, r_add_partitions_to_txn_req,
         &apt_req},
        {MB_API_ADD_PARTITIONS_TO_TXN, w_add_partitions_to_txn_resp, r_add_partitions_to_txn_resp,
         &apt_resp},
        {MB_API_ADD_OFFSETS_TO_TXN, w_add_offsets_to_txn_req, r_add_offsets_to_txn_req, &aot_req},
        {MB_API_ADD_OFFSETS_TO_TXN, w_add_offsets_to_txn_resp, r_add_offsets_to_txn_resp,
         &aot_resp},
        {MB_API_END_TXN, w_end_txn_req, r_end_txn_req, &end_commit},
        {MB_API_END_TXN, w_end_txn_resp, r_end_txn_resp, &end_resp},
        {MB_API_TXN_OFFSET_COMMIT, w_txn_offset_commit_req, r_txn_offset_commit_req, &toc_req},
        {MB_API_TXN_OFFSET_COMMIT, w_txn_offset_commit_resp, r_txn_offset_commit_resp, &toc_resp},
    };
    static const int16_t bad[] = {-1, 4, 5, 0x7fff};
    size_t i, k;
    (void)state;
    for (i = 0; i < sizeof all / sizeof all[0]; i++) {
        for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            uint8_t buf[256] = {0};
            struct tu_dec_ctx c = {bad[k], all[i].rf};
            mb_wr w;
            mb_wr_init(&w, buf, sizeof buf);
            assert_int_equal(all[i].wf(&w, bad[k], all[i].sample), MSGBUS_ERR_UNSUPPORTED_VERSION);
            assert_int_equal(w.len, 0);
            assert_int_equal(tu_dec_any(buf, sizeof buf, &c), MSGBUS_ERR_UNSUPPORTED_VERSION);
        }
    }
}

static void test_write_bad_args(void **state)
{
    uint8_t buf[1024];
    mb_wr w;
    mb_add_partitions_to_txn_req apt = apt_req;
    mb_txn_topic t = {{"t", 1}, NULL, 2};
    mb_end_txn_req end = end_commit;
    mb_txn_offset_commit_req toc = toc_req;
    mb_add_partitions_to_txn_resp resp = apt_resp;
    (void)state;
    /* a null non-nullable string */
    end.transactional_id = MB_STR_NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_end_txn_req_write(&w, 3, &end), MSGBUS_ERR_INVALID_ARG);
    toc.member_id = MB_STR_NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_txn_offset_commit_req_write(&w, 3, &toc), MSGBUS_ERR_INVALID_ARG);
    mb_wr_init(&w, buf, sizeof buf); /* absent below v3: not looked at */
    assert_int_equal(mb_txn_offset_commit_req_write(&w, 2, &toc), 0);
    /* negative counts, and counts without their elements */
    apt.n_topics = -1;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_add_partitions_to_txn_req_write(&w, 0, &apt), MSGBUS_ERR_INVALID_ARG);
    apt.topics = &t;
    apt.n_topics = 1;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_add_partitions_to_txn_req_write(&w, 3, &apt), MSGBUS_ERR_INVALID_ARG);
    resp.results = NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_add_partitions_to_txn_resp_write(&w, 1, &resp), MSGBUS_ERR_INVALID_ARG);
    /* no room: the error sticks, nothing is written past the end */
    mb_wr_init(&w, buf, 10);
    assert_int_equal(mb_txn_offset_commit_req_write(&w, 3, &toc_req), MSGBUS_ERR_NO_ROOM);
    assert_true(w.len <= 10);
}

/* ------------------------------------------------------------------------ */
/* Real peer: librdkafka 2.0.2's transactional producer (captured frames)    */
/* ------------------------------------------------------------------------ */

typedef struct peer_vec {
    const char *file;
    int16_t key, version;
    int is_req;
    tu_wr_fn wf;
    tu_rd_fn rf;
} peer_vec;

/* The producer id the mock assigned in that capture (from the InitProducerId
 * response, which comes first; every later request carries it). */
static int64_t peer_pid = -1;

static void peer_decode(const peer_vec *v, const uint8_t *buf, size_t len, mb_req_hdr *h,
                        int32_t *corr)
{
    mb_rd r;
    mb_arena a;
    mb_rd_init(&r, buf, len);
    mb_arena_init(&a, tu_arena_store, sizeof tu_arena_store);
    if (v->is_req) {
        assert_int_equal(mb_req_hdr_read(&r, mb_api_req_hdr_version(v->key, v->version), h), 0);
        assert_int_equal(h->api_key, v->key);
        assert_int_equal(h->api_version, v->version);
        tu_assert_str(h->client_id, "rdk-txn");
    } else {
        assert_int_equal(mb_resp_hdr_read(&r, mb_api_resp_hdr_version(v->key, v->version), corr),
                         0);
    }
    assert_int_equal(v->rf(&r, v->version, &a, tu_out), 0);
}

/* Re-encode header and body: the peer's very bytes. */
static void peer_reencode(const peer_vec *v, const uint8_t *buf, size_t len, const mb_req_hdr *h,
                          int32_t corr)
{
    static uint8_t out[1024];
    mb_wr w;
    mb_wr_init(&w, out, sizeof out);
    if (v->is_req)
        mb_req_hdr_write(&w, mb_api_req_hdr_version(v->key, v->version), h);
    else
        mb_resp_hdr_write(&w, mb_api_resp_hdr_version(v->key, v->version), corr);
    assert_int_equal(v->wf(&w, v->version, tu_out), 0);
    tu_assert_bytes(out, w.len, buf, len);
}

static void peer_check(const peer_vec *v)
{
    const void *m = tu_out;
    if (v->key == MB_API_INIT_PRODUCER_ID && v->is_req) {
        const mb_init_producer_id_req *q = m;
        tu_assert_str(q->transactional_id, "txn-peer");
        assert_int_equal(q->transaction_timeout_ms, 60000);
        assert_true(q->producer_id == -1 && q->producer_epoch == -1); /* v3+ fields, unset */
    } else if (v->key == MB_API_INIT_PRODUCER_ID) {
        const mb_init_producer_id_resp *q = m;
        assert_int_equal(q->error_code, 0);
        assert_true(q->producer_id > 0 && q->producer_epoch == 0);
        peer_pid = q->producer_id;
    } else if (v->key == MB_API_ADD_PARTITIONS_TO_TXN && v->is_req) {
        const mb_add_partitions_to_txn_req *q = m;
        tu_assert_str(q->transactional_id, "txn-peer");
        assert_true(q->producer_id == peer_pid && q->producer_epoch == 0);
        assert_int_equal(q->n_topics, 1);
        tu_assert_str(q->topics[0].name, "peer-txn");
        assert_int_equal(q->topics[0].n_partitions, 2);
        assert_int_equal(q->topics[0].partitions[0], 0);
        assert_int_equal(q->topics[0].partitions[1], 1);
    } else if (v->key == MB_API_ADD_PARTITIONS_TO_TXN) {
        const mb_add_partitions_to_txn_resp *q = m;
        assert_int_equal(q->n_results, 1);
        tu_assert_str(q->results[0].name, "peer-txn");
        assert_int_equal(q->results[0].n_partitions, 2);
        assert_int_equal(q->results[0].partitions[1].partition_index, 1);
        assert_int_equal(q->results[0].partitions[1].error_code, 0);
    } else if (v->key == MB_API_ADD_OFFSETS_TO_TXN && v->is_req) {
        const mb_add_offsets_to_txn_req *q = m;
        tu_assert_str(q->transactional_id, "txn-peer");
        assert_true(q->producer_id == peer_pid);
        tu_assert_str(q->group_id, "grp-txn");
    } else if (v->key == MB_API_END_TXN && v->is_req) {
        const mb_end_txn_req *q = m;
        tu_assert_str(q->transactional_id, "txn-peer");
        assert_true(q->producer_id == peer_pid && q->producer_epoch == 0);
        assert_int_equal(q->committed, 1);
    } else if (v->key == MB_API_TXN_OFFSET_COMMIT && v->is_req) {
        const mb_txn_offset_commit_req *q = m;
        tu_assert_str(q->transactional_id, "txn-peer");
        tu_assert_str(q->group_id, "grp-txn");
        assert_true(q->producer_id == peer_pid);
        assert_int_equal(q->n_topics, 1);
        tu_assert_str(q->topics[0].name, "peer-txn-in");
        assert_int_equal(q->topics[0].n_partitions, 1);
        assert_true(q->topics[0].partitions[0].committed_offset == 42);
        assert_int_equal(q->topics[0].partitions[0].committed_leader_epoch, -1);
        tu_assert_str(q->topics[0].partitions[0].committed_metadata, "");
    } else if (v->key == MB_API_TXN_OFFSET_COMMIT) {
        const mb_txn_offset_commit_resp *q = m;
        assert_int_equal(q->n_topics, 1);
        assert_int_equal(q->topics[0].n_partitions, 1);
        assert_int_equal(q->topics[0].partitions[0].error_code, 0);
    } else {                          /* AddOffsetsToTxn and EndTxn responses */
        const mb_end_txn_resp *q = m; /* both are { throttle, error } */
        assert_int_equal(q->error_code, 0);
    }
}

static int peer_dec_cb(const uint8_t *buf, size_t len, void *ctx)
{
    const peer_vec *v = ctx;
    mb_rd r;
    mb_arena a;
    mb_req_hdr h;
    int32_t corr;
    int rc;
    mb_rd_init(&r, buf, len);
    mb_arena_init(&a, tu_arena_store, sizeof tu_arena_store);
    rc = v->is_req ? mb_req_hdr_read(&r, mb_api_req_hdr_version(v->key, v->version), &h)
                   : mb_resp_hdr_read(&r, mb_api_resp_hdr_version(v->key, v->version), &corr);
    return rc ? rc : v->rf(&r, v->version, &a, tu_out);
}

static void test_peer_rdkafka(void **state)
{
    static const peer_vec vecs[] = {
        {"peer_rdkafka_init_producer_id_v4_req.hex", 22, 4, 1, w_init_producer_id_req,
         r_init_producer_id_req},
        {"peer_rdkafka_init_producer_id_v4_resp.hex", 22, 4, 0, w_init_producer_id_resp,
         r_init_producer_id_resp},
        {"peer_rdkafka_add_partitions_to_txn_v0_req.hex", 24, 0, 1, w_add_partitions_to_txn_req,
         r_add_partitions_to_txn_req},
        {"peer_rdkafka_add_partitions_to_txn_v0_resp.hex", 24, 0, 0, w_add_partitions_to_txn_resp,
         r_add_partitions_to_txn_resp},
        {"peer_rdkafka_add_offsets_to_txn_v0_req.hex", 25, 0, 1, w_add_offsets_to_txn_req,
         r_add_offsets_to_txn_req},
        {"peer_rdkafka_add_offsets_to_txn_v0_resp.hex", 25, 0, 0, w_add_offsets_to_txn_resp,
         r_add_offsets_to_txn_resp},
        {"peer_rdkafka_end_txn_v1_req.hex", 26, 1, 1, w_end_txn_req, r_end_txn_req},
        {"peer_rdkafka_end_txn_v1_resp.hex", 26, 1, 0, w_end_txn_resp, r_end_txn_resp},
        {"peer_rdkafka_txn_offset_commit_v2_req.hex", 28, 2, 1, w_txn_offset_commit_req,
         r_txn_offset_commit_req},
        {"peer_rdkafka_txn_offset_commit_v2_resp.hex", 28, 2, 0, w_txn_offset_commit_resp,
         r_txn_offset_commit_resp},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
        size_t len;
        uint8_t *buf = tu_load_vector(vecs[i].file, &len);
        mb_req_hdr h;
        int32_t corr = 0;
        print_message("%s\n", vecs[i].file);
        peer_decode(&vecs[i], buf, len, &h, &corr);
        peer_check(&vecs[i]);
        peer_reencode(&vecs[i], buf, len, &h, corr);
        tu_check_truncations(buf, len, peer_dec_cb, (void *)(uintptr_t)&vecs[i]);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all_versions),
        cmocka_unit_test(test_v3_vectors),
        cmocka_unit_test(test_classic_layouts),
        cmocka_unit_test(test_hostile_counts_and_lengths),
        cmocka_unit_test(test_tags_and_bools),
        cmocka_unit_test(test_arena_too_small),
        cmocka_unit_test(test_unsupported_versions),
        cmocka_unit_test(test_write_bad_args),
        cmocka_unit_test(test_peer_rdkafka),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
