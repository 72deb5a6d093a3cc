/* test_produce.c - Produce request/response bodies (v3-v9). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/produce.h"
#include "testutil.h"

#define V_MIN 3
#define V_MAX 9

static uint8_t arena_buf[1 << 16];
static mb_arena arena;

static const uint8_t batch_a[] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03};
static const uint8_t batch_b[] = {0x42};

static void assert_str(mb_str got, const char *want)
{
    if (!want) {
        assert_true(got.len < 0);
        return;
    }
    assert_int_equal(got.len, strlen(want));
    assert_memory_equal(got.ptr, want, strlen(want));
}

/* ------------------------------------------------------------------------ */
/* Sample messages                                                           */
/* ------------------------------------------------------------------------ */

static mb_produce_partition_data sample_parts[3];
static mb_produce_topic_data sample_topics[2];

static mb_produce_req sample_req(void)
{
    mb_produce_req req;
    sample_parts[0] = (mb_produce_partition_data){0, {batch_a, (int32_t)sizeof batch_a}};
    sample_parts[1] = (mb_produce_partition_data){7, MB_BYTES_NULL};
    sample_parts[2] = (mb_produce_partition_data){3, {batch_b, 1}};
    sample_topics[0] = (mb_produce_topic_data){mb_str_c("orders"), sample_parts, 2};
    sample_topics[1] = (mb_produce_topic_data){mb_str_c("x"), sample_parts + 2, 1};
    req.transactional_id = mb_str_c("txn-1");
    req.acks = -1;
    req.timeout_ms = 1500;
    req.topic_data = sample_topics;
    req.n_topic_data = 2;
    return req;
}

static mb_produce_record_error sample_rerr[2];
static mb_produce_partition_resp sample_presp[2];
static mb_produce_topic_resp sample_tresp[1];

static mb_produce_resp sample_resp(void)
{
    mb_produce_resp resp;
    sample_rerr[0] = (mb_produce_record_error){5, mb_str_c("bad record")};
    sample_rerr[1] = (mb_produce_record_error){9, MB_STR_NULL};
    memset(sample_presp, 0, sizeof sample_presp);
    sample_presp[0].index = 1;
    sample_presp[0].error_code = 0;
    sample_presp[0].base_offset = 0x0102030405060708LL;
    sample_presp[0].log_append_time_ms = 1700000000000LL;
    sample_presp[0].log_start_offset = 77;
    sample_presp[0].error_message = MB_STR_NULL;
    sample_presp[1].index = 4;
    sample_presp[1].error_code = 87;
    sample_presp[1].base_offset = -1;
    sample_presp[1].log_append_time_ms = -1;
    sample_presp[1].log_start_offset = 12;
    sample_presp[1].record_errors = sample_rerr;
    sample_presp[1].n_record_errors = 2;
    sample_presp[1].error_message = mb_str_c("batch dropped");
    sample_tresp[0] = (mb_produce_topic_resp){mb_str_c("orders"), sample_presp, 2};
    resp.responses = sample_tresp;
    resp.n_responses = 1;
    resp.throttle_time_ms = 250;
    return resp;
}

/* ------------------------------------------------------------------------ */
/* Field-by-field comparison (absent fields must hold the schema default)   */
/* ------------------------------------------------------------------------ */

static void check_req(const mb_produce_req *want, const mb_produce_req *got)
{
    int32_t i, j;
    assert_true(mb_str_eq(want->transactional_id, got->transactional_id));
    assert_int_equal(want->acks, got->acks);
    assert_int_equal(want->timeout_ms, got->timeout_ms);
    assert_int_equal(want->n_topic_data, got->n_topic_data);
    for (i = 0; i < want->n_topic_data; i++) {
        const mb_produce_topic_data *wt = &want->topic_data[i], *gt = &got->topic_data[i];
        assert_true(mb_str_eq(wt->name, gt->name));
        assert_int_equal(wt->n_partition_data, gt->n_partition_data);
        for (j = 0; j < wt->n_partition_data; j++) {
            assert_int_equal(wt->partition_data[j].index, gt->partition_data[j].index);
            assert_true(mb_bytes_eq(wt->partition_data[j].records, gt->partition_data[j].records));
        }
    }
}

