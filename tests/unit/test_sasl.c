/* test_sasl.c - SaslHandshake v1 and SaslAuthenticate v0-v2 bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/sasl.h"
#include "testutil.h"

/* ---- wrappers ---- */

TU_BODY_OPS(sasl_handshake_req)
TU_BODY_OPS(sasl_handshake_resp)
TU_BODY_OPS(sasl_authenticate_req)
TU_BODY_OPS(sasl_authenticate_resp)

/* ---- comparisons ---- */

static void cmp_hs_req(const void *want, const void *got, int16_t v)
{
    const mb_sasl_handshake_req *a = want, *b = got;
    (void)v;
    assert_true(mb_str_eq(a->mechanism, b->mechanism));
}

static void cmp_hs_resp(const void *want, const void *got, int16_t v)
{
    const mb_sasl_handshake_resp *a = want, *b = got;
    int32_t i;
    (void)v;
    assert_int_equal(a->error_code, b->error_code);
    assert_int_equal(a->n_mechanisms, b->n_mechanisms);
    for (i = 0; i < a->n_mechanisms; i++)
        assert_true(mb_str_eq(a->mechanisms[i], b->mechanisms[i]));
}

static void cmp_au_req(const void *want, const void *got, int16_t v)
{
    const mb_sasl_authenticate_req *a = want, *b = got;
    (void)v;
    assert_true(mb_bytes_eq(a->auth_bytes, b->auth_bytes));
}

static void cmp_au_resp(const void *want, const void *got, int16_t v)
{
    const mb_sasl_authenticate_resp *a = want, *b = got;
    assert_int_equal(a->error_code, b->error_code);
    assert_true(mb_str_eq(a->error_message, b->error_message));
    assert_true(mb_bytes_eq(a->auth_bytes, b->auth_bytes));
    /* SessionLifetimeMs exists from v1; below it decodes as its default 0 */
    assert_true(b->session_lifetime_ms == (v >= 1 ? a->session_lifetime_ms : 0));
}

/* ---- tests ---- */

static void test_handshake_roundtrip(void **state)
{
    mb_sasl_handshake_req req = {{"SCRAM-SHA-256", 13}};
    mb_str mechs[2] = {{"PLAIN", 5}, {"SCRAM-SHA-512", 13}};
    mb_sasl_handshake_resp resp = {0, mechs, 2}, empty = {33, NULL, 0};
    mb_sasl_handshake_req req_out;
    mb_sasl_handshake_resp resp_out;
    (void)state;
    tu_roundtrip(1, &req, &req_out, w_sasl_handshake_req, r_sasl_handshake_req, cmp_hs_req);
    tu_roundtrip(1, &resp, &resp_out, w_sasl_handshake_resp, r_sasl_handshake_resp, cmp_hs_resp);
    tu_roundtrip(1, &empty, &resp_out, w_sasl_handshake_resp, r_sasl_handshake_resp, cmp_hs_resp);
    assert_int_equal(resp_out.error_code, 33);
}

static void test_handshake_classic_bytes(void **state)
{
    static const char *hex = "0000"             /* error_code 0 */
                             "00000002"         /* ARRAY of 2 */
                             "0005 504c41494e"  /* "PLAIN" */
                             "0005 4f41555448"; /* "OAUTH" */
    uint8_t buf[64], enc[64];
    size_t n = tu_hex(hex, buf, sizeof buf);
    mb_sasl_handshake_resp *resp = (mb_sasl_handshake_resp *)tu_out;
    struct tu_dec_ctx c = {1, r_sasl_handshake_resp};
    mb_wr w;
    (void)state;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    assert_int_equal(resp->error_code, 0);
    assert_int_equal(resp->n_mechanisms, 2);
    tu_assert_str(resp->mechanisms[0], "PLAIN");
    tu_assert_str(resp->mechanisms[1], "OAUTH");
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(mb_sasl_handshake_resp_write(&w, 1, resp), 0);
    tu_assert_bytes(enc, w.len, buf, n);
    tu_check_truncations(buf, n, tu_dec_any, &c);
    n = tu_hex("0005 504c41494e", buf, sizeof buf);
    c.rf = r_sasl_handshake_req;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    tu_assert_str(((mb_sasl_handshake_req *)tu_out)->mechanism, "PLAIN");
    tu_check_truncations(buf, n, tu_dec_any, &c);
}

static void test_authenticate_roundtrip_all_versions(void **state)
{
    static const uint8_t tok[] = {0, 'u', 0, 'p', 0xff};
    mb_sasl_authenticate_req req = {{tok, sizeof tok}}, req_out;
    mb_sasl_authenticate_resp resp = {0, {NULL, -1}, {tok, 3}, 3600000};
    mb_sasl_authenticate_resp bad = {58, {"bad credentials", 15}, {NULL, 0}, 0}, resp_out;
    int16_t v;
    (void)state;
    for (v = 0; v <= 2; v++) {
        tu_roundtrip(v, &req, &req_out, w_sasl_authenticate_req, r_sasl_authenticate_req,
                     cmp_au_req);
        tu_roundtrip(v, &resp, &resp_out, w_sasl_authenticate_resp, r_sasl_authenticate_resp,
                     cmp_au_resp);
        tu_roundtrip(v, &bad, &resp_out, w_sasl_authenticate_resp, r_sasl_authenticate_resp,
                     cmp_au_resp);
        assert_int_equal(resp_out.error_code, 58);
        tu_assert_str(resp_out.error_message, "bad credentials");
    }
}

