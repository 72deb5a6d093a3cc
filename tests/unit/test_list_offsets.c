/* test_list_offsets.c - ListOffsets (v1-v6) bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/list_offsets.h"
#include "testutil.h"

/* ------------------------------------------------------------------------ */
/* A uniform view of the two messages                                        */
/* ------------------------------------------------------------------------ */

typedef struct msg_ops {
    int (*wr)(mb_wr *w, int16_t v, const void *m);
    int (*rd)(mb_rd *r, int16_t v, mb_arena *a, void *m);
    void (*chk)(int16_t v, const void *got, const void *want);
} msg_ops;

static int req_wr(mb_wr *w, int16_t v, const void *m)
{
    return mb_list_offsets_req_write(w, v, m);
}
static int req_rd(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_list_offsets_req_read(r, v, a, m);
}
static int resp_wr(mb_wr *w, int16_t v, const void *m)
{
    return mb_list_offsets_resp_write(w, v, m);
}
static int resp_rd(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_list_offsets_resp_read(r, v, a, m);
}

static void assert_str(mb_str got, mb_str want)
{
    if (!mb_str_eq(got, want))
        fail_msg("string differs: got %.*s (%d) want %.*s (%d)", got.len > 0 ? (int)got.len : 0,
                 got.ptr ? got.ptr : "", (int)got.len, want.len > 0 ? (int)want.len : 0,
                 want.ptr ? want.ptr : "", (int)want.len);
}

/* Field by field; fields absent at @p v must hold the schema default. */
static void chk_req(int16_t v, const void *g, const void *x)
{
    const mb_list_offsets_req *got = g, *want = x;
    int32_t i, j;
    assert_int_equal(got->replica_id, want->replica_id);
    assert_int_equal(got->isolation_level, v >= 2 ? want->isolation_level : 0);
    assert_int_equal(got->n_topics, want->n_topics);
    for (i = 0; i < want->n_topics; i++) {
        const mb_list_offsets_req_topic *gt = &got->topics[i], *wt = &want->topics[i];
        assert_str(gt->name, wt->name);
        assert_int_equal(gt->n_partitions, wt->n_partitions);
        for (j = 0; j < wt->n_partitions; j++) {
            const mb_list_offsets_req_partition *gp = &gt->partitions[j];
            const mb_list_offsets_req_partition *wp = &wt->partitions[j];
            assert_int_equal(gp->partition_index, wp->partition_index);
            assert_int_equal(gp->current_leader_epoch, v >= 4 ? wp->current_leader_epoch : -1);
            assert_true(gp->timestamp == wp->timestamp);
        }
    }
}

static void chk_resp(int16_t v, const void *g, const void *x)
{
    const mb_list_offsets_resp *got = g, *want = x;
    int32_t i, j;
    assert_int_equal(got->throttle_time_ms, v >= 2 ? want->throttle_time_ms : 0);
    assert_int_equal(got->n_topics, want->n_topics);
    for (i = 0; i < want->n_topics; i++) {
        const mb_list_offsets_resp_topic *gt = &got->topics[i], *wt = &want->topics[i];
        assert_str(gt->name, wt->name);
        assert_int_equal(gt->n_partitions, wt->n_partitions);
        for (j = 0; j < wt->n_partitions; j++) {
            const mb_list_offsets_resp_partition *gp = &gt->partitions[j];
            const mb_list_offsets_resp_partition *wp = &wt->partitions[j];
            assert_int_equal(gp->partition_index, wp->partition_index);
            assert_int_equal(gp->error_code, wp->error_code);
            assert_true(gp->timestamp == wp->timestamp);
            assert_true(gp->offset == wp->offset);
            assert_int_equal(gp->leader_epoch, v >= 4 ? wp->leader_epoch : -1);
        }
    }
}

static const msg_ops REQ = {req_wr, req_rd, chk_req};
static const msg_ops RESP = {resp_wr, resp_rd, chk_resp};

/* ------------------------------------------------------------------------ */
/* Harness                                                                   */
/* ------------------------------------------------------------------------ */

