/* test_offsets.c - OffsetCommit (v2-v8) and OffsetFetch (v1-v6) bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/offsets.h"
#include "testutil.h"

/* ------------------------------------------------------------------------ */
/* A uniform view of the four messages                                       */
/* ------------------------------------------------------------------------ */

typedef struct msg_ops {
    int16_t key;
    int (*wr)(mb_wr *w, int16_t v, const void *m);
    int (*rd)(mb_rd *r, int16_t v, mb_arena *a, void *m);
    void (*chk)(int16_t v, const void *got, const void *want);
} msg_ops;

static int oc_req_wr(mb_wr *w, int16_t v, const void *m)
{
    return mb_offset_commit_req_write(w, v, m);
}
static int oc_req_rd(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_offset_commit_req_read(r, v, a, m);
}
static int oc_resp_wr(mb_wr *w, int16_t v, const void *m)
{
    return mb_offset_commit_resp_write(w, v, m);
}
static int oc_resp_rd(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_offset_commit_resp_read(r, v, a, m);
}
static int of_req_wr(mb_wr *w, int16_t v, const void *m)
{
    return mb_offset_fetch_req_write(w, v, m);
}
static int of_req_rd(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_offset_fetch_req_read(r, v, a, m);
}
static int of_resp_wr(mb_wr *w, int16_t v, const void *m)
{
    return mb_offset_fetch_resp_write(w, v, m);
}
static int of_resp_rd(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_offset_fetch_resp_read(r, v, a, m);
}

static void assert_str(mb_str got, mb_str want)
{
    if (!mb_str_eq(got, want))
        fail_msg("string differs: got %.*s (%d) want %.*s (%d)", got.len > 0 ? (int)got.len : 0,
                 got.ptr ? got.ptr : "", (int)got.len, want.len > 0 ? (int)want.len : 0,
                 want.ptr ? want.ptr : "", (int)want.len);
}

/* ------------------------------------------------------------------------ */
/* Field-by-field comparison (absent fields must hold the schema default)    */
/* ------------------------------------------------------------------------ */

static void chk_oc_req(int16_t v, const void *g, const void *x)
{
    const mb_offset_commit_req *got = g, *want = x;
    int32_t i, j;
    assert_str(got->group_id, want->group_id);
    assert_int_equal(got->generation_id_or_member_epoch, want->generation_id_or_member_epoch);
    assert_str(got->member_id, want->member_id);
    assert_str(got->group_instance_id, v >= 7 ? want->group_instance_id : MB_STR_NULL);
    assert_true(got->retention_time_ms == (v <= 4 ? want->retention_time_ms : -1));
    assert_int_equal(got->n_topics, want->n_topics);
    for (i = 0; i < want->n_topics; i++) {
        const mb_offset_commit_req_topic *gt = &got->topics[i], *wt = &want->topics[i];
        assert_str(gt->name, wt->name);
        assert_int_equal(gt->n_partitions, wt->n_partitions);
        for (j = 0; j < wt->n_partitions; j++) {
            const mb_offset_commit_req_partition *gp = &gt->partitions[j];
            const mb_offset_commit_req_partition *wp = &wt->partitions[j];
            assert_int_equal(gp->partition_index, wp->partition_index);
            assert_true(gp->committed_offset == wp->committed_offset);
            assert_int_equal(gp->committed_leader_epoch, v >= 6 ? wp->committed_leader_epoch : -1);
            assert_str(gp->committed_metadata, wp->committed_metadata);
        }
    }
}

static void chk_oc_resp(int16_t v, const void *g, const void *x)
{
    const mb_offset_commit_resp *got = g, *want = x;
    int32_t i, j;
    assert_int_equal(got->throttle_time_ms, v >= 3 ? want->throttle_time_ms : 0);
    assert_int_equal(got->n_topics, want->n_topics);
    for (i = 0; i < want->n_topics; i++) {
        const mb_offset_commit_resp_topic *gt = &got->topics[i], *wt = &want->topics[i];
        assert_str(gt->name, wt->name);
        assert_int_equal(gt->n_partitions, wt->n_partitions);
        for (j = 0; j < wt->n_partitions; j++) {
            assert_int_equal(gt->partitions[j].partition_index, wt->partitions[j].partition_index);
            assert_int_equal(gt->partitions[j].error_code, wt->partitions[j].error_code);
        }
    }
}

