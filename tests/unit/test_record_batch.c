/* test_record_batch.c - RecordBatch v2 builder and readers.
 *
 * Truncation semantics under test: every proper prefix of a batch blob yields
 * MB_ITER_END (empty input) or MB_BATCH_INCOMPLETE from mb_batch_next(),
 * never a batch and never an error; a blob of whole batches followed by a
 * cut-short one yields the whole batches, then MB_BATCH_INCOMPLETE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/crc32c.h"
#include "proto/record_batch.h"
#include "testutil.h"

#define BASE_TS 1700000000000LL

static mb_bytes B(const char *s)
{
    mb_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = s ? (int32_t)strlen(s) : -1;
    return b;
}

static mb_batch_params plain_params(void)
{
    mb_batch_params p;
    memset(&p, 0, sizeof p);
    p.base_offset = 0;
    p.base_timestamp = BASE_TS;
    p.producer_id = -1;
    p.producer_epoch = -1;
    p.base_sequence = -1;
    p.partition_leader_epoch = -1;
    return p;
}

static void be_put(uint8_t *p, uint64_t v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Recompute the CRC of a batch at @p b of @p n bytes (independently, in software). */
static void fix_crc(uint8_t *b, size_t n)
{
    be_put(b + 17, mb_crc32c_sw(0, b + 21, n - 21), 4);
}

/* Wrap hand-written record bytes in a valid header (correct CRC). */
static size_t wrap_batch(uint8_t *out, const uint8_t *recs, size_t rlen, int32_t count,
                         int16_t attr)
{
    memset(out, 0, MB_BATCH_HEADER_SIZE);
    be_put(out + 0, 100, 8);
    be_put(out + 8, (uint32_t)(MB_BATCH_HEADER_SIZE - 12 + rlen), 4);
    be_put(out + 12, 0xffffffffu, 4);
    out[16] = 2;
    be_put(out + 21, (uint16_t)attr, 2);
    be_put(out + 23, (uint32_t)(count > 0 ? count - 1 : 0), 4);
    be_put(out + 27, (uint64_t)BASE_TS, 8);
    be_put(out + 35, (uint64_t)BASE_TS, 8);
    be_put(out + 43, UINT64_MAX, 8);
    be_put(out + 51, 0xffff, 2);
    be_put(out + 53, 0xffffffffu, 4);
    be_put(out + 57, (uint32_t)count, 4);
    if (rlen)
        memcpy(out + MB_BATCH_HEADER_SIZE, recs, rlen);
    fix_crc(out, MB_BATCH_HEADER_SIZE + rlen);
    return MB_BATCH_HEADER_SIZE + rlen;
}

/* Decode hand-written records (hex) in one batch; the first failing return, or 0. */
static int decode_records_hex(const char *hex, int32_t count, int *n_ok)
{
    uint8_t recs[512], batch[600];
    size_t rlen = tu_hex(hex, recs, sizeof recs);
    size_t n = wrap_batch(batch, recs, rlen, count, 0);
    mb_batch_iter it;
    mb_batch bt;
    mb_record_iter ri;
    mb_record rec;
    int rc;
    *n_ok = 0;
    mb_batch_iter_init(&it, batch, n);
    rc = mb_batch_next(&it, &bt);
    if (rc)
        return rc;
    rc = mb_record_iter_init(&ri, &bt);
    while (rc == 0) {
        rc = mb_record_next(&ri, &rec);
        if (rc == 0)
            (*n_ok)++;
    }
    return rc == MB_ITER_END ? 0 : rc;
}

/* ------------------------------------------------------------------------ */

static void test_small_vector(void **state)
{
    size_t vlen = 0;
    uint8_t *want = tu_load_vector("batch_small.hex", &vlen);
    uint8_t buf[256];
    mb_batch_builder b;
    mb_batch_params p = plain_params();
    mb_record_header h = {{"h1", 2}, {NULL, -1}};
    const uint8_t *out = NULL;
    size_t len = 0;
    uint32_t stored;
    (void)state;
    /* the vector's CRC, checked independently against the software CRC */
    stored =
        (uint32_t)want[17] << 24 | (uint32_t)want[18] << 16 | (uint32_t)want[19] << 8 | want[20];
    assert_int_equal(stored, mb_crc32c_sw(0, want + 21, vlen - 21));
    assert_int_equal(stored, 0x5087a4a8u);

    assert_int_equal(mb_batch_builder_init(&b, buf, sizeof buf, &p), 0);
    assert_int_equal(mb_batch_record_size(&b, BASE_TS + 5, B("k"), B("hello"), &h, 1), 17);
    assert_int_equal(mb_batch_append(&b, BASE_TS + 5, B("k"), B("hello"), &h, 1), 0);
    assert_int_equal(mb_batch_record_size(&b, BASE_TS + 2, B(NULL), B(""), NULL, 0), 7);
    assert_int_equal(mb_batch_append(&b, BASE_TS + 2, B(NULL), B(""), NULL, 0), 0);
    assert_int_equal(mb_batch_finish(&b, &out, &len), 0);
    tu_assert_bytes(out, len, want, vlen);
    free(want);
}