typedef union any_msg {
    mb_list_offsets_req q;
    mb_list_offsets_resp r;
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

/* Decode, compare with @p want, re-encode the decoded message: same bytes. */
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

static void roundtrip_all(const msg_ops *ops, const void *want)
{
    const mb_api_info *info = mb_api_lookup(MB_API_LIST_OFFSETS);
    int16_t v;
    assert_non_null(info);
    assert_int_equal(info->min_version, 1);
    assert_int_equal(info->max_version, 6);
    for (v = info->min_version; v <= info->max_version; v++) {
        uint8_t buf[2048];
        size_t n = encode(ops, v, want, buf, sizeof buf);
        dec_ctx c = {ops, v};
        decode_check(ops, v, buf, n, want);
        tu_check_truncations(buf, n, decode_cb, &c);
    }
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

static int decode_hex(const msg_ops *ops, int16_t v, const char *hex)
{
    uint8_t buf[512];
    size_t n = tu_hex(hex, buf, sizeof buf);
    dec_ctx c = {ops, v};
    return decode_cb(buf, n, &c);
}

/* ------------------------------------------------------------------------ */
/* Samples                                                                   */
/* ------------------------------------------------------------------------ */

static mb_list_offsets_req_partition req_parts[] = {
    {0, 5, MB_LIST_OFFSETS_EARLIEST},
    {1, -1, MB_LIST_OFFSETS_LATEST},
    {2, 77, 1700000000123},
};
static mb_list_offsets_req_topic req_topics[] = {
    {{"t", 1}, req_parts, 3},
    {{"orders", 6}, req_parts + 2, 1},
    {{"empty", 5}, NULL, 0},
};
static const mb_list_offsets_req req_sample = {-1, 1, req_topics, 3};

static mb_list_offsets_resp_partition resp_parts[] = {
    {0, 0, -1, 42, 5},
    {1, 6, -1, -1, -1},
    {2, 0, 1700000000123, 0x0123456789abcdef, 0x7fffffff},
};
static mb_list_offsets_resp_topic resp_topics[] = {
    {{"t", 1}, resp_parts, 3},
    {{"empty", 5}, NULL, 0},
};
static const mb_list_offsets_resp resp_sample = {10, resp_topics, 2};

/* ------------------------------------------------------------------------ */
/* Tests                                                                     */
/* ------------------------------------------------------------------------ */

static void test_constants(void **state)
{
    (void)state;
    assert_int_equal(MB_LIST_OFFSETS_LATEST, -1);
    assert_int_equal(MB_LIST_OFFSETS_EARLIEST, -2);
}

static void test_req_roundtrip(void **state)
{
    mb_list_offsets_req empty = {7, 0, NULL, 0};
    (void)state;
    roundtrip_all(&REQ, &req_sample);
    roundtrip_all(&REQ, &empty);
}

static void test_resp_roundtrip(void **state)
{
    mb_list_offsets_resp empty = {0, NULL, 0};
    (void)state;
    roundtrip_all(&RESP, &resp_sample);
    roundtrip_all(&RESP, &empty);
}

static void test_v6_vectors(void **state)
{
    mb_list_offsets_req_topic qt = {{"t", 1}, req_parts, 2};
    mb_list_offsets_req req = {-1, 1, &qt, 1};
    mb_list_offsets_resp_topic rt = {{"t", 1}, resp_parts, 2};
    mb_list_offsets_resp resp = {10, &rt, 1};
    (void)state;
    vector_check(&REQ, 6, "schema_list_offsets_v6_req.hex", &req);
    vector_check(&RESP, 6, "schema_list_offsets_v6_resp.hex", &resp);
}

/* Classic versions written out by hand from the schemas (field order). */
static void test_classic_layouts(void **state)
{
    mb_list_offsets_req_topic qt = {{"t", 1}, req_parts, 1};
    mb_list_offsets_req q1 = {-1, 0, &qt, 1}, q4 = {-1, 1, &qt, 1};
    mb_list_offsets_resp_topic rt = {{"t", 1}, resp_parts, 1};
    mb_list_offsets_resp r1 = {0, &rt, 1}, r4 = {10, &rt, 1};
    uint8_t want[256];
    size_t n;
    (void)state;
    n = tu_hex("ffffffff 00000001 000174 00000001 00000000 fffffffffffffffe", want, sizeof want);
    decode_check(&REQ, 1, want, n, &q1);
    n = tu_hex("ffffffff 01 00000001 000174 00000001 00000000 00000005 fffffffffffffffe", want,
               sizeof want);
    decode_check(&REQ, 4, want, n, &q4);
    n = tu_hex("00000001 000174 00000001 00000000 0000 ffffffffffffffff 000000000000002a", want,
               sizeof want);
    decode_check(&RESP, 1, want, n, &r1);
    n = tu_hex("0000000a 00000001 000174 00000001 00000000 0000 ffffffffffffffff "
               "000000000000002a 00000005",
               want, sizeof want);
    decode_check(&RESP, 4, want, n, &r4);
}

static void test_unknown_tags_skipped(void **state)
{
    (void)state;
    /* v6 request, no topics, body tags: tag 0 (3 bytes), tag 2 (0 bytes) */
    assert_int_equal(decode_hex(&REQ, 6, "ffffffff 00 01 02 00 03 aabbcc 02 00"), 0);
    /* a tag in a partition and in a topic */
    assert_int_equal(decode_hex(&REQ, 6,
                                "ffffffff 00 02 0274 02 00000000 ffffffff "
                                "ffffffffffffffff 01 07 01 00 01 03 00 00"),
                     0);
    /* a tag whose size runs past the end */
    assert_int_equal(decode_hex(&REQ, 6, "ffffffff 00 01 01 00 09 aa"), MSGBUS_ERR_TRUNCATED);
}

static void test_hostile(void **state)
{
    (void)state;
    /* topic counts: above the cap, beyond the input, negative (null) */
    assert_int_equal(decode_hex(&REQ, 1, "ffffffff 7fffffff"), MSGBUS_ERR_LIMIT);
    assert_int_equal(decode_hex(&REQ, 1, "ffffffff 00000010 000174 00000000"),
                     MSGBUS_ERR_TRUNCATED);
    assert_int_equal(decode_hex(&REQ, 1, "ffffffff ffffffff"), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_hex(&RESP, 6, "00000000 00 00"), MSGBUS_ERR_MALFORMED);
    /* partitions: 2 of 28 bytes each promised, 28 bytes present */
    assert_int_equal(decode_hex(&RESP, 5,
                                "00000000 00000001 000174 00000002 "
                                "00000000 0000 0000000000000000 0000000000000000 "
                                "00000000"),
                     MSGBUS_ERR_TRUNCATED);
    /* topic name: negative length, null (classic and compact) */
    assert_int_equal(decode_hex(&REQ, 2, "ffffffff 00 00000001 fff0 00000000"),
                     MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_hex(&REQ, 2, "ffffffff 00 00000001 ffff 00000000"),
                     MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_hex(&RESP, 6, "00000000 02 00 01 00 00"), MSGBUS_ERR_MALFORMED);
    /* string length beyond the input */
    assert_int_equal(decode_hex(&REQ, 6, "ffffffff 00 02 7f 74"), MSGBUS_ERR_TRUNCATED);
    /* trailing byte */
    assert_int_equal(decode_hex(&REQ, 1, "ffffffff 00000000 00"), MSGBUS_ERR_MALFORMED);
}

static void test_arena_too_small(void **state)
{
    uint8_t buf[2048];
    uint64_t small[6];
    mb_arena a;
    mb_rd r;
    mb_list_offsets_resp m;
    size_t n = encode(&RESP, 6, &resp_sample, buf, sizeof buf);
    (void)state;
    mb_arena_init(&a, small, sizeof small);
    mb_rd_init(&r, buf, n);
    assert_int_equal(mb_list_offsets_resp_read(&r, 6, &a, &m), MSGBUS_ERR_NO_ROOM);
}

static void test_unsupported_versions(void **state)
{
    static const int16_t bad[] = {0, 7, -1, 100};
    uint8_t buf[64] = {0};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mb_wr w;
        dec_ctx cq = {&REQ, bad[i]}, cr = {&RESP, bad[i]};
        mb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(mb_list_offsets_req_write(&w, bad[i], &req_sample),
                         MSGBUS_ERR_UNSUPPORTED_VERSION);
        mb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(mb_list_offsets_resp_write(&w, bad[i], &resp_sample),
                         MSGBUS_ERR_UNSUPPORTED_VERSION);
        assert_int_equal(decode_cb(buf, sizeof buf, &cq), MSGBUS_ERR_UNSUPPORTED_VERSION);
        assert_int_equal(decode_cb(buf, sizeof buf, &cr), MSGBUS_ERR_UNSUPPORTED_VERSION);
    }
}

static void test_write_bad_args(void **state)
{
    uint8_t buf[2048];
    mb_wr w;
    mb_list_offsets_req req = req_sample;
    mb_list_offsets_resp resp = resp_sample;
    mb_list_offsets_req_topic t = {{NULL, -1}, req_parts, 1};
    (void)state;
    req.n_topics = -1;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_list_offsets_req_write(&w, 6, &req), MSGBUS_ERR_INVALID_ARG);
    req.topics = &t; /* null topic name */
    req.n_topics = 1;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_list_offsets_req_write(&w, 1, &req), MSGBUS_ERR_INVALID_ARG);
    resp.topics = NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_list_offsets_resp_write(&w, 3, &resp), MSGBUS_ERR_INVALID_ARG);
    mb_wr_init(&w, buf, 12);
    assert_int_equal(mb_list_offsets_resp_write(&w, 6, &resp_sample), MSGBUS_ERR_NO_ROOM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_req_roundtrip),
        cmocka_unit_test(test_resp_roundtrip),
        cmocka_unit_test(test_v6_vectors),
        cmocka_unit_test(test_classic_layouts),
        cmocka_unit_test(test_unknown_tags_skipped),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_arena_too_small),
        cmocka_unit_test(test_unsupported_versions),
        cmocka_unit_test(test_write_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