static void check_presp(int16_t v, const mb_produce_partition_resp *w,
                        const mb_produce_partition_resp *g)
{
    int32_t k;
    assert_int_equal(w->index, g->index);
    assert_int_equal(w->error_code, g->error_code);
    assert_true(w->base_offset == g->base_offset);
    assert_true(w->log_append_time_ms == g->log_append_time_ms);
    assert_true(g->log_start_offset == (v >= 5 ? w->log_start_offset : -1));
    if (v < 8) {
        assert_int_equal(g->n_record_errors, 0);
        assert_true(g->error_message.len < 0);
        return;
    }
    assert_int_equal(w->n_record_errors, g->n_record_errors);
    for (k = 0; k < w->n_record_errors; k++) {
        assert_int_equal(w->record_errors[k].batch_index, g->record_errors[k].batch_index);
        assert_true(mb_str_eq(w->record_errors[k].batch_index_error_message,
                              g->record_errors[k].batch_index_error_message));
    }
    assert_true(mb_str_eq(w->error_message, g->error_message));
}

static void check_resp(int16_t v, const mb_produce_resp *want, const mb_produce_resp *got)
{
    int32_t i, j;
    assert_int_equal(want->throttle_time_ms, got->throttle_time_ms);
    assert_int_equal(want->n_responses, got->n_responses);
    for (i = 0; i < want->n_responses; i++) {
        const mb_produce_topic_resp *wt = &want->responses[i], *gt = &got->responses[i];
        assert_true(mb_str_eq(wt->name, gt->name));
        assert_int_equal(wt->n_partition_responses, gt->n_partition_responses);
        for (j = 0; j < wt->n_partition_responses; j++)
            check_presp(v, &wt->partition_responses[j], &gt->partition_responses[j]);
    }
}

/* ------------------------------------------------------------------------ */
/* Decoders for tu_check_truncations                                         */
/* ------------------------------------------------------------------------ */

static int dec_req(const uint8_t *buf, size_t len, void *ctx)
{
    mb_rd r;
    mb_produce_req req;
    mb_rd_init(&r, buf, len);
    mb_arena_reset(&arena);
    return mb_produce_req_read(&r, *(const int16_t *)ctx, &arena, &req);
}

static int dec_resp(const uint8_t *buf, size_t len, void *ctx)
{
    mb_rd r;
    mb_produce_resp resp;
    mb_rd_init(&r, buf, len);
    mb_arena_reset(&arena);
    return mb_produce_resp_read(&r, *(const int16_t *)ctx, &arena, &resp);
}