static void test_small_vector_decode(void **state)
{
    size_t vlen = 0;
    uint8_t *v = tu_load_vector("batch_small.hex", &vlen);
    mb_batch_iter it;
    mb_batch bt;
    mb_record_iter ri;
    mb_record rec;
    mb_header_iter hi;
    mb_record_header h;
    (void)state;
    mb_batch_iter_init(&it, v, vlen);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_true(bt.base_offset == 0);
    assert_int_equal(bt.batch_length, 73);
    assert_int_equal(bt.partition_leader_epoch, -1);
    assert_int_equal(bt.magic, 2);
    assert_int_equal(bt.crc, 0x5087a4a8u);
    assert_int_equal(bt.attributes, 0);
    assert_int_equal(bt.last_offset_delta, 1);
    assert_true(bt.base_timestamp == BASE_TS);
    assert_true(bt.max_timestamp == BASE_TS + 5);
    assert_true(bt.producer_id == -1);
    assert_int_equal(bt.producer_epoch, -1);
    assert_int_equal(bt.base_sequence, -1);
    assert_int_equal(bt.record_count, 2);
    assert_int_equal(bt.size, vlen);
    assert_true(mb_batch_last_offset(&bt) == 1);
    assert_int_equal(mb_batch_compression(&bt), MB_COMPRESSION_NONE);
    assert_int_equal(mb_batch_is_control(&bt), 0);
    assert_int_equal(mb_batch_is_transactional(&bt), 0);
    assert_int_equal(mb_batch_timestamp_type(&bt), 0);

    assert_int_equal(mb_record_iter_init(&ri, &bt), 0);
    assert_int_equal(mb_record_next(&ri, &rec), 0);
    assert_true(rec.offset == 0 && rec.timestamp == BASE_TS + 5);
    assert_true(mb_bytes_eq(rec.key, B("k")));
    assert_true(mb_bytes_eq(rec.value, B("hello")));
    assert_int_equal(rec.n_headers, 1);
    mb_header_iter_init(&hi, &rec);
    assert_int_equal(mb_header_next(&hi, &h), 0);
    assert_true(mb_str_eq(h.key, mb_str_c("h1")));
    assert_int_equal(h.value.len, -1);
    assert_int_equal(mb_header_next(&hi, &h), MB_ITER_END);

    assert_int_equal(mb_record_next(&ri, &rec), 0);
    assert_true(rec.offset == 1 && rec.timestamp == BASE_TS + 2);
    assert_int_equal(rec.key.len, -1);
    assert_int_equal(rec.value.len, 0);
    assert_int_equal(rec.n_headers, 0);
    assert_int_equal(mb_record_next(&ri, &rec), MB_ITER_END);
    assert_int_equal(mb_record_next(&ri, &rec), MB_ITER_END);
    assert_int_equal(mb_batch_next(&it, &bt), MB_ITER_END);
    free(v);
}

