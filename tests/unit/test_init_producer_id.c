/* test_init_producer_id.c - InitProducerId v0-v2 bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/init_producer_id.h"
#include "testutil.h"

/* ---- generic harness: round trips, vectors, truncations ---- */

typedef int (*wr_fn)(mb_wr *w, int16_t v, const void *msg);
typedef int (*rd_fn)(mb_rd *r, int16_t v, mb_arena *a, void *msg);
typedef void (*cmp_fn)(const void *want, const void *got, int16_t v);

static uint64_t g_arena_store[8192];
static uint8_t g_out[16384];

/* Encode @p in at @p v, decode it, compare, re-encode: same bytes. */
static void roundtrip(int16_t v, const void *in, void *out, wr_fn wf, rd_fn rf, cmp_fn cf)
{
    static uint8_t b1[8192], b2[8192];
    mb_wr w;
    mb_rd r;
    mb_arena a;
    size_t n1;
    mb_wr_init(&w, b1, sizeof b1);
    assert_int_equal(wf(&w, v, in), 0);
    n1 = w.len;
    mb_wr_init(&w, NULL, 0); /* the sizing pass agrees */
    assert_int_equal(wf(&w, v, in), 0);
    assert_int_equal(w.total, n1);
    mb_rd_init(&r, b1, n1);
    mb_arena_init(&a, g_arena_store, sizeof g_arena_store);
    assert_int_equal(rf(&r, v, &a, out), 0);
    cf(in, out, v);
    mb_wr_init(&w, b2, sizeof b2);
    assert_int_equal(wf(&w, v, out), 0);
    tu_assert_bytes(b2, w.len, b1, n1);
}

struct dec_ctx {
    int16_t v;
    rd_fn rf;
};

static int dec_any(const uint8_t *buf, size_t len, void *ctx)
{
    struct dec_ctx *c = ctx;
    mb_rd r;
    mb_arena a;
    mb_rd_init(&r, buf, len);
    mb_arena_init(&a, g_arena_store, sizeof g_arena_store);
    return c->rf(&r, c->v, &a, g_out);
}

/* Decode a tests/vectors file into g_out (which @p check then inspects),
 * encode it back to the same bytes, and check every truncation fails. */
static void vector(const char *name, int16_t v, rd_fn rf, wr_fn wf, void (*check)(const void *))
{
    size_t len = 0;
    uint8_t *buf = tu_load_vector(name, &len);
    uint8_t enc[8192];
    struct dec_ctx c;
    mb_wr w;
    c.v = v;
    c.rf = rf;
    assert_int_equal(dec_any(buf, len, &c), 0);
    check(g_out);
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(wf(&w, v, g_out), 0);
    tu_assert_bytes(enc, w.len, buf, len);
    tu_check_truncations(buf, len, dec_any, &c);
    free(buf);
}

/* Decode hex @p hex at @p v and return the result code. */
static int dec_hex(const char *hex, int16_t v, rd_fn rf)
{
    uint8_t buf[512];
    struct dec_ctx c;
    size_t n = tu_hex(hex, buf, sizeof buf);
    c.v = v;
    c.rf = rf;
    return dec_any(buf, n, &c);
}

static void assert_str(mb_str got, const char *want)
{
    if (!want) {
        assert_true(got.len < 0);
        return;
    }
    assert_true(mb_str_eq(got, mb_str_c(want)));
}

static int w_req(mb_wr *w, int16_t v, const void *m)
{
    return mb_init_producer_id_req_write(w, v, m);
}
static int r_req(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_init_producer_id_req_read(r, v, a, m);
}
static int w_resp(mb_wr *w, int16_t v, const void *m)
{
    return mb_init_producer_id_resp_write(w, v, m);
}
static int r_resp(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_init_producer_id_resp_read(r, v, a, m);
}

static void cmp_req(const void *want, const void *got, int16_t v)
{
    const mb_init_producer_id_req *a = want, *b = got;
    (void)v;
    assert_true(mb_str_eq(a->transactional_id, b->transactional_id));
    assert_int_equal(a->transaction_timeout_ms, b->transaction_timeout_ms);
}

static void cmp_resp(const void *want, const void *got, int16_t v)
{
    const mb_init_producer_id_resp *a = want, *b = got;
    (void)v;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    assert_int_equal(a->error_code, b->error_code);
    assert_true(a->producer_id == b->producer_id);
    assert_int_equal(a->producer_epoch, b->producer_epoch);
}