static void chk_of_req(int16_t v, const void *g, const void *x)
{
    const mb_offset_fetch_req *got = g, *want = x;
    int32_t i, j;
    (void)v;
    assert_str(got->group_id, want->group_id);
    assert_int_equal(got->n_topics, want->n_topics);
    if (want->n_topics < 0)
        assert_null(got->topics);
    for (i = 0; i < want->n_topics; i++) {
        const mb_offset_fetch_req_topic *gt = &got->topics[i], *wt = &want->topics[i];
        assert_str(gt->name, wt->name);
        assert_int_equal(gt->n_partition_indexes, wt->n_partition_indexes);
        for (j = 0; j < wt->n_partition_indexes; j++)
            assert_int_equal(gt->partition_indexes[j], wt->partition_indexes[j]);
    }
}

static void chk_of_resp(int16_t v, const void *g, const void *x)
{
    const mb_offset_fetch_resp *got = g, *want = x;
    int32_t i, j;
    assert_int_equal(got->throttle_time_ms, v >= 3 ? want->throttle_time_ms : 0);
    assert_int_equal(got->error_code, v >= 2 ? want->error_code : 0);
    assert_int_equal(got->n_topics, want->n_topics);
    for (i = 0; i < want->n_topics; i++) {
        const mb_offset_fetch_resp_topic *gt = &got->topics[i], *wt = &want->topics[i];
        assert_str(gt->name, wt->name);
        assert_int_equal(gt->n_partitions, wt->n_partitions);
        for (j = 0; j < wt->n_partitions; j++) {
            const mb_offset_fetch_resp_partition *gp = &gt->partitions[j];
            const mb_offset_fetch_resp_partition *wp = &wt->partitions[j];
            assert_int_equal(gp->partition_index, wp->partition_index);
            assert_true(gp->committed_offset == wp->committed_offset);
            assert_int_equal(gp->committed_leader_epoch, v >= 5 ? wp->committed_leader_epoch : -1);
            assert_str(gp->metadata, wp->metadata);
            assert_int_equal(gp->error_code, wp->error_code);
        }
    }
}

static const msg_ops OC_REQ = {MB_API_OFFSET_COMMIT, oc_req_wr, oc_req_rd, chk_oc_req};
static const msg_ops OC_RESP = {MB_API_OFFSET_COMMIT, oc_resp_wr, oc_resp_rd, chk_oc_resp};
static const msg_ops OF_REQ = {MB_API_OFFSET_FETCH, of_req_wr, of_req_rd, chk_of_req};
static const msg_ops OF_RESP = {MB_API_OFFSET_FETCH, of_resp_wr, of_resp_rd, chk_of_resp};

/* ------------------------------------------------------------------------ */
/* Harness                                                                   */
/* ------------------------------------------------------------------------ */

typedef union any_msg {
    mb_offset_commit_req ocq;
    mb_offset_commit_resp ocr;
    mb_offset_fetch_req ofq;
    mb_offset_fetch_resp ofr;
} any_msg;

typedef struct dec_ctx {
    const msg_ops *ops;
    int16_t version;
} dec_ctx;

static uint64_t arena_store[2048];

static int decode_cb(const uint8_t *buf, size_t len, void *ctx)
{
    const dec_ctx *c = ctx;
    mb_arena a;
    mb_rd r;
    any_msg m;
    mb_arena_init(&a, arena_store, sizeof arena_store);
    mb_rd_init(&r, buf, len);
    return c->ops->rd(&r, c->version, &a, &m);
}