/* Read back everything a build produced: keys, null keys, headers, empty and large values. */
static void test_roundtrip(void **state)
{
    enum { BIG = 100000, N = 50 };
    size_t cap = 2 * BIG + 64 * N + 1000;
    uint8_t *buf = malloc(cap), *big = malloc(BIG);
    mb_batch_builder b;
    mb_batch_params p = plain_params();
    mb_record_header hs[3] = {{{"a", 1}, {(const uint8_t *)"1", 1}},
                              {{"", 0}, {NULL, -1}},
                              {{"ccc", 3}, {(const uint8_t *)"", 0}}};
    const uint8_t *out = NULL;
    size_t len = 0, i;
    char keybuf[N][16];
    mb_batch_iter it;
    mb_batch bt;
    mb_record_iter ri;
    mb_record rec;
    (void)state;
    assert_non_null(buf);
    assert_non_null(big);
    for (i = 0; i < BIG; i++)
        big[i] = (uint8_t)(i * 31);
    p.base_offset = 1000;
    p.producer_id = 77;
    p.producer_epoch = 3;
    p.base_sequence = 42;
    p.partition_leader_epoch = 9;
    p.transactional = 1;
    assert_int_equal(mb_batch_builder_init(&b, buf, cap, &p), 0);
    for (i = 0; i < N; i++) {
        mb_bytes key = B(NULL), val = B("");
        size_t before = b.len, want;
        int64_t ts = BASE_TS - 10 + (int64_t)i; /* some deltas negative */
        snprintf(keybuf[i], sizeof keybuf[i], "key-%zu", i);
        if (i % 3 != 0)
            key = B(keybuf[i]);
        if (i % 5 == 1)
            val = B(keybuf[i]);
        if (i == 7 || i == 30) {
            val.ptr = big;
            val.len = BIG;
        }
        want = mb_batch_record_size(&b, ts, key, val, hs, i % 4);
        assert_true(want > 0);
        assert_true(want <= mb_batch_record_size_bound((size_t)(key.len > 0 ? key.len : 0),
                                                       (size_t)(val.len > 0 ? val.len : 0), i % 4,
                                                       8));
        assert_int_equal(mb_batch_append(&b, ts, key, val, hs, i % 4), 0);
        assert_int_equal(b.len - before, want);
    }
    assert_int_equal(mb_batch_finish(&b, &out, &len), 0);

    mb_batch_iter_init(&it, out, len);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_true(bt.base_offset == 1000 && bt.producer_id == 77);
    assert_int_equal(bt.producer_epoch, 3);
    assert_int_equal(bt.base_sequence, 42);
    assert_int_equal(bt.partition_leader_epoch, 9);
    assert_int_equal(bt.record_count, N);
    assert_int_equal(bt.last_offset_delta, N - 1);
    assert_true(mb_batch_last_offset(&bt) == 1000 + N - 1);
    assert_true(bt.max_timestamp == BASE_TS - 10 + N - 1);
    assert_int_equal(mb_batch_is_transactional(&bt), 1);
    assert_int_equal(mb_batch_is_control(&bt), 0);
    assert_int_equal(mb_record_iter_init(&ri, &bt), 0);
    for (i = 0; i < N; i++) {
        mb_header_iter hi;
        mb_record_header h;
        size_t k;
        assert_int_equal(mb_record_next(&ri, &rec), 0);
        assert_true(rec.offset == 1000 + (int64_t)i);
        assert_true(rec.timestamp == BASE_TS - 10 + (int64_t)i);
        if (i % 3 != 0)
            assert_true(mb_bytes_eq(rec.key, B(keybuf[i])));
        else
            assert_int_equal(rec.key.len, -1);
        if (i == 7 || i == 30) {
            assert_int_equal(rec.value.len, BIG);
            assert_memory_equal(rec.value.ptr, big, BIG);
        } else if (i % 5 == 1) {
            assert_true(mb_bytes_eq(rec.value, B(keybuf[i])));
        } else {
            assert_int_equal(rec.value.len, 0);
        }
        assert_int_equal(rec.n_headers, (int32_t)(i % 4));
        mb_header_iter_init(&hi, &rec);
        for (k = 0; k < i % 4; k++) {
            assert_int_equal(mb_header_next(&hi, &h), 0);
            assert_true(mb_str_eq(h.key, hs[k].key));
            assert_true(mb_bytes_eq(h.value, hs[k].value));
        }
        assert_int_equal(mb_header_next(&hi, &h), MB_ITER_END);
    }
    assert_int_equal(mb_record_next(&ri, &rec), MB_ITER_END);
    assert_int_equal(mb_batch_next(&it, &bt), MB_ITER_END);
    free(buf);
    free(big);
}

