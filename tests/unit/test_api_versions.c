/* test_api_versions.c - ApiVersions v0-v3 bodies, the UNSUPPORTED_VERSION
 * fallback and version negotiation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/api_versions.h"
#include "testutil.h"

TU_BODY_OPS(api_versions_req)
TU_BODY_OPS(api_versions_resp)

static void cmp_req(const void *want, const void *got, int16_t v)
{
    const mb_api_versions_req *a = want, *b = got;
    if (v >= 3) {
        assert_true(mb_str_eq(a->client_software_name, b->client_software_name));
        assert_true(mb_str_eq(a->client_software_version, b->client_software_version));
    } else { /* absent: the schema default, the empty string */
        tu_assert_str(b->client_software_name, "");
        tu_assert_str(b->client_software_version, "");
    }
}

static void cmp_resp(const void *want, const void *got, int16_t v)
{
    const mb_api_versions_resp *a = want, *b = got;
    int32_t i;
    assert_int_equal(a->error_code, b->error_code);
    assert_int_equal(a->n_api_keys, b->n_api_keys);
    for (i = 0; i < a->n_api_keys; i++) {
        assert_int_equal(a->api_keys[i].api_key, b->api_keys[i].api_key);
        assert_int_equal(a->api_keys[i].min_version, b->api_keys[i].min_version);
        assert_int_equal(a->api_keys[i].max_version, b->api_keys[i].max_version);
    }
    assert_int_equal(b->throttle_time_ms, v >= 1 ? a->throttle_time_ms : 0);
    if (v < 3) { /* tagged fields absent: their defaults */
        assert_int_equal(b->n_supported_features, 0);
        assert_int_equal(b->n_finalized_features, 0);
        assert_true(b->finalized_features_epoch == -1);
        assert_int_equal(b->zk_migration_ready, 0);
        return;
    }
    assert_int_equal(a->n_supported_features, b->n_supported_features);
    for (i = 0; i < a->n_supported_features; i++) {
        assert_true(mb_str_eq(a->supported_features[i].name, b->supported_features[i].name));
        assert_int_equal(a->supported_features[i].min_version,
                         b->supported_features[i].min_version);
        assert_int_equal(a->supported_features[i].max_version,
                         b->supported_features[i].max_version);
    }
    assert_true(a->finalized_features_epoch == b->finalized_features_epoch);
    assert_int_equal(a->n_finalized_features, b->n_finalized_features);
    for (i = 0; i < a->n_finalized_features; i++) {
        assert_true(mb_str_eq(a->finalized_features[i].name, b->finalized_features[i].name));
        assert_int_equal(a->finalized_features[i].max_version_level,
                         b->finalized_features[i].max_version_level);
        assert_int_equal(a->finalized_features[i].min_version_level,
                         b->finalized_features[i].min_version_level);
    }
    assert_int_equal(a->zk_migration_ready, b->zk_migration_ready);
}

static mb_api_versions_key g_keys[3] = {{18, 0, 4}, {3, 0, 12}, {0, 3, 11}};
static mb_api_versions_feature g_feat[2] = {{{"kraft.version", 13}, 0, 1},
                                            {{"group.version", 13}, 0, 1}};
static mb_api_versions_finalized g_fin[1] = {{{"metadata.version", 16}, 21, 1}};

static void test_roundtrip_all_versions(void **state)
{
    mb_api_versions_req req = {{"msgbus", 6}, {"0.1.0-dev", 9}}, req_out;
    mb_api_versions_resp full = {0, g_keys, 3, 250, g_feat, 2, 42, g_fin, 1, 1};
    mb_api_versions_resp plain = {0, g_keys, 1, 0, NULL, 0, -1, NULL, 0, 0};
    mb_api_versions_resp empty = {0, NULL, 0, 0, NULL, 0, -1, NULL, 0, 0}, out;
    int16_t v;
    (void)state;
    for (v = 0; v <= 3; v++) {
        mb_api_versions_resp exp = full;
        if (v < 3) { /* what survives a trip through v0-v2 */
            exp.supported_features = NULL;
            exp.n_supported_features = 0;
            exp.finalized_features_epoch = -1;
            exp.finalized_features = NULL;
            exp.n_finalized_features = 0;
            exp.zk_migration_ready = 0;
        }
        tu_roundtrip(v, &req, &req_out, w_api_versions_req, r_api_versions_req, cmp_req);
        tu_roundtrip(v, v < 3 ? &exp : &full, &out, w_api_versions_resp, r_api_versions_resp,
                     cmp_resp);
        tu_roundtrip(v, &plain, &out, w_api_versions_resp, r_api_versions_resp, cmp_resp);
        tu_roundtrip(v, &empty, &out, w_api_versions_resp, r_api_versions_resp, cmp_resp);
    }
}