static int setup(void **state)
{
    (void)state;
    mb_arena_init(&arena, arena_buf, sizeof arena_buf);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Round trips                                                               */
/* ------------------------------------------------------------------------ */

static void test_req_roundtrip_all_versions(void **state)
{
    int16_t v;
    (void)state;
    for (v = V_MIN; v <= V_MAX; v++) {
        uint8_t b1[512], b2[512];
        mb_wr w;
        mb_rd r;
        mb_produce_req want = sample_req(), got;
        mb_wr_init(&w, b1, sizeof b1);
        assert_int_equal(mb_produce_req_write(&w, v, &want), 0);
        mb_arena_reset(&arena);
        mb_rd_init(&r, b1, w.len);
        assert_int_equal(mb_produce_req_read(&r, v, &arena, &got), 0);
        check_req(&want, &got);
        /* records decoded in place: they point into the input */
        assert_true(got.topic_data[0].partition_data[0].records.ptr > b1);
        assert_true(got.topic_data[0].partition_data[0].records.ptr < b1 + w.len);
        {
            mb_wr w2;
            mb_wr_init(&w2, b2, sizeof b2);
            assert_int_equal(mb_produce_req_write(&w2, v, &got), 0);
            tu_assert_bytes(b2, w2.len, b1, w.len);
        }
        tu_check_truncations(b1, w.len, dec_req, &v);
    }
}

static void test_resp_roundtrip_all_versions(void **state)
{
    int16_t v;
    (void)state;
    for (v = V_MIN; v <= V_MAX; v++) {
        uint8_t b1[512], b2[512];
        mb_wr w, w2;
        mb_rd r;
        mb_produce_resp want = sample_resp(), got;
        mb_wr_init(&w, b1, sizeof b1);
        assert_int_equal(mb_produce_resp_write(&w, v, &want), 0);
        mb_arena_reset(&arena);
        mb_rd_init(&r, b1, w.len);
        assert_int_equal(mb_produce_resp_read(&r, v, &arena, &got), 0);
        check_resp(v, &want, &got);
        mb_wr_init(&w2, b2, sizeof b2);
        assert_int_equal(mb_produce_resp_write(&w2, v, &got), 0);
        tu_assert_bytes(b2, w2.len, b1, w.len);
        tu_check_truncations(b1, w.len, dec_resp, &v);
    }
}

/* Version-dependent layout: v3/v4 have no log_start_offset, v5-v7 no
 * record_errors / error_message; the body sizes differ by exactly those. */
static void test_resp_sizes_per_version(void **state)
{
    static const size_t want[] = {0, 0, 0, 64, 64, 80, 80, 80, 127, 116};
    int16_t v;
    (void)state;
    for (v = V_MIN; v <= V_MAX; v++) {
        mb_wr w;
        mb_produce_resp resp = sample_resp();
        mb_wr_init(&w, NULL, 0);
        assert_int_equal(mb_produce_resp_write(&w, v, &resp), 0);
        assert_int_equal(w.total, want[v]);
    }
}

/* ------------------------------------------------------------------------ */
/* Schema vectors (v9, the flexible version)                                 */
/* ------------------------------------------------------------------------ */

static void test_vector_req_v9(void **state)
{
    size_t len;
    uint8_t *buf = tu_load_vector("schema_produce_v9_req.hex", &len);
    uint8_t out[256];
    int16_t v = 9;
    mb_rd r;
    mb_wr w;
    mb_produce_req req;
    const mb_produce_partition_data *p;
    (void)state;
    mb_arena_reset(&arena);
    mb_rd_init(&r, buf, len);
    assert_int_equal(mb_produce_req_read(&r, v, &arena, &req), 0);
    assert_str(req.transactional_id, "tx");
    assert_int_equal(req.acks, -1);
    assert_int_equal(req.timeout_ms, 30000);
    assert_int_equal(req.n_topic_data, 1);
    assert_str(req.topic_data[0].name, "t1");
    assert_int_equal(req.topic_data[0].n_partition_data, 2);
    p = req.topic_data[0].partition_data;
    assert_int_equal(p[0].index, 0);
    assert_int_equal(p[0].records.len, 5);
    assert_ptr_equal(p[0].records.ptr, buf + 19); /* in place, after its length byte */
    assert_memory_equal(p[0].records.ptr, "\x01\x02\x03\x04\x05", 5);
    assert_int_equal(p[1].index, 1);
    assert_true(p[1].records.len < 0);
    mb_wr_init(&w, out, sizeof out);
    assert_int_equal(mb_produce_req_write(&w, v, &req), 0);
    tu_assert_bytes(out, w.len, buf, len);
    tu_check_truncations(buf, len, dec_req, &v);
    free(buf);
}

static void test_vector_resp_v9(void **state)
{
    size_t len;
    uint8_t *buf = tu_load_vector("schema_produce_v9_resp.hex", &len);
    uint8_t out[256];
    int16_t v = 9;
    mb_rd r;
    mb_wr w;
    mb_produce_resp resp;
    const mb_produce_partition_resp *p;
    (void)state;
    mb_arena_reset(&arena);
    mb_rd_init(&r, buf, len);
    assert_int_equal(mb_produce_resp_read(&r, v, &arena, &resp), 0);
    assert_int_equal(resp.n_responses, 1);
    assert_str(resp.responses[0].name, "t1");
    assert_int_equal(resp.responses[0].n_partition_responses, 1);
    p = &resp.responses[0].partition_responses[0];
    assert_int_equal(p->index, 2);
    assert_int_equal(p->error_code, 87);
    assert_true(p->base_offset == 100);
    assert_true(p->log_append_time_ms == -1);
    assert_true(p->log_start_offset == 5);
    assert_int_equal(p->n_record_errors, 2);
    assert_int_equal(p->record_errors[0].batch_index, 3);
    assert_str(p->record_errors[0].batch_index_error_message, "bad");
    assert_int_equal(p->record_errors[1].batch_index, 4);
    assert_str(p->record_errors[1].batch_index_error_message, NULL);
    assert_str(p->error_message, "oops");
    assert_int_equal(resp.throttle_time_ms, 10);
    mb_wr_init(&w, out, sizeof out);
    assert_int_equal(mb_produce_resp_write(&w, v, &resp), 0);
    tu_assert_bytes(out, w.len, buf, len);
    tu_check_truncations(buf, len, dec_resp, &v);
    free(buf);
}

/* ------------------------------------------------------------------------ */
/* Zero copy                                                                 */
/* ------------------------------------------------------------------------ */

static void test_req_iov_references_batches(void **state)
{
    uint8_t buf[256], flat[256], joined[256];
    mb_iov iov[16];
    size_t i, n = 0, found_a = 0, found_b = 0;
    int16_t v;
    (void)state;
    for (v = V_MIN; v <= V_MAX; v++) {
        mb_wr w, wf;
        mb_produce_req req = sample_req();
        mb_wr_init_iov(&w, buf, sizeof buf, iov, 16);
        assert_int_equal(mb_produce_req_write(&w, v, &req), 0);
        assert_int_equal(mb_wr_finish_iov(&w), 0);
        /* the batches were not copied into buf */
        assert_int_equal(w.len + sizeof batch_a + sizeof batch_b, w.total);
        n = 0;
        found_a = found_b = 0;
        for (i = 0; i < w.iov_n; i++) {
            if (iov[i].base == (const void *)batch_a && iov[i].len == sizeof batch_a)
                found_a++;
            if (iov[i].base == (const void *)batch_b && iov[i].len == sizeof batch_b)
                found_b++;
            memcpy(joined + n, iov[i].base, iov[i].len);
            n += iov[i].len;
        }
        assert_int_equal(found_a, 1);
        assert_int_equal(found_b, 1);
        /* the pieces, joined, are exactly the flat encoding */
        mb_wr_init(&wf, flat, sizeof flat);
        assert_int_equal(mb_produce_req_write(&wf, v, &req), 0);
        tu_assert_bytes(joined, n, flat, wf.len);
    }
}

/* ------------------------------------------------------------------------ */
/* Hostile input and bad arguments                                           */
/* ------------------------------------------------------------------------ */

static int hex_dec(const char *hex, int16_t v, int is_resp)
{
    uint8_t buf[256];
    size_t n = tu_hex(hex, buf, sizeof buf);
    return is_resp ? dec_resp(buf, n, &v) : dec_req(buf, n, &v);
}

static void test_hostile(void **state)
{
    (void)state;
    /* v3 req: huge topic count */
    assert_int_equal(hex_dec("ffff ffff 00000000 7fffffff", 3, 0), MSGBUS_ERR_LIMIT);
    /* v3 req: count within the cap but more than the input can hold */
    assert_int_equal(hex_dec("ffff ffff 00000000 00000100 0000 00000000", 3, 0),
                     MSGBUS_ERR_TRUNCATED);
    /* v9 req: huge compact count */
    assert_int_equal(hex_dec("00 ffff 00000000 ffffffff07", 9, 0), MSGBUS_ERR_LIMIT);
    /* v3 req: null topic array */
    assert_int_equal(hex_dec("ffff ffff 00000000 ffffffff", 3, 0), MSGBUS_ERR_MALFORMED);
    /* v3 req: null topic name */
    assert_int_equal(hex_dec("ffff ffff 00000000 00000001 ffff 00000000", 3, 0),
                     MSGBUS_ERR_MALFORMED);
    /* v9 req: null (compact 0) topic name */
    assert_int_equal(hex_dec("00 ffff 00000000 02 00 01 00 00", 9, 0), MSGBUS_ERR_MALFORMED);
    /* v3 req: records length -2 */
    assert_int_equal(
        hex_dec("ffff ffff 00000000 00000001 0001 61 00000001 00000000 fffffffe", 3, 0),
        MSGBUS_ERR_MALFORMED);
    /* v3 req: records length past the end */
    assert_int_equal(
        hex_dec("ffff ffff 00000000 00000001 0001 61 00000001 00000000 00000010 00", 3, 0),
        MSGBUS_ERR_TRUNCATED);
    /* v3 req: trailing byte */
    assert_int_equal(hex_dec("ffff ffff 00000000 00000000 00", 3, 0), MSGBUS_ERR_MALFORMED);
    /* v8 resp: record_errors null (non-nullable) */
    assert_int_equal(hex_dec("00000001 0001 61 00000001 00000000 0000 0000000000000000"
                             "ffffffffffffffff ffffffffffffffff ffffffff ffff 00000000",
                             8, 1),
                     MSGBUS_ERR_MALFORMED);
    /* v9 resp: a tagged field with a size past the end */
    assert_int_equal(hex_dec("01 00000000 01 00 7f", 9, 1), MSGBUS_ERR_TRUNCATED);
    /* negative string length in v3 resp */
    assert_int_equal(
        hex_dec("00000001 fffe 0000000000000000 0000000000000000 0000000000000000", 3, 1),
        MSGBUS_ERR_MALFORMED);
}

static void test_unknown_tags_skipped(void **state)
{
    /* v9 resp with an unknown tag 0 (CurrentLeader, v10+) in the partition and
     * an unknown tag 5 at body level: both skipped, the rest decoded. */
    static const char *hex = "02 03 7431 02 00000001 0000 0000000000000010 ffffffffffffffff"
                             "0000000000000000 01 00 "
                             "01 00 09 00000003 00000004 00" /* partition tags */
                             "00 00000000 01 05 02 abcd";
    uint8_t buf[128];
    size_t n = tu_hex(hex, buf, sizeof buf);
    mb_rd r;
    mb_produce_resp resp;
    const mb_produce_partition_resp *p;
    (void)state;
    mb_arena_reset(&arena);
    mb_rd_init(&r, buf, n);
    assert_int_equal(mb_produce_resp_read(&r, 9, &arena, &resp), 0);
    p = &resp.responses[0].partition_responses[0];
    assert_int_equal(p->index, 1);
    assert_true(p->base_offset == 16);
    assert_int_equal(p->n_record_errors, 0);
    assert_true(p->error_message.len < 0);
    assert_int_equal(resp.throttle_time_ms, 0);
}

static void test_arena_too_small(void **state)
{
    uint8_t buf[256], small[8];
    mb_wr w;
    mb_rd r;
    mb_arena a;
    mb_produce_req req = sample_req(), got;
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_produce_req_write(&w, 5, &req), 0);
    mb_arena_init(&a, small, sizeof small);
    mb_rd_init(&r, buf, w.len);
    assert_int_equal(mb_produce_req_read(&r, 5, &a, &got), MSGBUS_ERR_NO_ROOM);
}