static void test_builder_limits(void **state)
{
    uint8_t buf[200], copy[200];
    mb_batch_builder b;
    mb_batch_params p = plain_params();
    mb_record_header bad = {{NULL, -1}, {NULL, -1}};
    mb_record_header many[MSGBUS_CFG_MAX_RECORD_HEADERS + 1];
    const uint8_t *out = NULL;
    size_t len = 99, before;
    char val[200];
    (void)state;
    memset(val, 'v', sizeof val - 1);
    val[sizeof val - 1] = '\0';
    assert_int_equal(mb_batch_builder_init(&b, buf, 60, &p), MSGBUS_ERR_NO_ROOM);
    assert_int_equal(mb_batch_builder_init(&b, NULL, 100, &p), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_batch_builder_init(&b, buf, sizeof buf, &p), 0);
    assert_int_equal(mb_batch_room(&b), sizeof buf - 61);
    /* empty batch finishes to nothing */
    assert_int_equal(mb_batch_finish(&b, &out, &len), 0);
    assert_int_equal(len, 0);
    assert_int_equal(mb_batch_append(&b, BASE_TS, B("k"), B("v"), NULL, 0), MSGBUS_ERR_STATE);

    assert_int_equal(mb_batch_builder_init(&b, buf, sizeof buf, &p), 0);
    assert_int_equal(mb_batch_append(&b, BASE_TS, B("k"), B("v"), &bad, 1), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_batch_record_size(&b, BASE_TS, B("k"), B("v"), &bad, 1), 0);
    memset(many, 0, sizeof many);
    assert_int_equal(
        mb_batch_append(&b, BASE_TS, B("k"), B("v"), many, MSGBUS_CFG_MAX_RECORD_HEADERS + 1),
        MSGBUS_ERR_LIMIT);
    assert_int_equal(mb_batch_append(&b, BASE_TS, B("k"), B("first"), NULL, 0), 0);
    before = b.len;
    memcpy(copy, buf, sizeof buf);
    /* does not fit: nothing changes, and the batch still finishes as before */
    assert_int_equal(mb_batch_append(&b, BASE_TS, B("k"), B(val), NULL, 0), MSGBUS_ERR_NO_ROOM);
    assert_int_equal(b.len, before);
    assert_int_equal(b.count, 1);
    assert_memory_equal(copy, buf, sizeof buf);
    assert_int_equal(mb_batch_finish(&b, &out, &len), 0);
    assert_int_equal(len, before);
    {
        mb_batch_iter it;
        mb_batch bt;
        mb_batch_iter_init(&it, out, len);
        assert_int_equal(mb_batch_next(&it, &bt), 0);
        assert_int_equal(bt.record_count, 1);
        assert_true(bt.max_timestamp == BASE_TS);
    }
    /* finish twice: same answer */
    assert_int_equal(mb_batch_finish(&b, &out, &len), 0);
    assert_int_equal(len, before);
}

/* Build a batch of @p n records into buf; returns its length. */
static size_t build(uint8_t *buf, size_t cap, int64_t base_offset, int n, const mb_batch_params *pp)
{
    mb_batch_builder b;
    mb_batch_params p = pp ? *pp : plain_params();
    const uint8_t *out = NULL;
    size_t len = 0;
    int i;
    p.base_offset = base_offset;
    assert_int_equal(mb_batch_builder_init(&b, buf, cap, &p), 0);
    for (i = 0; i < n; i++)
        assert_int_equal(mb_batch_append(&b, BASE_TS + i, B("key"), B("value"), NULL, 0), 0);
    assert_int_equal(mb_batch_finish(&b, &out, &len), 0);
    return len;
}

static void test_bad_crc_skippable(void **state)
{
    uint8_t blob[1000];
    size_t n1 = build(blob, sizeof blob, 0, 3, NULL);
    size_t n2 = build(blob + n1, sizeof blob - n1, 3, 2, NULL);
    mb_batch_iter it;
    mb_batch bt;
    (void)state;
    blob[n1 - 2] ^= 0x01; /* a value byte of the first batch */
    mb_batch_iter_init(&it, blob, n1 + n2);
    assert_int_equal(mb_batch_next(&it, &bt), MSGBUS_ERR_CRC);
    assert_true(bt.base_offset == 0); /* header still filled in */
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_true(bt.base_offset == 3);
    assert_int_equal(bt.record_count, 2);
    assert_int_equal(mb_batch_next(&it, &bt), MB_ITER_END);
    /* a corrupt crc field itself */
    blob[n1 - 2] ^= 0x01;
    blob[18] ^= 0x80;
    mb_batch_iter_init(&it, blob, n1);
    assert_int_equal(mb_batch_next(&it, &bt), MSGBUS_ERR_CRC);
    assert_int_equal(mb_batch_next(&it, &bt), MB_ITER_END);
}

/* Decoder for tu_check_truncations: every batch, record and header; an
 * incomplete tail or an input with no batch at all counts as TRUNCATED. */
static int decode_all(const uint8_t *buf, size_t len, void *ctx)
{
    mb_batch_iter it;
    mb_batch bt;
    int rc, batches = 0;
    (void)ctx;
    mb_batch_iter_init(&it, buf, len);
    while ((rc = mb_batch_next(&it, &bt)) == 0) {
        mb_record_iter ri;
        mb_record rec;
        batches++;
        rc = mb_record_iter_init(&ri, &bt);
        while (rc == 0 && (rc = mb_record_next(&ri, &rec)) == 0) {
            mb_header_iter hi;
            mb_record_header h;
            mb_header_iter_init(&hi, &rec);
            while ((rc = mb_header_next(&hi, &h)) == 0)
                ;
            if (rc != MB_ITER_END)
                return rc;
            rc = 0;
        }
        if (rc != MB_ITER_END)
            return rc;
    }
    if (rc == MB_BATCH_INCOMPLETE || (rc == MB_ITER_END && batches == 0))
        return MSGBUS_ERR_TRUNCATED;
    return rc == MB_ITER_END ? 0 : rc;
}