/* Encode @p want at @p v; returns the byte count in @p out. */
static size_t encode(const msg_ops *ops, int16_t v, const void *want, uint8_t *out, size_t cap)
{
    mb_wr w, sz;
    mb_wr_init(&w, out, cap);
    assert_int_equal(ops->wr(&w, v, want), 0);
    mb_wr_init(&sz, NULL, 0);
    assert_int_equal(ops->wr(&sz, v, want), 0);
    assert_int_equal(sz.len, w.len); /* the sizing pass agrees */
    return w.len;
}

/* Decode @p buf at @p v into @p m (arrays in @p a) and compare with @p want;
 * then encode the decoded message and require the very same bytes. */
static void decode_check(const msg_ops *ops, int16_t v, const uint8_t *buf, size_t len,
                         const void *want)
{
    static uint64_t store[2048];
    uint8_t again[2048];
    mb_arena a;
    mb_rd r;
    any_msg m;
    size_t n;
    mb_arena_init(&a, store, sizeof store);
    mb_rd_init(&r, buf, len);
    assert_int_equal(ops->rd(&r, v, &a, &m), 0);
    ops->chk(v, &m, want);
    n = encode(ops, v, &m, again, sizeof again);
    tu_assert_bytes(again, n, buf, len);
}

static void roundtrip(const msg_ops *ops, int16_t v, const void *want)
{
    uint8_t buf[2048];
    size_t n = encode(ops, v, want, buf, sizeof buf);
    dec_ctx c = {ops, v};
    decode_check(ops, v, buf, n, want);
    tu_check_truncations(buf, n, decode_cb, &c);
}

static void roundtrip_all(const msg_ops *ops, const void *want)
{
    const mb_api_info *info = mb_api_lookup(ops->key);
    int16_t v;
    assert_non_null(info);
    for (v = info->min_version; v <= info->max_version; v++)
        roundtrip(ops, v, want);
}

static void vector_check(const msg_ops *ops, int16_t v, const char *file, const void *want)
{
    size_t len;
    uint8_t *buf = tu_load_vector(file, &len);
    uint8_t out[2048];
    size_t n;
    dec_ctx c = {ops, v};
    decode_check(ops, v, buf, len, want);
    n = encode(ops, v, want, out, sizeof out);
    tu_assert_bytes(out, n, buf, len);
    tu_check_truncations(buf, len, decode_cb, &c);
    free(buf);
}

/* Decode hex at @p v and return the result code. */
static int decode_hex(const msg_ops *ops, int16_t v, const char *hex)
{
    uint8_t buf[512];
    size_t n = tu_hex(hex, buf, sizeof buf);
    dec_ctx c = {ops, v};
    return decode_cb(buf, n, &c);
}

/* ------------------------------------------------------------------------ */
/* Sample messages                                                           */
/* ------------------------------------------------------------------------ */

static mb_offset_commit_req_partition oc_parts[] = {
    {0, 100, 5, {"md", 2}},
    {3, 0x0102030405060708, -1, {NULL, -1}},
};
static mb_offset_commit_req_partition oc_parts2[] = {
    {-7, -1, 0x7fffffff, {"", 0}},
};
static mb_offset_commit_req_topic oc_topics[] = {
    {{"t", 1}, oc_parts, 2},
    {{"another-topic", 13}, oc_parts2, 1},
    {{"empty", 5}, NULL, 0},
};
static const mb_offset_commit_req oc_req_sample = {{"grp", 3}, 7,         {"m-1", 3}, {"i1", 2},
                                                   86400000,   oc_topics, 3};

static mb_offset_commit_resp_partition ocr_parts[] = {{0, 0}, {3, 25}};
static mb_offset_commit_resp_partition ocr_parts2[] = {{-1, -32768}};
static mb_offset_commit_resp_topic ocr_topics[] = {
    {{"t", 1}, ocr_parts, 2},
    {{"u", 1}, ocr_parts2, 1},
};
static const mb_offset_commit_resp oc_resp_sample = {100, ocr_topics, 2};

static int32_t of_idx[] = {0, 1, 7};
static int32_t of_idx2[] = {-1};
static mb_offset_fetch_req_topic of_topics[] = {
    {{"t", 1}, of_idx, 3},
    {{"second", 6}, of_idx2, 1},
    {{"none", 4}, NULL, 0},
};
static const mb_offset_fetch_req of_req_sample = {{"grp", 3}, of_topics, 3};