/* Many keys and nothing after them: the count bound must not be too strict. */
static void test_many_keys(void **state)
{
    mb_api_versions_key keys[40];
    mb_api_versions_resp r = {0, keys, 40, 0, NULL, 0, -1, NULL, 0, 0}, out;
    int16_t v;
    (void)state;
    for (v = 0; v < 40; v++)
        keys[v] = (mb_api_versions_key){v, 0, (int16_t)(v % 7)};
    for (v = 0; v <= 3; v++) {
        tu_roundtrip(v, &r, &out, w_api_versions_resp, r_api_versions_resp, cmp_resp);
        assert_int_equal(mb_api_versions_pick(&out, 39, 0, 9), 4);
    }
}

static void test_classic_bytes(void **state)
{
    /* v0: error 0, one key (18, 0..3); v1 adds throttle 0 */
    uint8_t buf[32], enc[32];
    size_t n = tu_hex("0000 00000001 0012 0000 0003", buf, sizeof buf);
    mb_api_versions_resp *resp = (mb_api_versions_resp *)tu_out;
    struct tu_dec_ctx c = {0, r_api_versions_resp};
    mb_wr w;
    (void)state;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    assert_int_equal(resp->n_api_keys, 1);
    assert_int_equal(resp->api_keys[0].api_key, 18);
    assert_int_equal(resp->api_keys[0].max_version, 3);
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(mb_api_versions_resp_write(&w, 0, resp), 0);
    tu_assert_bytes(enc, w.len, buf, n);
    tu_check_truncations(buf, n, tu_dec_any, &c);
    n = tu_hex("0000 00000001 0012 0000 0003 00000064", buf, sizeof buf);
    c.v = 2;
    assert_int_equal(tu_dec_any(buf, n, &c), 0);
    assert_int_equal(resp->throttle_time_ms, 100);
    tu_check_truncations(buf, n, tu_dec_any, &c);
    /* the v0-v2 request body is empty */
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(mb_api_versions_req_write(&w, 2, &(mb_api_versions_req){{"x", 1}, {"y", 1}}),
                     0);
    assert_int_equal(w.len, 0);
    assert_int_equal(tu_dec_hex("", 1, r_api_versions_req), 0);
    assert_int_equal(tu_dec_hex("00", 1, r_api_versions_req), MSGBUS_ERR_MALFORMED);
}

static void check_req_v3(const void *m)
{
    const mb_api_versions_req *req = m;
    tu_assert_str(req->client_software_name, "msgbus");
    tu_assert_str(req->client_software_version, "1.0.0");
}

static void check_resp_v3(const void *m)
{
    const mb_api_versions_resp *r = m;
    assert_int_equal(r->error_code, 0);
    assert_int_equal(r->n_api_keys, 2);
    assert_int_equal(r->api_keys[0].api_key, 18);
    assert_int_equal(r->api_keys[0].min_version, 0);
    assert_int_equal(r->api_keys[0].max_version, 3);
    assert_int_equal(r->api_keys[1].api_key, 3);
    assert_int_equal(r->api_keys[1].max_version, 12);
    assert_int_equal(r->throttle_time_ms, 0);
    assert_int_equal(r->n_supported_features, 1);
    tu_assert_str(r->supported_features[0].name, "kraft.version");
    assert_int_equal(r->supported_features[0].min_version, 0);
    assert_int_equal(r->supported_features[0].max_version, 1);
    assert_true(r->finalized_features_epoch == 5);
    assert_int_equal(r->n_finalized_features, 1);
    tu_assert_str(r->finalized_features[0].name, "metadata.version");
    assert_int_equal(r->finalized_features[0].max_version_level, 21);
    assert_int_equal(r->finalized_features[0].min_version_level, 1);
    assert_int_equal(r->zk_migration_ready, 1);
}

static void test_vectors(void **state)
{
    (void)state;
    tu_vector("schema_api_versions_v3_req.hex", 3, r_api_versions_req, w_api_versions_req,
              check_req_v3);
    tu_vector("schema_api_versions_v3_resp.hex", 3, r_api_versions_resp, w_api_versions_resp,
              check_resp_v3);
}

