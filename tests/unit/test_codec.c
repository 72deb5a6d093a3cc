/* test_codec.c - the reader, the writer and the arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/codec.h"
#include "testutil.h"

static void test_ints_roundtrip(void **state)
{
    uint8_t buf[64];
    mb_wr w;
    mb_rd r;
    int8_t a;
    int16_t b;
    int32_t c;
    int64_t d;
    uint32_t e;
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    mb_wr_i8(&w, -2);
    mb_wr_i16(&w, -300);
    mb_wr_i32(&w, 0x12345678);
    mb_wr_i64(&w, INT64_MIN);
    mb_wr_u32(&w, 0xfedcba98u);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 1 + 2 + 4 + 8 + 4);
    assert_int_equal(buf[3], 0x12); /* big-endian on the wire */
    mb_rd_init(&r, buf, w.len);
    mb_rd_i8(&r, &a);
    mb_rd_i16(&r, &b);
    mb_rd_i32(&r, &c);
    mb_rd_i64(&r, &d);
    mb_rd_u32(&r, &e);
    assert_int_equal(mb_rd_end(&r), 0);
    assert_int_equal(a, -2);
    assert_int_equal(b, -300);
    assert_int_equal(c, 0x12345678);
    assert_true(d == INT64_MIN);
    assert_int_equal(e, 0xfedcba98u);
}

static void test_varint_vectors(void **state)
{
    /* zigzag: 0->00, -1->01, 1->02, -64->7f, 64->8001, INT32_MIN->ffffffff0f */
    static const struct {
        int32_t v;
        const char *hex;
    } cases[] = {{0, "00"},
                 {-1, "01"},
                 {1, "02"},
                 {-64, "7f"},
                 {64, "8001"},
                 {300, "d804"},
                 {INT32_MAX, "feffffff0f"},
                 {INT32_MIN, "ffffffff0f"}};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t want[8], got[8];
        size_t n = tu_hex(cases[i].hex, want, sizeof want);
        mb_wr w;
        mb_rd r;
        int32_t back = 0;
        mb_wr_init(&w, got, sizeof got);
        mb_wr_varint(&w, cases[i].v);
        tu_assert_bytes(got, w.len, want, n);
        assert_int_equal(mb_varint_size(cases[i].v), n);
        mb_rd_init(&r, want, n);
        assert_int_equal(mb_rd_varint(&r, &back), 0);
        assert_int_equal(back, cases[i].v);
        assert_int_equal(mb_rd_end(&r), 0);
    }
}

static void test_varlong_and_uvarint(void **state)
{
    uint8_t buf[16];
    mb_wr w;
    mb_rd r;
    int64_t v = 0;
    uint32_t u = 0;
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    mb_wr_varlong(&w, INT64_MIN);
    assert_int_equal(w.len, 10);
    mb_rd_init(&r, buf, w.len);
    assert_int_equal(mb_rd_varlong(&r, &v), 0);
    assert_true(v == INT64_MIN);
    /* a uvarint longer than 5 bytes or above 32 bits is malformed */
    memcpy(buf, "\xff\xff\xff\xff\x10", 5);
    mb_rd_init(&r, buf, 5);
    assert_int_equal(mb_rd_uvarint(&r, &u), MSGBUS_ERR_MALFORMED);
    memcpy(buf, "\x80\x80\x80\x80\x80\x01", 6);
    mb_rd_init(&r, buf, 6);
    assert_int_equal(mb_rd_uvarint(&r, &u), MSGBUS_ERR_MALFORMED);
    memset(buf, 0xff, 11);
    mb_rd_init(&r, buf, 11);
    assert_int_equal(mb_rd_varlong(&r, &v), MSGBUS_ERR_MALFORMED);
    /* a truncated varint */
    mb_rd_init(&r, buf, 3);
    assert_int_equal(mb_rd_uvarint(&r, &u), MSGBUS_ERR_TRUNCATED);
}

static void test_strings_both_encodings(void **state)
{
    uint8_t buf[64];
    mb_wr w;
    mb_rd r;
    mb_str s, n;
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    mb_wr_str_v(&w, 0, mb_str_c("abc"));
    mb_wr_nstr_v(&w, 0, MB_STR_NULL);
    mb_wr_str_v(&w, 1, mb_str_c("abc"));
    mb_wr_nstr_v(&w, 1, MB_STR_NULL);
    assert_int_equal(w.err, 0);
    {
        uint8_t want[16];
        size_t wn = tu_hex("0003 616263 ffff 04 616263 00", want, sizeof want);
        tu_assert_bytes(buf, w.len, want, wn);
    }
    mb_rd_init(&r, buf, w.len);
    mb_rd_str(&r, &s);
    mb_rd_nstr(&r, &n);
    assert_true(mb_str_eq(s, mb_str_c("abc")));
    assert_int_equal(n.len, -1);
    mb_rd_cstr(&r, &s);
    mb_rd_cnstr(&r, &n);
    assert_int_equal(mb_rd_end(&r), 0);
    assert_true(mb_str_eq(s, mb_str_c("abc")));
    assert_int_equal(n.len, -1);
    /* null where not nullable */
    mb_rd_init(&r, "\xff\xff", 2);
    assert_int_equal(mb_rd_str(&r, &s), MSGBUS_ERR_MALFORMED);
    mb_rd_init(&r, "\x00", 1);
    assert_int_equal(mb_rd_cstr(&r, &s), MSGBUS_ERR_MALFORMED);
    /* writing null where not nullable */
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_wr_str_v(&w, 0, MB_STR_NULL), MSGBUS_ERR_INVALID_ARG);
    /* a length beyond the input */
    mb_rd_init(&r, "\x00\x10zz", 4);
    assert_int_equal(mb_rd_str(&r, &s), MSGBUS_ERR_TRUNCATED);
    /* the error sticks */
    assert_int_equal(mb_rd_str(&r, &s), MSGBUS_ERR_TRUNCATED);
}