static void test_truncations(void **state)
{
    size_t vlen = 0, n;
    uint8_t *v = tu_load_vector("batch_small.hex", &vlen);
    uint8_t blob[1000];
    size_t n1, n2;
    (void)state;
    tu_check_truncations(v, vlen, decode_all, NULL);
    /* stronger: every proper prefix is END (empty) or INCOMPLETE, never an error */
    for (n = 0; n < vlen; n++) {
        mb_batch_iter it;
        mb_batch bt;
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, v, n);
        mb_batch_iter_init(&it, copy, n);
        assert_int_equal(mb_batch_next(&it, &bt), n == 0 ? MB_ITER_END : MB_BATCH_INCOMPLETE);
        if (n)
            assert_int_equal(mb_batch_next(&it, &bt), MB_BATCH_INCOMPLETE);
        free(copy);
    }
    /* two batches, the second cut short: the first decodes, then INCOMPLETE */
    n1 = build(blob, sizeof blob, 0, 2, NULL);
    n2 = build(blob + n1, sizeof blob - n1, 2, 2, NULL);
    for (n = n1 + 1; n < n1 + n2; n++) {
        mb_batch_iter it;
        mb_batch bt;
        mb_batch_iter_init(&it, blob, n);
        assert_int_equal(mb_batch_next(&it, &bt), 0);
        assert_int_equal(mb_batch_next(&it, &bt), MB_BATCH_INCOMPLETE);
    }
    free(v);
}