static void test_roundtrip_all_versions(void **state)
{
    mb_init_producer_id_req txn = {{"my-txn", 6}, 60000}, idem = {{NULL, -1}, -1}, req_out;
    mb_init_producer_id_resp ok = {7, 0, INT64_C(0x0102030405060708), 32767};
    mb_init_producer_id_resp err = {0, 53, -1, -1}, resp_out;
    int16_t v;
    (void)state;
    for (v = 0; v <= 2; v++) {
        roundtrip(v, &txn, &req_out, w_req, r_req, cmp_req);
        roundtrip(v, &idem, &req_out, w_req, r_req, cmp_req);
        assert_true(req_out.transactional_id.len < 0);
        roundtrip(v, &ok, &resp_out, w_resp, r_resp, cmp_resp);
        roundtrip(v, &err, &resp_out, w_resp, r_resp, cmp_resp);
        assert_int_equal(resp_out.error_code, 53);
    }
}

static void test_classic_bytes(void **state)
{
    /* v1 request: null transactional id, timeout 1000 */
    uint8_t buf[32], enc[32];
    size_t n = tu_hex("ffff 000003e8", buf, sizeof buf);
    mb_init_producer_id_req *req = (mb_init_producer_id_req *)g_out;
    struct dec_ctx c = {1, r_req};
    mb_wr w;
    (void)state;
    assert_int_equal(dec_any(buf, n, &c), 0);
    assert_true(req->transactional_id.len < 0);
    assert_int_equal(req->transaction_timeout_ms, 1000);
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(mb_init_producer_id_req_write(&w, 1, req), 0);
    tu_assert_bytes(enc, w.len, buf, n);
    tu_check_truncations(buf, n, dec_any, &c);
    /* v0 response: throttle 0, error 0, id 9, epoch 1 */
    n = tu_hex("00000000 0000 0000000000000009 0001", buf, sizeof buf);
    c.rf = r_resp;
    c.v = 0;
    assert_int_equal(dec_any(buf, n, &c), 0);
    assert_true(((mb_init_producer_id_resp *)g_out)->producer_id == 9);
    assert_int_equal(((mb_init_producer_id_resp *)g_out)->producer_epoch, 1);
    tu_check_truncations(buf, n, dec_any, &c);
}

static void check_req_v2(const void *m)
{
    const mb_init_producer_id_req *req = m;
    assert_str(req->transactional_id, "tx");
    assert_int_equal(req->transaction_timeout_ms, 60000);
}

static void check_resp_v2(const void *m)
{
    const mb_init_producer_id_resp *resp = m;
    assert_int_equal(resp->throttle_time_ms, 0);
    assert_int_equal(resp->error_code, 0);
    assert_true(resp->producer_id == 4096);
    assert_int_equal(resp->producer_epoch, 3);
}

static void test_vectors(void **state)
{
    (void)state;
    vector("schema_init_producer_id_v2_req.hex", 2, r_req, w_req, check_req_v2);
    vector("schema_init_producer_id_v2_resp.hex", 2, r_resp, w_resp, check_resp_v2);
}

static void test_hostile_and_versions(void **state)
{
    uint8_t buf[32];
    mb_wr w;
    mb_init_producer_id_req req = {{"t", 1}, 1};
    (void)state;
    /* negative string length other than -1 */
    assert_int_equal(dec_hex("fff0 000003e8", 0, r_req), MSGBUS_ERR_MALFORMED);
    /* a length beyond the input */
    assert_int_equal(dec_hex("7fff 000003e8", 1, r_req), MSGBUS_ERR_TRUNCATED);
    /* compact length with a 6-byte varint */
    assert_int_equal(dec_hex("ffffffffff01 000003e8 00", 2, r_req), MSGBUS_ERR_MALFORMED);
    /* trailing bytes; flexible body without its tag section */
    assert_int_equal(dec_hex("ffff 000003e8 00", 1, r_req), MSGBUS_ERR_MALFORMED);
    assert_int_equal(dec_hex("00 000003e8", 2, r_req), MSGBUS_ERR_TRUNCATED);
    /* unknown tags skipped */
    assert_int_equal(dec_hex("00 000003e8 01 05 01 ff", 2, r_req), 0);
    assert_int_equal(((mb_init_producer_id_req *)g_out)->transaction_timeout_ms, 1000);
    /* versions outside 0-2 */
    assert_int_equal(dec_hex("00 000003e8 00", 3, r_req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(dec_hex("ffff 000003e8", -1, r_req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_init_producer_id_req_write(&w, 3, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all_versions),
        cmocka_unit_test(test_classic_bytes),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_hostile_and_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
