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

TU_BODY_OPS(find_coordinator_req)
TU_BODY_OPS(find_coordinator_resp)

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
        tu_roundtrip(v, &grp, &req_out, w_find_coordinator_req, r_find_coordinator_req, cmp_req);
        tu_roundtrip(v, &txn, &req_out, w_find_coordinator_req, r_find_coordinator_req, cmp_req);
        assert_int_equal(req_out.key_type, 1);
        tu_roundtrip(v, &ok, &resp_out, w_find_coordinator_resp, r_find_coordinator_resp, cmp_resp);
        tu_roundtrip(v, &err, &resp_out, w_find_coordinator_resp, r_find_coordinator_resp,
                     cmp_resp);
        tu_assert_str(resp_out.error_message, "not available");
    }
}

static void test_classic_bytes(void **state)
{
    /* v2 response: throttle 0, error 0, message null, node 1, host "h", port 9092 */
    uint8_t buf[32], enc[32];
    size_t n = tu_hex("00000000 0000 ffff 00000001 0001 68 00002384", buf, sizeof buf);
    mb_find_coordinator_resp *resp = (mb_find_coordinator_resp *)tu_out;
    struct tu_dec_ctx c = {2, r_find_coordinator_resp};
    mb_wr w;
    (void)state;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    assert_true(resp->error_message.len < 0);
    assert_int_equal(resp->node_id, 1);
    tu_assert_str(resp->host, "h");
    assert_int_equal(resp->port, 9092);
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(mb_find_coordinator_resp_write(&w, 2, resp), 0);
    tu_assert_bytes(enc, w.len, buf, n);
    tu_check_truncations(buf, n, tu_dec_any, &c);
    /* v1 request: key "g", key_type 0 */
    n = tu_hex("0001 67 00", buf, sizeof buf);
    c.rf = r_find_coordinator_req;
    c.v = 1;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    tu_assert_str(((mb_find_coordinator_req *)tu_out)->key, "g");
    tu_check_truncations(buf, n, tu_dec_any, &c);
}

static void check_req_v3(const void *m)
{
    const mb_find_coordinator_req *req = m;
    tu_assert_str(req->key, "grp");
    assert_int_equal(req->key_type, 1);
}

static void check_resp_v3(const void *m)
{
    const mb_find_coordinator_resp *resp = m;
    assert_int_equal(resp->throttle_time_ms, 10);
    assert_int_equal(resp->error_code, 0);
    assert_true(resp->error_message.len < 0);
    assert_int_equal(resp->node_id, 2);
    tu_assert_str(resp->host, "b2");
    assert_int_equal(resp->port, 9093);
}

static void test_vectors(void **state)
{
    (void)state;
    tu_vector("schema_find_coordinator_v3_req.hex", 3, r_find_coordinator_req,
              w_find_coordinator_req, check_req_v3);
    tu_vector("schema_find_coordinator_v3_resp.hex", 3, r_find_coordinator_resp,
              w_find_coordinator_resp, check_resp_v3);
}

static void test_hostile_and_versions(void **state)
{
    uint8_t buf[32];
    mb_wr w;
    mb_find_coordinator_req nullkey = {{NULL, -1}, 0}, req = {{"g", 1}, 0};
    mb_find_coordinator_resp nullhost = {0, 0, {NULL, -1}, 1, {NULL, -1}, 1};
    (void)state;
    /* null key / null host where not nullable */
    assert_int_equal(tu_dec_hex("ffff 00", 1, r_find_coordinator_req), MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("00 00 00", 3, r_find_coordinator_req), MSGBUS_ERR_MALFORMED);
    assert_int_equal(
        tu_dec_hex("00000000 0000 00 00000001 00 00002384 00", 3, r_find_coordinator_resp),
        MSGBUS_ERR_MALFORMED);
    /* huge compact length */
    assert_int_equal(tu_dec_hex("ffffffff0f 00 00", 3, r_find_coordinator_req), MSGBUS_ERR_LIMIT);
    /* trailing byte */
    assert_int_equal(tu_dec_hex("0001 67 00 00", 1, r_find_coordinator_req), MSGBUS_ERR_MALFORMED);
    /* v4+ (batched keys) and v0 are outside what msgbus speaks */
    assert_int_equal(tu_dec_hex("0001 67", 0, r_find_coordinator_req),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(tu_dec_hex("00 02 02 67 00 00", 4, r_find_coordinator_req),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
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