/* A broker that does not speak v1-v3 answers 35 with a v0 body. */
static void test_unsupported_version_fallback(void **state)
{
    size_t len = 0;
    uint8_t *buf = tu_load_vector("schema_api_versions_v3_resp_err35.hex", &len);
    mb_api_versions_resp *r = (mb_api_versions_resp *)tu_out;
    struct tu_dec_ctx c = {3, r_api_versions_resp};
    int16_t v;
    (void)state;
    for (v = 1; v <= 3; v++) {
        c.v = v;
        assert_int_equal(tu_dec_any(buf, len, &c), 0);
        assert_int_equal(r->error_code, 35);
        assert_int_equal(r->n_api_keys, 1);
        assert_int_equal(r->api_keys[0].api_key, 18);
        assert_int_equal(r->api_keys[0].min_version, 0);
        assert_int_equal(r->api_keys[0].max_version, 2);
        assert_int_equal(mb_api_versions_pick(r, 18, 0, 3), 2);
        assert_int_equal(r->throttle_time_ms, 0);
        assert_true(r->finalized_features_epoch == -1);
    }
    /* at v0 the same bytes are simply a v0 response */
    c.v = 0;
    tu_check_truncations(buf, len, tu_dec_any, &c);
    free(buf);
}

static void test_unsupported_version_malformed_body(void **state)
{
    static const char *bodies[] = {
        "0023",                                  /* no body at all */
        "0023 0000",                             /* a cut count */
        "0023 00000005 0012 0000 0003",          /* count beyond the input */
        "0023 ffffffff",                         /* a null array */
        "0023 02 0012 0000 0003 00 00000000 00", /* a v3 layout body */
        "0023 00000001 0012 0000 0003 00000000", /* trailing bytes */
    };
    mb_api_versions_resp *r = (mb_api_versions_resp *)tu_out;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        assert_int_equal(tu_dec_hex(bodies[i], 3, r_api_versions_resp), 0);
        assert_int_equal(r->error_code, 35);
        assert_int_equal(r->n_api_keys, 0);
        assert_null(r->api_keys);
        assert_int_equal(mb_api_versions_pick(r, 18, 0, 3), -1);
    }
    /* requested at v0, a malformed body is an error as any other */
    assert_int_equal(tu_dec_hex("0023 0000", 0, r_api_versions_resp), MSGBUS_ERR_TRUNCATED);
    assert_int_equal(tu_dec_hex("0023 00000001 0012 0000 0003 00", 0, r_api_versions_resp),
                     MSGBUS_ERR_MALFORMED);
    /* the error code itself cut short is still an error */
    assert_int_equal(tu_dec_hex("00", 3, r_api_versions_resp), MSGBUS_ERR_TRUNCATED);
    /* another error code at v3 is parsed in the v3 layout */
    assert_int_equal(tu_dec_hex("0022 01 00000000 00", 3, r_api_versions_resp), 0);
    assert_int_equal(r->error_code, 34);
    assert_int_equal(tu_dec_hex("0022 00000000", 3, r_api_versions_resp),
                     MSGBUS_ERR_MALFORMED); /* null array */
}

static void test_pick(void **state)
{
    mb_api_versions_key keys[4] = {{0, 3, 11}, {1, 4, 17}, {3, 0, 12}, {36, 0, 0}};
    mb_api_versions_resp r = {0, keys, 4, 0, NULL, 0, -1, NULL, 0, 0};
    mb_api_versions_resp none = {0, NULL, 0, 0, NULL, 0, -1, NULL, 0, 0};
    (void)state;
    assert_int_equal(mb_api_versions_pick(&r, 0, 3, 9), 9);    /* ours is lower */
    assert_int_equal(mb_api_versions_pick(&r, 1, 4, 20), 17);  /* theirs is lower */
    assert_int_equal(mb_api_versions_pick(&r, 3, 1, 12), 12);  /* equal tops */
    assert_int_equal(mb_api_versions_pick(&r, 0, 12, 13), -1); /* above theirs */
    assert_int_equal(mb_api_versions_pick(&r, 1, 0, 3), -1);   /* below theirs */
    assert_int_equal(mb_api_versions_pick(&r, 1, 0, 4), 4);    /* one common version */
    assert_int_equal(mb_api_versions_pick(&r, 36, 1, 2), -1);
    assert_int_equal(mb_api_versions_pick(&r, 36, 0, 2), 0);
    assert_int_equal(mb_api_versions_pick(&r, 22, 0, 2), -1); /* not listed */
    assert_int_equal(mb_api_versions_pick(&r, 3, 5, 4), -1);  /* our range empty */
    assert_int_equal(mb_api_versions_pick(&r, 3, -1, 4), -1);
    assert_int_equal(mb_api_versions_pick(&none, 3, 1, 12), -1);
    assert_int_equal(mb_api_versions_pick(NULL, 3, 1, 12), -1);
    keys[2].min_version = 9; /* a broker range that is empty */
    keys[2].max_version = 8;
    assert_int_equal(mb_api_versions_pick(&r, 3, 1, 12), -1);
}