static void check_au_req_v2(const void *m)
{
    const mb_sasl_authenticate_req *req = m;
    assert_int_equal(req->auth_bytes.len, 4);
    assert_memory_equal(req->auth_bytes.ptr, "\0u\0p", 4);
}

static void check_au_resp_v2(const void *m)
{
    const mb_sasl_authenticate_resp *resp = m;
    assert_int_equal(resp->error_code, 0);
    assert_true(resp->error_message.len < 0);
    assert_int_equal(resp->auth_bytes.len, 0);
    assert_true(resp->session_lifetime_ms == 3600000);
}

static void test_authenticate_vectors(void **state)
{
    (void)state;
    tu_vector("schema_sasl_authenticate_v2_req.hex", 2, r_sasl_authenticate_req,
              w_sasl_authenticate_req, check_au_req_v2);
    tu_vector("schema_sasl_authenticate_v2_resp.hex", 2, r_sasl_authenticate_resp,
              w_sasl_authenticate_resp, check_au_resp_v2);
}

static void test_v1_resp_bytes(void **state)
{
    /* v1 classic: error 0, null message, 2 bytes, lifetime 1000 */
    static const char *hex = "0000 ffff 00000002 abcd 00000000000003e8";
    mb_sasl_authenticate_resp *resp = (mb_sasl_authenticate_resp *)tu_out;
    (void)state;
    assert_int_equal(tu_dec_hex(hex, 1, r_sasl_authenticate_resp), 0);
    assert_true(resp->error_message.len < 0);
    assert_int_equal(resp->auth_bytes.len, 2);
    assert_true(resp->session_lifetime_ms == 1000);
    /* the same at v0 has 8 trailing bytes */
    assert_int_equal(tu_dec_hex(hex, 0, r_sasl_authenticate_resp), MSGBUS_ERR_MALFORMED);
}

static void test_versions_out_of_range(void **state)
{
    uint8_t buf[32];
    mb_wr w;
    mb_sasl_handshake_req req = {{"PLAIN", 5}};
    mb_sasl_authenticate_req au = {{(const uint8_t *)"x", 1}};
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_sasl_handshake_req_write(&w, 0, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_sasl_handshake_req_write(&w, 2, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_sasl_authenticate_req_write(&w, 3, &au), MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(tu_dec_hex("0005 504c41494e", 0, r_sasl_handshake_req),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(tu_dec_hex("0000 00000000", 2, r_sasl_handshake_resp),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(tu_dec_hex("02 78 00", -1, r_sasl_authenticate_req),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(tu_dec_hex("0000 00 01 00", 3, r_sasl_authenticate_resp),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
}

static void test_hostile(void **state)
{
    uint8_t buf[32];
    mb_wr w;
    mb_sasl_authenticate_req nullbytes = {{NULL, -1}};
    mb_sasl_handshake_req nullmech = {{NULL, -1}};
    mb_sasl_handshake_resp badarr = {0, NULL, 3};
    (void)state;
    /* a huge mechanism count */
    assert_int_equal(tu_dec_hex("0000 7fffffff 0001 41", 1, r_sasl_handshake_resp),
                     MSGBUS_ERR_LIMIT);
    assert_int_equal(tu_dec_hex("0000 00000010 0001 41", 1, r_sasl_handshake_resp),
                     MSGBUS_ERR_TRUNCATED);
    /* a null array where not nullable, a negative string length */
    assert_int_equal(tu_dec_hex("0000 ffffffff", 1, r_sasl_handshake_resp), MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("0000 00000001 fffe", 1, r_sasl_handshake_resp),
                     MSGBUS_ERR_MALFORMED);
    /* null mechanism / null auth bytes */
    assert_int_equal(tu_dec_hex("ffff", 1, r_sasl_handshake_req), MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("ffffffff", 0, r_sasl_authenticate_req), MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("00 00", 2, r_sasl_authenticate_req), MSGBUS_ERR_MALFORMED);
    assert_int_equal(tu_dec_hex("0000 ffff ffffffff", 0, r_sasl_authenticate_resp),
                     MSGBUS_ERR_MALFORMED);
    /* trailing bytes */
    assert_int_equal(tu_dec_hex("00000001 78 00", 0, r_sasl_authenticate_req),
                     MSGBUS_ERR_MALFORMED);
    /* an unknown tag in v2 is skipped */
    assert_int_equal(tu_dec_hex("02 78 01 07 02 abcd", 2, r_sasl_authenticate_req), 0);
    assert_int_equal(((mb_sasl_authenticate_req *)tu_out)->auth_bytes.len, 1);
    /* writing null where not nullable */
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_sasl_authenticate_req_write(&w, 1, &nullbytes), MSGBUS_ERR_INVALID_ARG);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_sasl_handshake_req_write(&w, 1, &nullmech), MSGBUS_ERR_INVALID_ARG);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_sasl_handshake_resp_write(&w, 1, &badarr), MSGBUS_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_roundtrip),
        cmocka_unit_test(test_handshake_classic_bytes),
        cmocka_unit_test(test_authenticate_roundtrip_all_versions),
        cmocka_unit_test(test_authenticate_vectors),
        cmocka_unit_test(test_v1_resp_bytes),
        cmocka_unit_test(test_versions_out_of_range),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