static void test_bytes_hostile_lengths(void **state)
{
    mb_rd r;
    mb_bytes b;
    (void)state;
    /* 2 GB declared, 3 bytes present: refused without reading */
    mb_rd_init(&r, "\x7f\xff\xff\xff\x01\x02\x03", 7);
    assert_int_equal(mb_rd_bytes(&r, &b), MSGBUS_ERR_LIMIT);
    mb_rd_init(&r, "\x00\x00\x01\x00\x01\x02\x03", 7);
    assert_int_equal(mb_rd_bytes(&r, &b), MSGBUS_ERR_TRUNCATED);
    mb_rd_init(&r, "\xff\xff\xff\xfe", 4);
    assert_int_equal(mb_rd_nbytes(&r, &b), MSGBUS_ERR_MALFORMED);
    mb_rd_init(&r, "\xff\xff\xff\xff", 4);
    assert_int_equal(mb_rd_nbytes(&r, &b), 0);
    assert_int_equal(b.len, -1);
    mb_rd_init(&r, "\x03\xaa\xbb", 3);
    assert_int_equal(mb_rd_cbytes(&r, &b), 0);
    assert_int_equal(b.len, 2);
}

static void test_array_counts_capped(void **state)
{
    mb_rd r;
    int32_t n = 0;
    uint8_t buf[64];
    (void)state;
    memset(buf, 0, sizeof buf);
    /* 1,000,000 elements of at least 4 bytes in 60 bytes: refused */
    memcpy(buf, "\x00\x0f\x42\x40", 4);
    mb_rd_init(&r, buf, sizeof buf);
    assert_int_equal(mb_rd_array_v(&r, 0, 4, &n), MSGBUS_ERR_LIMIT);
    memcpy(buf, "\x00\x00\x00\x10", 4);
    mb_rd_init(&r, buf, sizeof buf);
    assert_int_equal(mb_rd_array_v(&r, 0, 4, &n), MSGBUS_ERR_TRUNCATED);
    mb_rd_init(&r, buf, sizeof buf);
    assert_int_equal(mb_rd_array_v(&r, 0, 3, &n), 0);
    assert_int_equal(n, 16);
    /* null arrays */
    mb_rd_init(&r, "\xff\xff\xff\xff", 4);
    assert_int_equal(mb_rd_array_v(&r, 0, 1, &n), MSGBUS_ERR_MALFORMED);
    mb_rd_init(&r, "\xff\xff\xff\xff", 4);
    assert_int_equal(mb_rd_narray_v(&r, 0, 1, &n), 0);
    assert_int_equal(n, -1);
    mb_rd_init(&r, "\x00", 1);
    assert_int_equal(mb_rd_narray_v(&r, 1, 1, &n), 0);
    assert_int_equal(n, -1);
    mb_rd_init(&r, "\x03\x01\x02", 3);
    assert_int_equal(mb_rd_array_v(&r, 1, 1, &n), 0);
    assert_int_equal(n, 2);
}

struct tagctx {
    int seen0;
    int32_t v0;
};

static int tag_handler(void *ctx, uint32_t tag, mb_rd *field)
{
    struct tagctx *t = ctx;
    if (tag == 0) {
        t->seen0 = 1;
        return mb_rd_i32(field, &t->v0);
    }
    return 0;
}

static void test_tagged_fields(void **state)
{
    uint8_t buf[32];
    size_t n;
    mb_rd r;
    struct tagctx t = {0, 0};
    (void)state;
    /* 2 tags: tag 0 (4 bytes) = 7, tag 5 unknown (2 bytes) skipped; then a trailing i8 */
    n = tu_hex("02 00 04 00000007 05 02 abcd 2a", buf, sizeof buf);
    mb_rd_init(&r, buf, n);
    assert_int_equal(mb_rd_tags(&r, tag_handler, &t), 0);
    assert_int_equal(t.seen0, 1);
    assert_int_equal(t.v0, 7);
    {
        int8_t tail = 0;
        mb_rd_i8(&r, &tail);
        assert_int_equal(tail, 0x2a);
    }
    /* out-of-order tags are malformed */
    n = tu_hex("02 05 00 00 00", buf, sizeof buf);
    mb_rd_init(&r, buf, n);
    assert_int_equal(mb_rd_tags(&r, NULL, NULL), MSGBUS_ERR_MALFORMED);
    /* a field size beyond the input */
    n = tu_hex("01 00 09 00", buf, sizeof buf);
    mb_rd_init(&r, buf, n);
    assert_int_equal(mb_rd_tags(&r, NULL, NULL), MSGBUS_ERR_TRUNCATED);
    /* too many tags */
    n = tu_hex("7f", buf, sizeof buf);
    mb_rd_init(&r, buf, n);
    assert_int_equal(mb_rd_tags(&r, NULL, NULL), MSGBUS_ERR_LIMIT);
}