static void test_bad_version_and_args(void **state)
{
    uint8_t buf[256];
    mb_wr w;
    mb_rd r;
    mb_produce_req req = sample_req();
    mb_produce_resp resp = sample_resp();
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_produce_req_write(&w, 2, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_produce_req_write(&w, 10, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_produce_resp_write(&w, 10, &resp), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_init(&r, buf, 0);
    assert_int_equal(mb_produce_resp_read(&r, 2, &arena, &resp), MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_init(&r, buf, 0);
    assert_int_equal(mb_produce_req_read(&r, 10, &arena, &req), MSGBUS_ERR_UNSUPPORTED_VERSION);
    /* a null topic name cannot be written */
    req = sample_req();
    sample_topics[1].name = MB_STR_NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_produce_req_write(&w, 9, &req), MSGBUS_ERR_INVALID_ARG);
    /* a count without its array */
    req = sample_req();
    req.topic_data = NULL;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_produce_req_write(&w, 9, &req), MSGBUS_ERR_INVALID_ARG);
    /* output too small */
    req = sample_req();
    mb_wr_init(&w, buf, 10);
    assert_int_equal(mb_produce_req_write(&w, 9, &req), MSGBUS_ERR_NO_ROOM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_req_roundtrip_all_versions),
        cmocka_unit_test(test_resp_roundtrip_all_versions),
        cmocka_unit_test(test_resp_sizes_per_version),
        cmocka_unit_test(test_vector_req_v9),
        cmocka_unit_test(test_vector_resp_v9),
        cmocka_unit_test(test_req_iov_references_batches),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_unknown_tags_skipped),
        cmocka_unit_test(test_arena_too_small),
        cmocka_unit_test(test_bad_version_and_args),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
