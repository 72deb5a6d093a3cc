/* test_init_producer_id.c - InitProducerId v0-v4 bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/init_producer_id.h"
#include "testutil.h"

TU_BODY_OPS(init_producer_id_req)
TU_BODY_OPS(init_producer_id_resp)

static void cmp_req(const void *want, const void *got, int16_t v)
{
    const mb_init_producer_id_req *a = want, *b = got;
    assert_true(mb_str_eq(a->transactional_id, b->transactional_id));
    assert_int_equal(a->transaction_timeout_ms, b->transaction_timeout_ms);
    /* v3+ carries the producer id and epoch; older versions decode them as -1 */
    assert_true(b->producer_id == (v >= 3 ? a->producer_id : -1));
    assert_int_equal(b->producer_epoch, v >= 3 ? a->producer_epoch : -1);
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
    mb_init_producer_id_req txn = {{"my-txn", 6}, 60000, INT64_C(0x0a0b0c0d0e0f1011), 7};
    mb_init_producer_id_req idem = {{NULL, -1}, -1, -1, -1}, req_out;
    mb_init_producer_id_resp ok = {7, 0, INT64_C(0x0102030405060708), 32767};
    mb_init_producer_id_resp err = {0, 53, -1, -1}, resp_out;
    int16_t v;
    (void)state;
    for (v = 0; v <= 4; v++) {
        tu_roundtrip(v, &txn, &req_out, w_init_producer_id_req, r_init_producer_id_req, cmp_req);
        tu_roundtrip(v, &idem, &req_out, w_init_producer_id_req, r_init_producer_id_req, cmp_req);
        assert_true(req_out.transactional_id.len < 0);
        tu_roundtrip(v, &ok, &resp_out, w_init_producer_id_resp, r_init_producer_id_resp, cmp_resp);
        tu_roundtrip(v, &err, &resp_out, w_init_producer_id_resp, r_init_producer_id_resp,
                     cmp_resp);
        assert_int_equal(resp_out.error_code, 53);
    }
}

static void test_classic_bytes(void **state)
{
    /* v1 request: null transactional id, timeout 1000 */
    uint8_t buf[32], enc[32];
    size_t n = tu_hex("ffff 000003e8", buf, sizeof buf);
    mb_init_producer_id_req *req = (mb_init_producer_id_req *)tu_out;
    struct tu_dec_ctx c = {1, r_init_producer_id_req};
    mb_wr w;
    (void)state;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    assert_true(req->transactional_id.len < 0);
    assert_int_equal(req->transaction_timeout_ms, 1000);
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(mb_init_producer_id_req_write(&w, 1, req), 0);
    tu_assert_bytes(enc, w.len, buf, n);
    tu_check_truncations(buf, n, tu_dec_any, &c);
    /* v0 response: throttle 0, error 0, id 9, epoch 1 */
    n = tu_hex("00000000 0000 0000000000000009 0001", buf, sizeof buf);
    c.rf = r_init_producer_id_resp;
    c.v = 0;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    assert_true(((mb_init_producer_id_resp *)tu_out)->producer_id == 9);
    assert_int_equal(((mb_init_producer_id_resp *)tu_out)->producer_epoch, 1);
    tu_check_truncations(buf, n, tu_dec_any, &c);
}

static void check_req_v2(const void *m)
{
    const mb_init_producer_id_req *req = m;
    tu_assert_str(req->transactional_id, "tx");
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
    tu_vector("schema_init_producer_id_v2_req.hex", 2, r_init_producer_id_req,
              w_init_producer_id_req, check_req_v2);
    tu_vector("schema_init_producer_id_v2_resp.hex", 2, r_init_producer_id_resp,
              w_init_producer_id_resp, check_resp_v2);
}

static void check_req_v4(const void *m)
{
    const mb_init_producer_id_req *req = m;
    tu_assert_str(req->transactional_id, "tx");
    assert_int_equal(req->transaction_timeout_ms, 60000);
    assert_true(req->producer_id == 4096);
    assert_int_equal(req->producer_epoch, 3);
}

/* v3+ (flexible): a transactional producer that knows its id asks for the next epoch. */
static void test_v4_bytes(void **state)
{
    uint8_t buf[64];
    size_t n = tu_hex("03 7478 0000ea60 0000000000001000 0003 00", buf, sizeof buf);
    struct tu_dec_ctx c = {4, r_init_producer_id_req};
    (void)state;
    tu_vector("schema_init_producer_id_v4_req.hex", 4, r_init_producer_id_req,
              w_init_producer_id_req, check_req_v4);
    tu_vector("schema_init_producer_id_v4_req.hex", 3, r_init_producer_id_req,
              w_init_producer_id_req, check_req_v4);
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    check_req_v4(tu_out);
    /* the response at v4 is the v2 layout */
    tu_vector("schema_init_producer_id_v2_resp.hex", 4, r_init_producer_id_resp,
              w_init_producer_id_resp, check_resp_v2);
}

static void test_hostile_and_versions(void **state)
{
    uint8_t buf[32];
    mb_wr w;
    mb_init_producer_id_req req = {{"t", 1}, 1, -1, -1};
    (void)state;
    /* negative string length other than -1 */
    assert_int_equal(tu_dec_hex("fff0 000003e8", 0, r_init_producer_id_req), MSGBUS_ERR_MALFORMED);
    /* a length beyond the input */
    assert_int_equal(tu_dec_hex("7fff 000003e8", 1, r_init_producer_id_req), MSGBUS_ERR_TRUNCATED);
    /* compact length with a 6-byte varint */
    assert_int_equal(tu_dec_hex("ffffffffff01 000003e8 00", 2, r_init_producer_id_req),
                     MSGBUS_ERR_MALFORMED);
    /* trailing bytes; flexible body without its tag section */
    assert_int_equal(tu_dec_hex("ffff 000003e8 00", 1, r_init_producer_id_req),
                     MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("00 000003e8", 2, r_init_producer_id_req), MSGBUS_ERR_TRUNCATED);
    /* unknown tags skipped */
    assert_int_equal(tu_dec_hex("00 000003e8 01 05 01 ff", 2, r_init_producer_id_req), 0);
    assert_int_equal(((mb_init_producer_id_req *)tu_out)->transaction_timeout_ms, 1000);
    /* versions outside 0-4 */
    assert_int_equal(tu_dec_hex("00 000003e8 ffffffffffffffff ffff 00", 5, r_init_producer_id_req),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(tu_dec_hex("ffff 000003e8", -1, r_init_producer_id_req),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_init_producer_id_req_write(&w, 5, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    /* v3 without the producer id and epoch is short */
    assert_int_equal(tu_dec_hex("00 000003e8 00", 3, r_init_producer_id_req), MSGBUS_ERR_TRUNCATED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all_versions),
        cmocka_unit_test(test_classic_bytes),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_v4_bytes),
        cmocka_unit_test(test_hostile_and_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