static mb_offset_fetch_resp_partition ofr_parts[] = {
    {0, 100, 5, {"md", 2}, 0},
    {1, -1, -1, {"", 0}, 0},
    {2, 0x7fffffffffffffff, 9, {NULL, -1}, 3},
};
static mb_offset_fetch_resp_topic ofr_topics[] = {
    {{"t", 1}, ofr_parts, 3},
    {{"x", 1}, NULL, 0},
};
static const mb_offset_fetch_resp of_resp_sample = {250, ofr_topics, 2, 14};

/* ------------------------------------------------------------------------ */
/* Round trips at every version                                              */
/* ------------------------------------------------------------------------ */

static void test_offset_commit_req_roundtrip(void **state)
{
    mb_offset_commit_req empty = {{"g", 1}, -1, {"", 0}, {NULL, -1}, -1, NULL, 0};
    (void)state;
    roundtrip_all(&OC_REQ, &oc_req_sample);
    roundtrip_all(&OC_REQ, &empty);
}

static void test_offset_commit_resp_roundtrip(void **state)
{
    mb_offset_commit_resp empty = {0, NULL, 0};
    (void)state;
    roundtrip_all(&OC_RESP, &oc_resp_sample);
    roundtrip_all(&OC_RESP, &empty);
}

static void test_offset_fetch_req_roundtrip(void **state)
{
    mb_offset_fetch_req all = {{"grp", 3}, NULL, -1};
    int16_t v;
    (void)state;
    roundtrip_all(&OF_REQ, &of_req_sample);
    for (v = 2; v <= 6; v++)
        roundtrip(&OF_REQ, v, &all); /* null topics: every topic, v2+ */
}

static void test_offset_fetch_resp_roundtrip(void **state)
{
    mb_offset_fetch_resp empty = {0, NULL, 0, 0};
    (void)state;
    roundtrip_all(&OF_RESP, &of_resp_sample);
    roundtrip_all(&OF_RESP, &empty);
}

/* ------------------------------------------------------------------------ */
/* Schema-derived vectors (flexible versions)                                */
/* ------------------------------------------------------------------------ */

static void test_offset_commit_v8_vectors(void **state)
{
    mb_offset_commit_req req = {{"grp", 3}, 7, {"m-1", 3}, {"i1", 2}, -1, oc_topics, 1};
    mb_offset_commit_resp resp = {100, ocr_topics, 1};
    (void)state;
    vector_check(&OC_REQ, 8, "schema_offset_commit_v8_req.hex", &req);
    vector_check(&OC_RESP, 8, "schema_offset_commit_v8_resp.hex", &resp);
}

static void test_offset_fetch_v6_vectors(void **state)
{
    mb_offset_fetch_req req = {{"grp", 3}, of_topics, 1};
    mb_offset_fetch_resp resp = {0, ofr_topics, 1, 14};
    mb_offset_fetch_resp_partition parts[2];
    mb_offset_fetch_resp_topic topic = {{"t", 1}, parts, 2};
    (void)state;
    memcpy(parts, ofr_parts, sizeof parts);
    resp.topics = &topic;
    vector_check(&OF_REQ, 6, "schema_offset_fetch_v6_req.hex", &req);
    vector_check(&OF_RESP, 6, "schema_offset_fetch_v6_resp.hex", &resp);
}

