/* test_api.c - the API table, request/response headers and framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/api.h"
#include "testutil.h"

static void test_table_ranges(void **state)
{
    size_t n, i;
    const mb_api_info *t = mb_api_table(&n);
    (void)state;
    assert_int_equal(n, 19);
    for (i = 0; i < n; i++) {
        assert_true(t[i].min_version <= t[i].max_version);
        /* every range reaches its API's first flexible version (Metadata goes on to 12,
         * InitProducerId to 4 for the transactional producer's epoch recovery) */
        if (t[i].first_flex >= 0)
            assert_true(t[i].first_flex <= t[i].max_version);
        if (t[i].key != MB_API_METADATA && t[i].key != MB_API_INIT_PRODUCER_ID &&
            t[i].first_flex >= 0)
            assert_int_equal(t[i].first_flex, t[i].max_version);
        if (i > 0)
            assert_true(t[i - 1].key < t[i].key);
    }
    assert_true(mb_api_supported(MB_API_PRODUCE, 3));
    assert_false(mb_api_supported(MB_API_PRODUCE, 2));
    assert_false(mb_api_supported(MB_API_PRODUCE, 10));
    assert_false(mb_api_supported(99, 0));
    assert_true(mb_api_supported(MB_API_INIT_PRODUCER_ID, 4));
    assert_false(mb_api_supported(MB_API_INIT_PRODUCER_ID, 5));
    assert_true(mb_api_is_flexible(MB_API_END_TXN, 3));
    assert_false(mb_api_is_flexible(MB_API_END_TXN, 2));
    assert_false(mb_api_supported(MB_API_ADD_PARTITIONS_TO_TXN, 4)); /* broker-to-broker form */
    assert_true(mb_api_is_flexible(MB_API_METADATA, 9));
    assert_false(mb_api_is_flexible(MB_API_METADATA, 8));
    assert_false(mb_api_is_flexible(MB_API_SASL_HANDSHAKE, 1));
    assert_int_equal(mb_api_req_hdr_version(MB_API_FETCH, 12), 2);
    assert_int_equal(mb_api_req_hdr_version(MB_API_FETCH, 11), 1);
    assert_int_equal(mb_api_resp_hdr_version(MB_API_FETCH, 12), 1);
    assert_int_equal(mb_api_resp_hdr_version(MB_API_FETCH, 11), 0);
    /* ApiVersions responses never carry header tagged fields */
    assert_int_equal(mb_api_req_hdr_version(MB_API_API_VERSIONS, 3), 2);
    assert_int_equal(mb_api_resp_hdr_version(MB_API_API_VERSIONS, 3), 0);
}

static void test_request_header_v1_v2(void **state)
{
    uint8_t buf[64], want[64];
    size_t n;
    mb_wr w;
    mb_rd r;
    mb_req_hdr h = {MB_API_METADATA, 2, 0x01020304, {"rdkafka", 7}}, back;
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_req_hdr_write(&w, 1, &h), 0);
    n = tu_hex("0003 0002 01020304 0007 72646b61666b61", want, sizeof want);
    tu_assert_bytes(buf, w.len, want, n);
    mb_rd_init(&r, buf, w.len);
    assert_int_equal(mb_req_hdr_read(&r, 1, &back), 0);
    assert_int_equal(mb_rd_end(&r), 0);
    assert_int_equal(back.api_key, 3);
    assert_int_equal(back.api_version, 2);
    assert_int_equal(back.correlation_id, 0x01020304);
    assert_true(mb_str_eq(back.client_id, h.client_id));

    /* v2: client_id stays a classic nullable string; an empty tag section follows */
    h.api_version = 9;
    h.client_id = MB_STR_NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_req_hdr_write(&w, 2, &h), 0);
    n = tu_hex("0003 0009 01020304 ffff 00", want, sizeof want);
    tu_assert_bytes(buf, w.len, want, n);
    mb_rd_init(&r, buf, w.len);
    assert_int_equal(mb_req_hdr_read(&r, 2, &back), 0);
    assert_int_equal(back.client_id.len, -1);
    assert_int_equal(mb_rd_end(&r), 0);
    /* an unknown tag in the header is skipped */
    n = tu_hex("0003 0009 01020304 ffff 01 07 02 aabb", want, sizeof want);
    mb_rd_init(&r, want, n);
    assert_int_equal(mb_req_hdr_read(&r, 2, &back), 0);
    assert_int_equal(mb_rd_end(&r), 0);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_req_hdr_write(&w, 3, &h), MSGBUS_ERR_INVALID_ARG);
}

static int decode_resp_hdr_v1(const uint8_t *buf, size_t len, void *ctx)
{
    mb_rd r;
    int32_t corr = 0;
    (void)ctx;
    mb_rd_init(&r, buf, len);
    if (mb_resp_hdr_read(&r, 1, &corr))
        return r.err;
    if (corr != 0x7f)
        return MSGBUS_ERR_MALFORMED;
    return mb_rd_end(&r);
}

static void test_response_header_v0_v1(void **state)
{
    uint8_t buf[16];
    size_t n;
    mb_rd r;
    int32_t corr = 0;
    (void)state;
    n = tu_hex("0000007f", buf, sizeof buf);
    mb_rd_init(&r, buf, n);
    assert_int_equal(mb_resp_hdr_read(&r, 0, &corr), 0);
    assert_int_equal(corr, 0x7f);
    n = tu_hex("0000007f 01 00 01 ff", buf, sizeof buf);
    tu_check_truncations(buf, n, decode_resp_hdr_v1, NULL);
}

static void test_request_frame(void **state)
{
    uint8_t buf[64];
    mb_wr w;
    size_t pos;
    mb_req_hdr h = {MB_API_HEARTBEAT, 4, 5, {"c", 1}};
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_req_begin(&w, &h, &pos), 0);
    mb_wr_i32(&w, 42);
    assert_int_equal(mb_frame_end(&w, pos), 0);
    /* size = header (2+2+4+2+1+1 tags) + body 4 */
    assert_int_equal(buf[3], 12 + 4);
    assert_int_equal(w.len, 4 + 16);
    /* an unsupported version is refused before anything is written */
    h.api_version = 5;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_req_begin(&w, &h, &pos), MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(w.len, 0);
    /* the same frame sized first, then written: same length */
    h.api_version = 4;
    mb_wr_init(&w, NULL, 0);
    mb_req_begin(&w, &h, &pos);
    mb_wr_i32(&w, 42);
    assert_int_equal(mb_frame_end(&w, pos), 0);
    assert_int_equal(w.total, 20);
}

static void test_response_frame(void **state)
{
    uint8_t buf[32], want[32];
    size_t pos, n;
    mb_wr w;
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_resp_begin(&w, MB_API_SYNC_GROUP, 4, 9, &pos), 0);
    mb_wr_i16(&w, 0);
    assert_int_equal(mb_frame_end(&w, pos), 0);
    n = tu_hex("00000007 00000009 00 0000", want, sizeof want);
    tu_assert_bytes(buf, w.len, want, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_ranges),          cmocka_unit_test(test_request_header_v1_v2),
        cmocka_unit_test(test_response_header_v0_v1), cmocka_unit_test(test_request_frame),
        cmocka_unit_test(test_response_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