static void test_writer_no_room_and_sizing(void **state)
{
    uint8_t buf[5];
    mb_wr w;
    (void)state;
    mb_wr_init(&w, NULL, 0);
    mb_wr_i32(&w, 1);
    mb_wr_str_v(&w, 0, mb_str_c("hello"));
    assert_int_equal(w.err, 0);
    assert_int_equal(w.total, 4 + 2 + 5);
    mb_wr_init(&w, buf, sizeof buf);
    mb_wr_i32(&w, 1);
    assert_int_equal(mb_wr_i16(&w, 2), MSGBUS_ERR_NO_ROOM);
    assert_int_equal(w.len, 4); /* nothing past the end */
    assert_int_equal(mb_wr_i8(&w, 2), MSGBUS_ERR_NO_ROOM);
}

static void test_writer_iov_references(void **state)
{
    uint8_t buf[32];
    mb_iov iov[4];
    static const uint8_t batch[6] = {1, 2, 3, 4, 5, 6};
    mb_wr w;
    size_t pos;
    (void)state;
    mb_wr_init_iov(&w, buf, sizeof buf, iov, 4);
    mb_wr_reserve(&w, 4, &pos);
    mb_wr_i16(&w, 7);
    mb_wr_nbytes_ref_v(&w, 0, (mb_bytes){batch, 6});
    mb_wr_i8(&w, 9);
    mb_wr_patch_i32(&w, pos, (int32_t)(w.total - 4));
    assert_int_equal(mb_wr_finish_iov(&w), 0);
    assert_int_equal(w.iov_n, 3);
    assert_ptr_equal(iov[1].base, batch);
    assert_int_equal(iov[0].len, 4 + 2 + 4);
    assert_int_equal(iov[2].len, 1);
    assert_int_equal(w.total, 4 + 2 + 4 + 6 + 1);
    assert_int_equal(buf[3], 2 + 4 + 6 + 1);
}

static void test_flex_helpers(void **state)
{
    uint8_t buf[16];
    int32_t items[2] = {1, 2};
    mb_wr w;
    mb_rd r;
    (void)state;
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_wr_tags_v(&w, 0), 0);
    assert_int_equal(w.len, 0);
    assert_int_equal(mb_wr_tags_v(&w, 1), 0);
    assert_int_equal(mb_wr_count_v(&w, 1, 2, items), 0);
    assert_int_equal(w.len, 2);
    assert_int_equal(buf[0], 0);
    assert_int_equal(buf[1], 3); /* compact count: N + 1 */
    assert_int_equal(mb_wr_count_v(&w, 0, 1, NULL), MSGBUS_ERR_INVALID_ARG);
    mb_wr_init(&w, buf, sizeof buf);
    assert_int_equal(mb_wr_count_v(&w, 0, -1, items), MSGBUS_ERR_INVALID_ARG);
    mb_rd_init(&r, "\x01\x03\x01\xaa", 4);
    assert_int_equal(mb_rd_tags_v(&r, 0), 0);
    assert_int_equal(r.left, 4);
    assert_int_equal(mb_rd_tags_v(&r, 1), 0);
    assert_int_equal(mb_rd_end(&r), 0);
}

static void test_arena(void **state)
{
    uint64_t store[8];
    mb_arena a;
    mb_rd r;
    uint8_t *p;
    (void)state;
    mb_arena_init(&a, store, sizeof store);
    p = mb_arena_alloc(&a, 3, 1);
    assert_non_null(p);
    assert_non_null(mb_arena_alloc(&a, 1, 8));
    assert_int_equal(((uintptr_t)a.buf + 8) % 8, 0);
    assert_null(mb_arena_alloc(&a, 1, 64));
    assert_null(mb_arena_alloc(&a, SIZE_MAX / 2, 4)); /* overflow */
    mb_rd_init(&r, "x", 1);
    assert_null(mb_rd_alloc(&r, &a, 100, 8));
    assert_int_equal(r.err, MSGBUS_ERR_NO_ROOM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints_roundtrip),
        cmocka_unit_test(test_varint_vectors),
        cmocka_unit_test(test_varlong_and_uvarint),
        cmocka_unit_test(test_strings_both_encodings),
        cmocka_unit_test(test_bytes_hostile_lengths),
        cmocka_unit_test(test_array_counts_capped),
        cmocka_unit_test(test_tagged_fields),
        cmocka_unit_test(test_writer_no_room_and_sizing),
        cmocka_unit_test(test_writer_iov_references),
        cmocka_unit_test(test_flex_helpers),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
