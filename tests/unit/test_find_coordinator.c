/* test_find_coordinator.c - FindCoordinator v1-v3 bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/find_coordinator.h"
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
    return mb_find_coordinator_req_write(w, v, m);
}
static int r_req(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_find_coordinator_req_read(r, v, a, m);
}
static int w_resp(mb_wr *w, int16_t v, const void *m)
{
    return mb_find_coordinator_resp_write(w, v, m);
}
static int r_resp(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_find_coordinator_resp_read(r, v, a, m);
}

static void cmp_req(const void *want, const void *got, int16_t v)
{
    const mb_find_coordinator_req *a = want, *b = got;
    (void)v;
    assert_true(mb_str_eq(a->key, b->key));
    assert_int_equal(a->key_type, b->key_type);
}

static void cmp_resp(const void *want, const void *got, int16_t v)
{
    const mb_find_coordinator_resp *a = want, *b = got;
    (void)v;
    assert_int_equal(a->throttle_time_ms, b->throttle_time_ms);
    assert_int_equal(a->error_code, b->error_code);
    assert_true(mb_str_eq(a->error_message, b->error_message));
    assert_int_equal(a->node_id, b->node_id);
    assert_true(mb_str_eq(a->host, b->host));
    assert_int_equal(a->port, b->port);
}

static void test_roundtrip_all_versions(void **state)
{
    mb_find_coordinator_req grp = {{"group-1", 7}, MB_COORDINATOR_GROUP};
    mb_find_coordinator_req txn = {{"", 0}, MB_COORDINATOR_TRANSACTION}, req_out;
    mb_find_coordinator_resp ok = {0, 0, {NULL, -1}, 3, {"broker3.example", 15}, 9092};
    mb_find_coordinator_resp err = {100, 15, {"not available", 13}, -1, {"", 0}, -1}, resp_out;
    int16_t v;
    (void)state;
    for (v = 1; v <= 3; v++) {
        roundtrip(v, &grp, &req_out, w_req, r_req, cmp_req);
        roundtrip(v, &txn, &req_out, w_req, r_req, cmp_req);
        assert_int_equal(req_out.key_type, 1);
        roundtrip(v, &ok, &resp_out, w_resp, r_resp, cmp_resp);
        roundtrip(v, &err, &resp_out, w_resp, r_resp, cmp_resp);
        assert_str(resp_out.error_message, "not available");
    }
}

static void test_classic_bytes(void **state)
{
    /* v2 response: throttle 0, error 0, message null, node 1, host "h", port 9092 */
    uint8_t buf[32], enc[32];
    size_t n = tu_hex("00000000 0000 ffff 00000001 0001 68 00002384", buf, sizeof buf);
    mb_find_coordinator_resp *resp = (mb_find_coordinator_resp *)g_out;
    struct dec_ctx c = {2, r_resp};
    mb_wr w;
    (void)state;
    assert_int_equal(dec_any(buf, n, &c), 0);
    assert_true(resp->error_message.len < 0);
    assert_int_equal(resp->node_id, 1);
    assert_str(resp->host, "h");
    assert_int_equal(resp->port, 9092);
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(mb_find_coordinator_resp_write(&w, 2, resp), 0);
    tu_assert_bytes(enc, w.len, buf, n);
    tu_check_truncations(buf, n, dec_any, &c);
    /* v1 request: key "g", key_type 0 */
    n = tu_hex("0001 67 00", buf, sizeof buf);
    c.rf = r_req;
    c.v = 1;
    assert_int_equal(dec_any(buf, n, &c), 0);
    assert_str(((mb_find_coordinator_req *)g_out)->key, "g");
    tu_check_truncations(buf, n, dec_any, &c);
}

static void check_req_v3(const void *m)
{
    const mb_find_coordinator_req *req = m;
    assert_str(req->key, "grp");
    assert_int_equal(req->key_type, 1);
}

static void check_resp_v3(const void *m)
{
    const mb_find_coordinator_resp *resp = m;
    assert_int_equal(resp->throttle_time_ms, 10);
    assert_int_equal(resp->error_code, 0);
    assert_true(resp->error_message.len < 0);
    assert_int_equal(resp->node_id, 2);
    assert_str(resp->host, "b2");
    assert_int_equal(resp->port, 9093);
}

static void test_vectors(void **state)
{
    (void)state;
    vector("schema_find_coordinator_v3_req.hex", 3, r_req, w_req, check_req_v3);
    vector("schema_find_coordinator_v3_resp.hex", 3, r_resp, w_resp, check_resp_v3);
}

static void test_hostile_and_versions(void **state)
{
    uint8_t buf[32];
    mb_wr w;
    mb_find_coordinator_req nullkey = {{NULL, -1}, 0}, req = {{"g", 1}, 0};
    mb_find_coordinator_resp nullhost = {0, 0, {NULL, -1}, 1, {NULL, -1}, 1};
    (void)state;
    /* null key / null host where not nullable */
    assert_int_equal(dec_hex("ffff 00", 1, r_req), MSGBUS_ERR_MALFORMED);
    assert_int_equal(dec_hex("00 00 00", 3, r_req), MSGBUS_ERR_MALFORMED);
    assert_int_equal(dec_hex("00000000 0000 00 00000001 00 00002384 00", 3, r_resp),
                     MSGBUS_ERR_MALFORMED);
    /* huge compact length */
    assert_int_equal(dec_hex("ffffffff0f 00 00", 3, r_req), MSGBUS_ERR_LIMIT);
    /* trailing byte */
    assert_int_equal(dec_hex("0001 67 00 00", 1, r_req), MSGBUS_ERR_MALFORMED);
    /* v4+ (batched keys) and v0 are outside what msgbus speaks */
    assert_int_equal(dec_hex("0001 67", 0, r_req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(dec_hex("00 02 02 67 00 00", 4, r_req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_find_coordinator_req_write(&w, 4, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_find_coordinator_req_write(&w, 3, &nullkey), MSGBUS_ERR_INVALID_ARG);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_find_coordinator_resp_write(&w, 1, &nullhost), MSGBUS_ERR_INVALID_ARG);
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