static void test_hostile(void **state)
{
    uint8_t buf[64];
    mb_wr w;
    mb_api_versions_req nullreq = {{NULL, -1}, {"1", 1}};
    mb_api_versions_resp badarr = {0, NULL, 2, 0, NULL, 0, -1, NULL, 0, 0};
    mb_api_versions_resp badfeat = {0, NULL, 0, 0, NULL, 1, -1, NULL, 0, 0};
    mb_api_versions_resp *r = (mb_api_versions_resp *)tu_out;
    (void)state;
    /* huge counts */
    assert_int_equal(tu_dec_hex("0000 7fffffff 0012 0000 0003", 0, r_api_versions_resp),
                     MSGBUS_ERR_LIMIT);
    assert_int_equal(tu_dec_hex("0000 00000002 0012 0000 0003", 0, r_api_versions_resp),
                     MSGBUS_ERR_TRUNCATED);
    assert_int_equal(tu_dec_hex("0000 ffffffff0f", 3, r_api_versions_resp), MSGBUS_ERR_LIMIT);
    assert_int_equal(tu_dec_hex("0000 ffffffff", 1, r_api_versions_resp), MSGBUS_ERR_MALFORMED);
    /* the v3 compact api_keys array may not be null */
    assert_int_equal(tu_dec_hex("0000 00 00000000 00", 3, r_api_versions_resp),
                     MSGBUS_ERR_MALFORMED);
    /* a known tag of the wrong size */
    assert_int_equal(tu_dec_hex("0000 01 00000000 01 01 04 00000005", 3, r_api_versions_resp),
                     MSGBUS_ERR_TRUNCATED);
    assert_int_equal(tu_dec_hex("0000 01 00000000 01 03 02 0101", 3, r_api_versions_resp),
                     MSGBUS_ERR_MALFORMED);
    /* a features array claiming more than its tag holds */
    assert_int_equal(tu_dec_hex("0000 01 00000000 01 00 02 7f 00", 3, r_api_versions_resp),
                     MSGBUS_ERR_TRUNCATED);
    /* a null feature name */
    assert_int_equal(
        tu_dec_hex("0000 01 00000000 01 00 07 02 00 0000 0001 00", 3, r_api_versions_resp),
        MSGBUS_ERR_MALFORMED);
    /* unknown tags (and unknown tags inside an api key) skipped */
    assert_int_equal(
        tu_dec_hex("0000 02 0012 0000 0003 01 09 01 aa 00000000 01 07 00", 3, r_api_versions_resp),
        0);
    assert_int_equal(r->n_api_keys, 1);
    assert_int_equal(r->api_keys[0].max_version, 3);
    /* null client software name */
    assert_int_equal(tu_dec_hex("00 02 31 00", 3, r_api_versions_req), MSGBUS_ERR_MALFORMED);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_api_versions_req_write(&w, 3, &nullreq), MSGBUS_ERR_INVALID_ARG);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_api_versions_resp_write(&w, 3, &badarr), MSGBUS_ERR_INVALID_ARG);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_api_versions_resp_write(&w, 3, &badfeat), MSGBUS_ERR_INVALID_ARG);
    /* versions */
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_api_versions_req_write(&w, 4, &nullreq), MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(tu_dec_hex("0000 00000000 00000000", 4, r_api_versions_resp),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(tu_dec_hex("0000 00000000", -1, r_api_versions_resp),
                     MSGBUS_ERR_UNSUPPORTED_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all_versions),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_classic_bytes),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_unsupported_version_fallback),
        cmocka_unit_test(test_unsupported_version_malformed_body),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