/* Classic versions, written out by hand from the schemas (field order). */
static void test_classic_layouts(void **state)
{
    mb_offset_commit_req_topic t = {{"t", 1}, oc_parts, 1};
    mb_offset_commit_req r2 = {{"grp", 3}, 7, {"m-1", 3}, {NULL, -1}, 86400000, &t, 1};
    mb_offset_commit_req r7 = {{"grp", 3}, 7, {"m-1", 3}, {"i1", 2}, -1, &t, 1};
    mb_offset_fetch_resp_topic ft = {{"t", 1}, ofr_parts, 1};
    mb_offset_fetch_resp f1 = {0, &ft, 1, 0}, f5 = {3, &ft, 1, 14};
    uint8_t want[256];
    size_t n;
    (void)state;
    n = tu_hex("0003677270 00000007 00036d2d31 0000000005265c00" /* retention 1 day */
               "00000001 000174 00000001 00000000 0000000000000064 00026d64",
               want, sizeof want);
    decode_check(&OC_REQ, 2, want, n, &r2);
    n = tu_hex("0003677270 00000007 00036d2d31 00026931" /* group_instance_id */
               "00000001 000174 00000001 00000000 0000000000000064 00000005 00026d64",
               want, sizeof want);
    decode_check(&OC_REQ, 7, want, n, &r7);
    n = tu_hex("00000001 000174 00000001 00000000 0000000000000064 00026d64 0000", want,
               sizeof want);
    decode_check(&OF_RESP, 1, want, n, &f1);
    n = tu_hex("00000003 00000001 000174 00000001 00000000 0000000000000064 00000005 00026d64 "
               "0000 000e",
               want, sizeof want);
    decode_check(&OF_RESP, 5, want, n, &f5);
}

static void test_unknown_tags_skipped(void **state)
{
    (void)state;
    /* OffsetFetch v6 request, null topics, body tags: tag 5 (2 bytes) and tag 9 (0 bytes) */
    assert_int_equal(decode_hex(&OF_REQ, 6, "04677270 00 02 05 02 abcd 09 00"), 0);
    /* tags out of order are malformed */
    assert_int_equal(decode_hex(&OF_REQ, 6, "04677270 00 02 09 00 05 00"), MSGBUS_ERR_MALFORMED);
    /* OffsetCommit v8 response: a tag inside a partition */
    assert_int_equal(decode_hex(&OC_RESP, 8, "00000000 02 0274 02 00000001 0000 01 0001 ff 00 00"),
                     0);
}

/* ------------------------------------------------------------------------ */
/* Hostile input and bad arguments                                           */
/* ------------------------------------------------------------------------ */

static void test_hostile_counts_and_lengths(void **state)
{
    (void)state;
    /* OffsetCommit v2 request, topics count INT32_MAX / 1000 / negative */
    assert_int_equal(decode_hex(&OC_REQ, 2, "0001 67 00000001 0000 0000000000000000 7fffffff"),
                     MSGBUS_ERR_LIMIT);
    assert_int_equal(
        decode_hex(&OC_REQ, 2, "0001 67 00000001 0000 0000000000000000 000003e8 0000 00000000"),
        MSGBUS_ERR_TRUNCATED);
    assert_int_equal(decode_hex(&OC_REQ, 2, "0001 67 00000001 0000 0000000000000000 ffffffff"),
                     MSGBUS_ERR_MALFORMED);
    /* huge compact count (v8), partitions count too large for what is left */
    assert_int_equal(decode_hex(&OC_REQ, 8, "02 67 00000001 01 00 ffffffff07"), MSGBUS_ERR_LIMIT);
    assert_int_equal(decode_hex(&OC_RESP, 8, "00000000 02 0274 0a 00000000 0000 00 00 00"),
                     MSGBUS_ERR_TRUNCATED);
    /* negative string lengths / null where not nullable */
    assert_int_equal(decode_hex(&OC_REQ, 2, "fffe"), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_hex(&OC_REQ, 2, "ffff 00000001 0000 0000000000000000 00000000"),
                     MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_hex(&OC_RESP, 8, "00000000 02 00 01 00 00"), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_hex(&OF_RESP, 1,
                                "00000001 0001 74 00000001 00000000 "
                                "0000000000000000 fffe 0000"),
                     MSGBUS_ERR_MALFORMED);
    /* null topics: malformed at v1, "all topics" from v2; null partitions never allowed */
    assert_int_equal(decode_hex(&OF_REQ, 1, "0001 67 ffffffff"), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_hex(&OF_REQ, 2, "0001 67 ffffffff"), 0);
    assert_int_equal(decode_hex(&OF_REQ, 6, "02 67 02 0274 00 00 00"), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_hex(&OF_RESP, 6, "00000000 00 0000 00"), MSGBUS_ERR_MALFORMED);
    /* trailing bytes */
    assert_int_equal(decode_hex(&OF_REQ, 2, "0001 67 ffffffff 00"), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_hex(&OC_RESP, 2, "00000000 ff"), MSGBUS_ERR_MALFORMED);
}