static void test_framing_errors(void **state)
{
    uint8_t blob[1000];
    size_t n1 = build(blob, sizeof blob, 0, 2, NULL);
    size_t n2 = build(blob + n1, sizeof blob - n1, 2, 1, NULL);
    mb_batch_iter it;
    mb_batch bt;
    uint8_t save[4];
    (void)state;
    memcpy(save, blob + 8, 4);
    /* batchLength too small to hold a magic byte: sticky */
    be_put(blob + 8, 4, 4);
    mb_batch_iter_init(&it, blob, n1 + n2);
    assert_int_equal(mb_batch_next(&it, &bt), MSGBUS_ERR_MALFORMED);
    assert_int_equal(mb_batch_next(&it, &bt), MSGBUS_ERR_MALFORMED);
    be_put(blob + 8, 0xffffffffu, 4); /* negative */
    mb_batch_iter_init(&it, blob, n1 + n2);
    assert_int_equal(mb_batch_next(&it, &bt), MSGBUS_ERR_MALFORMED);
    be_put(blob + 8, (uint64_t)MSGBUS_CFG_MAX_BYTES_LEN + 1, 4);
    mb_batch_iter_init(&it, blob, n1 + n2);
    assert_int_equal(mb_batch_next(&it, &bt), MSGBUS_ERR_LIMIT);
    assert_int_equal(mb_batch_next(&it, &bt), MSGBUS_ERR_LIMIT);
    /* huge but allowed batchLength: the input cannot hold it, so incomplete */
    be_put(blob + 8, 0x00100000, 4);
    mb_batch_iter_init(&it, blob, n1 + n2);
    assert_int_equal(mb_batch_next(&it, &bt), MB_BATCH_INCOMPLETE);
    memcpy(blob + 8, save, 4);
    /* magic 1: skipped with UNSUPPORTED_VERSION, then the next batch */
    blob[16] = 1;
    mb_batch_iter_init(&it, blob, n1 + n2);
    assert_int_equal(mb_batch_next(&it, &bt), MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(bt.magic, 1);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_true(bt.base_offset == 2);
    assert_int_equal(mb_batch_next(&it, &bt), MB_ITER_END);
    blob[16] = 2;
    /* magic 2 but shorter than a header: MALFORMED, skippable */
    {
        uint8_t small[12 + 30 + 61];
        memset(small, 0, sizeof small);
        be_put(small + 8, 30, 4);
        small[16] = 2;
        memcpy(small + 42, blob, 61);
        be_put(small + 42 + 8, 49, 4); /* an empty batch with count 0 follows */
        be_put(small + 42 + 57, 0, 4);
        fix_crc(small + 42, 61);
        mb_batch_iter_init(&it, small, sizeof small);
        assert_int_equal(mb_batch_next(&it, &bt), MSGBUS_ERR_MALFORMED);
        assert_int_equal(mb_batch_next(&it, &bt), 0);
        assert_int_equal(bt.record_count, 0);
        assert_int_equal(bt.records_len, 0);
        assert_int_equal(mb_batch_next(&it, &bt), MB_ITER_END);
    }
}

/* Hostile record counts in the batch header. */
static void test_hostile_counts(void **state)
{
    /* one record: len 6, attr, ts 0, off 0, null key, empty value, 0 headers */
    static const char *one = "0c 00 00 00 01 00 00";
    static const char *two = "0c 00 00 00 01 00 00  0c 00 00 02 01 00 00";
    static const char *big_two = "1c 00 00 00 01 10 6162636465666768 00  0c 00 00 02 01 00 00";
    int n = 0;
    uint8_t recs[64], batch[200];
    size_t rlen, bl;
    mb_batch_iter it;
    mb_batch bt;
    (void)state;
    assert_int_equal(decode_records_hex(two, 2, &n), 0);
    assert_int_equal(n, 2);
    /* declared more than present (the bytes could hold 3) / fewer than present */
    assert_int_equal(decode_records_hex(big_two, 3, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(n, 2);
    assert_int_equal(decode_records_hex(two, 3, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(n, 0); /* 3 records cannot fit in 14 bytes: refused up front */
    assert_int_equal(decode_records_hex(two, 1, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(n, 1);
    /* counts the batch cannot hold, negative, above the cap */
    assert_int_equal(decode_records_hex(one, 2, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_records_hex(one, 0x7fffffff, &n), MSGBUS_ERR_LIMIT);
    assert_int_equal(decode_records_hex(one, MSGBUS_CFG_MAX_BATCH_RECORDS + 1, &n),
                     MSGBUS_ERR_LIMIT);
    assert_int_equal(decode_records_hex(one, -1, &n), MSGBUS_ERR_MALFORMED);
    /* negative count is skippable: the next batch still decodes */
    rlen = tu_hex(one, recs, sizeof recs);
    bl = wrap_batch(batch, recs, rlen, -5, 0);
    wrap_batch(batch + bl, recs, rlen, 1, 0);
    mb_batch_iter_init(&it, batch, 2 * bl);
    assert_int_equal(mb_batch_next(&it, &bt), MSGBUS_ERR_MALFORMED);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_int_equal(mb_batch_next(&it, &bt), MB_ITER_END);
}

/* Hostile record lengths, field lengths and header counts. */
static void test_hostile_records(void **state)
{
    int n = 0;
    (void)state;
    /* record length beyond the batch, negative, huge varint, bad varint */
    assert_int_equal(decode_records_hex("0e 00 00 00 01 00 00", 1, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_records_hex("01 00 00 00 01 00 00", 1, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_records_hex("feffffff0f 00 00", 1, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_records_hex("ffffffffff 00 00", 1, &n), MSGBUS_ERR_MALFORMED);
    /* record length shorter than its fields; longer than its fields (trailing) */
    assert_int_equal(decode_records_hex("0a 00 00 00 01 00 00", 1, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_records_hex("0e 00 00 00 01 00 00 00", 1, &n), MSGBUS_ERR_MALFORMED);
    /* key length -2, value length beyond the record */
    assert_int_equal(decode_records_hex("0c 00 00 00 03 00 00", 1, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_records_hex("0c 00 00 00 01 08 00", 1, &n), MSGBUS_ERR_MALFORMED);
    /* header count negative, above the cap, more than the bytes hold */
    assert_int_equal(decode_records_hex("0c 00 00 00 01 00 01", 1, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_records_hex("0e 00 00 00 01 00 a01f", 1, &n), MSGBUS_ERR_LIMIT);
    assert_int_equal(decode_records_hex("10 00 00 00 01 00 0a 0000", 1, &n), MSGBUS_ERR_MALFORMED);
    /* header with a null key; header value length -2; header value too long */
    assert_int_equal(decode_records_hex("10 00 00 00 01 00 02 01 01", 1, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_records_hex("10 00 00 00 01 00 02 00 03", 1, &n), MSGBUS_ERR_MALFORMED);
    assert_int_equal(decode_records_hex("10 00 00 00 01 00 02 00 04", 1, &n), MSGBUS_ERR_MALFORMED);
    /* and the well-formed version of the last: empty key, null value */
    assert_int_equal(decode_records_hex("10 00 00 00 01 00 02 00 01", 1, &n), 0);
    assert_int_equal(n, 1);
}

static void test_compressed_batch(void **state)
{
    uint8_t recs[32] = {0x1f, 0x8b}, batch[200];
    size_t bl = wrap_batch(batch, recs, sizeof recs, 1000, MB_COMPRESSION_GZIP);
    mb_batch_iter it;
    mb_batch bt;
    mb_record_iter ri;
    mb_record rec;
    (void)state;
    mb_batch_iter_init(&it, batch, bl);
    /* the count is not checked against compressed bytes */
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_int_equal(mb_batch_compression(&bt), MB_COMPRESSION_GZIP);
    assert_int_equal(bt.record_count, 1000);
    assert_int_equal(mb_record_iter_init(&ri, &bt), MSGBUS_ERR_UNSUPPORTED_CODEC);
    assert_int_equal(mb_record_next(&ri, &rec), MSGBUS_ERR_UNSUPPORTED_CODEC);
    bl = wrap_batch(batch, recs, sizeof recs, 1, MB_COMPRESSION_ZSTD | MB_BATCH_ATTR_CONTROL);
    mb_batch_iter_init(&it, batch, bl);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_int_equal(mb_batch_compression(&bt), MB_COMPRESSION_ZSTD);
    assert_int_equal(mb_batch_is_control(&bt), 1);
    assert_int_equal(mb_record_iter_init(&ri, &bt), MSGBUS_ERR_UNSUPPORTED_CODEC);
    bl = wrap_batch(batch, recs, sizeof recs, 1, 6); /* no such codec */
    mb_batch_iter_init(&it, batch, bl);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_int_equal(mb_record_iter_init(&ri, &bt), MSGBUS_ERR_MALFORMED);
}

/* mb_batch_reseal: a header in front of replaced records gets its length,
 * attributes and CRC (checked against an independent software CRC). */
static void test_reseal(void **state)
{
    uint8_t recs[40], batch[200], want[200];
    size_t bl;
    mb_batch_iter it;
    mb_batch bt;
    (void)state;
    memset(recs, 0x5a, sizeof recs);
    bl = wrap_batch(batch, recs, 20, 3, MB_BATCH_ATTR_TRANSACTIONAL);
    /* replace the 20 record bytes by 40 others, as a compressor does */
    memcpy(batch + MB_BATCH_HEADER_SIZE, recs, sizeof recs);
    assert_int_equal(mb_batch_reseal(batch, bl + 20, MB_BATCH_ATTR_TRANSACTIONAL | 4), 0);
    wrap_batch(want, recs, sizeof recs, 3, MB_BATCH_ATTR_TRANSACTIONAL | 4);
    tu_assert_bytes(batch, bl + 20, want, bl + 20);
    fix_crc(want, bl + 20);
    tu_assert_bytes(batch, bl + 20, want, bl + 20);
    mb_batch_iter_init(&it, batch, bl + 20);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_int_equal(mb_batch_compression(&bt), 4);
    assert_int_equal(bt.records_len, sizeof recs);
    assert_int_equal(bt.record_count, 3);
    /* too short, wrong magic, NULL */
    assert_int_equal(mb_batch_reseal(batch, MB_BATCH_HEADER_SIZE - 1, 0), MSGBUS_ERR_INVALID_ARG);
    batch[16] = 1;
    assert_int_equal(mb_batch_reseal(batch, bl, 0), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_batch_reseal(NULL, bl, 0), MSGBUS_ERR_INVALID_ARG);
}

static void test_control_records(void **state)
{
    uint8_t buf[300], key[4], val[6];
    mb_batch_builder b;
    mb_batch_params p = plain_params();
    const uint8_t *out = NULL;
    size_t len = 0;
    mb_bytes k = {key, 4}, v = {val, 6};
    mb_batch_iter it;
    mb_batch bt;
    mb_record_iter ri;
    mb_record rec;
    mb_control_record c;
    static const uint8_t other_key[4] = {0, 0, 0, 7};
    (void)state;
    p.producer_id = 5;
    p.producer_epoch = 1;
    p.transactional = 1;
    p.control = 1;
    mb_control_marker_encode(MB_CONTROL_COMMIT, 17, key, val);
    assert_memory_equal(key, "\x00\x00\x00\x01", 4);
    assert_memory_equal(val, "\x00\x00\x00\x00\x00\x11", 6);
    assert_int_equal(mb_batch_builder_init(&b, buf, sizeof buf, &p), 0);
    assert_int_equal(mb_batch_append(&b, BASE_TS, k, v, NULL, 0), 0);
    mb_control_marker_encode(MB_CONTROL_ABORT, -3, key, val);
    assert_int_equal(mb_batch_append(&b, BASE_TS, k, v, NULL, 0), 0);
    k.ptr = other_key;
    assert_int_equal(mb_batch_append(&b, BASE_TS, k, B(NULL), NULL, 0), 0);
    assert_int_equal(mb_batch_finish(&b, &out, &len), 0);

    mb_batch_iter_init(&it, out, len);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_int_equal(mb_batch_is_control(&bt), 1);
    assert_int_equal(mb_batch_is_transactional(&bt), 1);
    assert_int_equal(mb_record_iter_init(&ri, &bt), 0);
    assert_int_equal(mb_record_next(&ri, &rec), 0);
    assert_int_equal(mb_control_record_read(&rec, &c), 0);
    assert_int_equal(c.version, 0);
    assert_int_equal(c.type, MB_CONTROL_COMMIT);
    assert_int_equal(c.has_marker, 1);
    assert_int_equal(c.coordinator_epoch, 17);
    assert_int_equal(mb_record_next(&ri, &rec), 0);
    assert_int_equal(mb_control_record_read(&rec, &c), 0);
    assert_int_equal(c.type, MB_CONTROL_ABORT);
    assert_int_equal(c.coordinator_epoch, -3);
    assert_int_equal(mb_record_next(&ri, &rec), 0);
    assert_int_equal(mb_control_record_read(&rec, &c), 0);
    assert_int_equal(c.type, 7);
    assert_int_equal(c.has_marker, 0);
    /* short key, null key, short marker value, negative version */
    rec.key.len = 3;
    assert_int_equal(mb_control_record_read(&rec, &c), MSGBUS_ERR_MALFORMED);
    rec.key.len = -1;
    assert_int_equal(mb_control_record_read(&rec, &c), MSGBUS_ERR_MALFORMED);
    rec.key.ptr = key;
    rec.key.len = 4;
    rec.value.ptr = val;
    rec.value.len = 5;
    assert_int_equal(mb_control_record_read(&rec, &c), MSGBUS_ERR_MALFORMED);
    key[0] = 0x80;
    rec.value.len = 6;
    assert_int_equal(mb_control_record_read(&rec, &c), MSGBUS_ERR_MALFORMED);
}

static void test_log_append_time(void **state)
{
    uint8_t buf[300];
    mb_batch_params p = plain_params();
    size_t len;
    mb_batch_iter it;
    mb_batch bt;
    mb_record_iter ri;
    mb_record rec;
    (void)state;
    p.log_append_time = 1;
    len = build(buf, sizeof buf, 50, 3, &p);
    mb_batch_iter_init(&it, buf, len);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_int_equal(mb_batch_timestamp_type(&bt), 1);
    assert_true(bt.max_timestamp == BASE_TS + 2);
    assert_int_equal(mb_record_iter_init(&ri, &bt), 0);
    assert_int_equal(mb_record_next(&ri, &rec), 0);
    assert_true(rec.offset == 50);
    assert_true(rec.timestamp == BASE_TS + 2); /* the batch's, not base + delta */
    assert_true(rec.timestamp_delta == 0);
}

/* 10-byte varlong deltas (wrapping as Kafka's Java does) read back exactly. */
static void test_extreme_timestamps(void **state)
{
    static const int64_t ts[] = {INT64_MIN, INT64_MAX, 0, -1, BASE_TS};
    uint8_t buf[400];
    mb_batch_builder b;
    mb_batch_params p = plain_params();
    const uint8_t *out = NULL;
    size_t len = 0, i;
    mb_batch_iter it;
    mb_batch bt;
    mb_record_iter ri;
    mb_record rec;
    (void)state;
    p.base_offset = INT64_MAX - 100;
    assert_int_equal(mb_batch_builder_init(&b, buf, sizeof buf, &p), 0);
    for (i = 0; i < 5; i++)
        assert_int_equal(mb_batch_append(&b, ts[i], B("k"), B("v"), NULL, 0), 0);
    assert_int_equal(mb_batch_finish(&b, &out, &len), 0);
    mb_batch_iter_init(&it, out, len);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    assert_true(bt.max_timestamp == INT64_MAX);
    assert_int_equal(mb_record_iter_init(&ri, &bt), 0);
    for (i = 0; i < 5; i++) {
        assert_int_equal(mb_record_next(&ri, &rec), 0);
        assert_true(rec.timestamp == ts[i]);
        assert_true(rec.offset == INT64_MAX - 100 + (int64_t)i);
    }
    assert_int_equal(mb_record_next(&ri, &rec), MB_ITER_END);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_vector),       cmocka_unit_test(test_small_vector_decode),
        cmocka_unit_test(test_roundtrip),          cmocka_unit_test(test_builder_limits),
        cmocka_unit_test(test_bad_crc_skippable),  cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_framing_errors),     cmocka_unit_test(test_hostile_counts),
        cmocka_unit_test(test_hostile_records),    cmocka_unit_test(test_compressed_batch),
        cmocka_unit_test(test_control_records),    cmocka_unit_test(test_log_append_time),
        cmocka_unit_test(test_extreme_timestamps), cmocka_unit_test(test_reseal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