static void test_arena_too_small(void **state)
{
    uint8_t buf[2048];
    uint64_t small[4];
    mb_arena a;
    mb_rd r;
    mb_offset_commit_req m;
    size_t n = encode(&OC_REQ, 8, &oc_req_sample, buf, sizeof buf);
    (void)state;
    mb_arena_init(&a, small, sizeof small);
    mb_rd_init(&r, buf, n);
    assert_int_equal(mb_offset_commit_req_read(&r, 8, &a, &m), MSGBUS_ERR_NO_ROOM);
}

static void test_unsupported_versions(void **state)
{
    static const msg_ops *const all[] = {&OC_REQ, &OC_RESP, &OF_REQ, &OF_RESP};
    static const void *const samples[] = {&oc_req_sample, &oc_resp_sample, &of_req_sample,
                                          &of_resp_sample};
    size_t i;
    (void)state;
    for (i = 0; i < 4; i++) {
        const mb_api_info *info = mb_api_lookup(all[i]->key);
        int16_t bad[2];
        int k;
        bad[0] = (int16_t)(info->min_version - 1);
        bad[1] = (int16_t)(info->max_version + 1);
        for (k = 0; k < 2; k++) {
            uint8_t buf[64] = {0};
            mb_wr w;
            dec_ctx c = {all[i], bad[k]};
            mb_wr_init(&w, buf, sizeof buf);
            assert_int_equal(all[i]->wr(&w, bad[k], samples[i]), MSGBUS_ERR_UNSUPPORTED_VERSION);
            assert_int_equal(decode_cb(buf, sizeof buf, &c), MSGBUS_ERR_UNSUPPORTED_VERSION);
        }
    }
}

static void test_write_bad_args(void **state)
{
    uint8_t buf[2048];
    mb_wr w;
    mb_offset_commit_req req = oc_req_sample;
    mb_offset_fetch_req all = {{"grp", 3}, NULL, -1};
    mb_offset_fetch_resp resp = of_resp_sample;
    (void)state;
    req.group_id = MB_STR_NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_offset_commit_req_write(&w, 8, &req), MSGBUS_ERR_INVALID_ARG);
    req = oc_req_sample;
    req.n_topics = -1;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_offset_commit_req_write(&w, 3, &req), MSGBUS_ERR_INVALID_ARG);
    req.n_topics = 2;
    req.topics = NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_offset_commit_req_write(&w, 3, &req), MSGBUS_ERR_INVALID_ARG);
    /* null topics cannot be said before v2 */
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_offset_fetch_req_write(&w, 1, &all), MSGBUS_ERR_INVALID_ARG);
    resp.n_topics = -1;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_offset_fetch_resp_write(&w, 6, &resp), MSGBUS_ERR_INVALID_ARG);
    /* output too small */
    mb_wr_init(&w, buf, 10);
    assert_int_equal(mb_offset_commit_req_write(&w, 8, &oc_req_sample), MSGBUS_ERR_NO_ROOM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offset_commit_req_roundtrip),
        cmocka_unit_test(test_offset_commit_resp_roundtrip),
        cmocka_unit_test(test_offset_fetch_req_roundtrip),
        cmocka_unit_test(test_offset_fetch_resp_roundtrip),
        cmocka_unit_test(test_offset_commit_v8_vectors),
        cmocka_unit_test(test_offset_fetch_v6_vectors),
        cmocka_unit_test(test_classic_layouts),
        cmocka_unit_test(test_unknown_tags_skipped),
        cmocka_unit_test(test_hostile_counts_and_lengths),
        cmocka_unit_test(test_arena_too_small),
        cmocka_unit_test(test_unsupported_versions),
        cmocka_unit_test(test_write_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
