/* test_frame.c - the incremental frame reader and the default allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/alloc.h"
#include "proto/frame.h"

/* ---- a counting allocator that can fail its Nth allocation ---- */

#define TA_SLOTS 16

typedef struct test_alloc {
    int n_alloc; /* successful allocations */
    int n_calls; /* alloc calls, failed ones included */
    int n_free;  /* frees */
    int fail_at; /* 1-based call number that fails; 0 = never */
    size_t live; /* bytes currently allocated */
    void *ptr[TA_SLOTS];
    size_t size[TA_SLOTS];
} test_alloc;

static void *ta_alloc(void *ctx, size_t size)
{
    test_alloc *t = ctx;
    int i;
    t->n_calls++;
    assert_true(size > 0);
    if (t->fail_at != 0 && t->n_calls == t->fail_at)
        return NULL;
    for (i = 0; i < TA_SLOTS; i++) {
        if (t->ptr[i] == NULL) {
            t->ptr[i] = malloc(size);
            assert_non_null(t->ptr[i]);
            t->size[i] = size;
            t->n_alloc++;
            t->live += size;
            return t->ptr[i];
        }
    }
    fail_msg("test allocator out of slots");
    return NULL;
}

static void ta_free(void *ctx, void *ptr, size_t size)
{
    test_alloc *t = ctx;
    int i;
    assert_non_null(ptr);
    for (i = 0; i < TA_SLOTS; i++) {
        if (t->ptr[i] == ptr) {
            assert_int_equal(t->size[i], size); /* freed with the size it was allocated with */
            free(ptr);
            t->ptr[i] = NULL;
            t->live -= size;
            t->n_free++;
            return;
        }
    }
    fail_msg("free of a pointer the allocator did not hand out");
}

static msgbus_allocator ta_make(test_alloc *t, int fail_at)
{
    msgbus_allocator a;
    memset(t, 0, sizeof *t);
    t->fail_at = fail_at;
    a.alloc = ta_alloc;
    a.free = ta_free;
    a.ctx = t;
    return a;
}

/* ---- helpers ---- */

/* Append a frame of @p n bytes (body[i] = seed + i) to out at *pos. */
static void put_frame(uint8_t *out, size_t *pos, uint32_t n, uint8_t seed)
{
    uint32_t i;
    assert_int_equal(mb_frame_write_size(out + *pos, n), 0);
    *pos += 4;
    for (i = 0; i < n; i++)
        out[*pos + i] = (uint8_t)(seed + i);
    *pos += n;
}

static void check_body(mb_frame_rd *fr, uint32_t n, uint8_t seed)
{
    const uint8_t *p = NULL;
    size_t len = 99;
    uint32_t i;
    assert_int_equal(mb_frame_get(fr, &p, &len), 0);
    assert_non_null(p);
    assert_int_equal(len, n);
    for (i = 0; i < n; i++)
        assert_int_equal(p[i], (uint8_t)(seed + i));
}

/* Feed @p len bytes (from an exactly-sized heap copy, so ASan sees any read past
 * the end) and collect completed frames' sizes in got[]; returns the count. */
static size_t feed_collect(mb_frame_rd *fr, const uint8_t *data, size_t len, size_t *got,
                           uint8_t *seeds_first, size_t max_got, size_t n_got)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    size_t off = 0;
    assert_non_null(copy);
    memcpy(copy, data, len);
    while (off < len) {
        size_t used = 0;
        int rc = mb_frame_feed(fr, copy + off, len - off, &used);
        assert_true(rc >= 0);
        assert_true(used <= len - off);
        off += used;
        if (rc == MB_FRAME_READY) {
            const uint8_t *p;
            size_t n;
            assert_int_equal(mb_frame_get(fr, &p, &n), 0);
            assert_true(n_got < max_got);
            got[n_got] = n;
            seeds_first[n_got] = n > 0 ? p[0] : 0;
            n_got++;
            mb_frame_release(fr);
        } else {
            assert_int_equal(off, len); /* NEED_MORE takes everything */
        }
    }
    free(copy);
    return n_got;
}

/* ---- tests ---- */

static void test_write_size(void **state)
{
    uint8_t b[4] = {9, 9, 9, 9};
    (void)state;
    assert_int_equal(mb_frame_write_size(b, 0x01020304u), 0);
    assert_int_equal(b[0], 1);
    assert_int_equal(b[3], 4);
    assert_int_equal(mb_frame_write_size(b, 0x7fffffffu), 0);
    assert_int_equal(b[0], 0x7f);
    assert_int_equal(b[3], 0xff);
    memset(b, 9, 4);
    assert_int_equal(mb_frame_write_size(b, 0x80000000u), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(b[0], 9); /* nothing written */
}

static void test_one_byte_at_a_time(void **state)
{
    uint8_t s[64];
    size_t len = 0, i, frames = 0;
    test_alloc t;
    msgbus_allocator a = ta_make(&t, 0);
    mb_frame_rd fr;
    (void)state;
    put_frame(s, &len, 10, 0x40);
    put_frame(s, &len, 3, 0x80);
    mb_frame_init_alloc(&fr, &a, 0);
    for (i = 0; i < len; i++) {
        size_t used = 7;
        int rc = mb_frame_feed(&fr, &s[i], 1, &used);
        assert_int_equal(used, 1);
        if (i == 13 || i == len - 1) {
            assert_int_equal(rc, MB_FRAME_READY);
            check_body(&fr, frames == 0 ? 10 : 3, frames == 0 ? 0x40 : 0x80);
            mb_frame_release(&fr);
            frames++;
        } else {
            assert_int_equal(rc, MB_FRAME_NEED_MORE);
        }
    }
    assert_int_equal(frames, 2);
    assert_int_equal(t.n_alloc, 1); /* the 10-byte buffer is reused for the 3-byte frame */
    mb_frame_destroy(&fr);
    assert_int_equal(t.live, 0);
    assert_int_equal(t.n_free, 1);
}

static void test_several_frames_one_feed(void **state)
{
    uint8_t s[128];
    size_t len = 0, got[8];
    uint8_t first[8];
    size_t n;
    uint8_t buf[64];
    mb_frame_rd fr;
    (void)state;
    put_frame(s, &len, 5, 1);
    put_frame(s, &len, 0, 0); /* empty body */
    put_frame(s, &len, 20, 0x30);
    put_frame(s, &len, 1, 0x77);
    mb_frame_init_static(&fr, buf, sizeof buf, 0);
    n = feed_collect(&fr, s, len, got, first, 8, 0);
    assert_int_equal(n, 4);
    assert_int_equal(got[0], 5);
    assert_int_equal(first[0], 1);
    assert_int_equal(got[1], 0);
    assert_int_equal(got[2], 20);
    assert_int_equal(first[2], 0x30);
    assert_int_equal(got[3], 1);
    assert_int_equal(first[3], 0x77);
}

static void test_ready_stops_at_frame_end(void **state)
{
    uint8_t s[32];
    size_t len = 0, used = 0;
    uint8_t buf[16];
    mb_frame_rd fr;
    (void)state;
    put_frame(s, &len, 2, 0x10);
    put_frame(s, &len, 3, 0x20);
    mb_frame_init_static(&fr, buf, sizeof buf, 0);
    assert_int_equal(mb_frame_feed(&fr, s, len, &used), MB_FRAME_READY);
    assert_int_equal(used, 6); /* the second frame stays with the caller */
    check_body(&fr, 2, 0x10);
    /* feeding again before release takes nothing */
    assert_int_equal(mb_frame_feed(&fr, s + used, len - used, &used), MB_FRAME_READY);
    assert_int_equal(used, 0);
    mb_frame_release(&fr);
    assert_int_equal(mb_frame_feed(&fr, s + 6, len - 6, &used), MB_FRAME_READY);
    assert_int_equal(used, 7);
    check_body(&fr, 3, 0x20);
}

static void test_split_everywhere(void **state)
{
    uint8_t s[128];
    size_t len = 0, cut, got[8];
    uint8_t first[8];
    (void)state;
    put_frame(s, &len, 7, 0x11);
    put_frame(s, &len, 0, 0);
    put_frame(s, &len, 33, 0x55);
    for (cut = 0; cut <= len; cut++) {
        test_alloc t;
        msgbus_allocator a = ta_make(&t, 0);
        mb_frame_rd fr;
        size_t n;
        mb_frame_init_alloc(&fr, &a, 0);
        n = feed_collect(&fr, s, cut, got, first, 8, 0);
        n = feed_collect(&fr, s + cut, len - cut, got, first, 8, n);
        assert_int_equal(n, 3);
        assert_int_equal(got[0], 7);
        assert_int_equal(first[0], 0x11);
        assert_int_equal(got[1], 0);
        assert_int_equal(got[2], 33);
        assert_int_equal(first[2], 0x55);
        assert_int_equal(t.n_alloc, 2); /* 7 bytes, then grown once to 33 */
        mb_frame_destroy(&fr);
        assert_int_equal(t.live, 0);
    }
}

static void test_huge_prefix_refused_without_alloc(void **state)
{
    /* 0x7fffffff: 2 GiB - 1, followed by body bytes that must not be taken. */
    static const uint8_t s[] = {0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4};
    test_alloc t;
    msgbus_allocator a = ta_make(&t, 0);
    mb_frame_rd fr;
    size_t used = 0;
    (void)state;
    mb_frame_init_alloc(&fr, &a, 0);
    assert_int_equal(mb_frame_feed(&fr, s, sizeof s, &used), MSGBUS_ERR_FRAME_TOO_LARGE);
    assert_int_equal(used, 4); /* the prefix only, no body */
    assert_int_equal(t.n_calls, 0);
    /* sticky */
    assert_int_equal(mb_frame_feed(&fr, s + 4, 4, &used), MSGBUS_ERR_FRAME_TOO_LARGE);
    assert_int_equal(used, 0);
    assert_int_equal(t.n_calls, 0);
    mb_frame_destroy(&fr);
    assert_int_equal(t.live, 0);
}

static void test_huge_prefix_split(void **state)
{
    /* the default maximum + 1, delivered in two pieces */
    uint8_t s[4];
    test_alloc t;
    msgbus_allocator a = ta_make(&t, 0);
    mb_frame_rd fr;
    size_t used = 0;
    (void)state;
    assert_int_equal(mb_frame_write_size(s, (uint32_t)MSGBUS_CFG_MAX_FRAME_SIZE + 1u), 0);
    mb_frame_init_alloc(&fr, &a, 0);
    assert_int_equal(mb_frame_feed(&fr, s, 3, &used), MB_FRAME_NEED_MORE);
    assert_int_equal(mb_frame_feed(&fr, s + 3, 1, &used), MSGBUS_ERR_FRAME_TOO_LARGE);
    assert_int_equal(used, 1);
    assert_int_equal(t.n_calls, 0);
    mb_frame_destroy(&fr);
}

static void test_configured_max(void **state)
{
    uint8_t s[64];
    size_t len = 0, used = 0;
    test_alloc t;
    msgbus_allocator a = ta_make(&t, 0);
    mb_frame_rd fr;
    (void)state;
    put_frame(s, &len, 16, 0);
    put_frame(s, &len, 17, 0);
    mb_frame_init_alloc(&fr, &a, 16);
    assert_int_equal(mb_frame_feed(&fr, s, len, &used), MB_FRAME_READY);
    assert_int_equal(used, 20);
    mb_frame_release(&fr);
    assert_int_equal(mb_frame_feed(&fr, s + 20, len - 20, &used), MSGBUS_ERR_FRAME_TOO_LARGE);
    assert_int_equal(used, 4);
    assert_int_equal(t.n_calls, 1); /* only the accepted frame allocated */
    mb_frame_destroy(&fr);
    assert_int_equal(t.live, 0);
}

static void test_negative_size(void **state)
{
    static const uint8_t neg1[] = {0xff, 0xff, 0xff, 0xff, 0};
    static const uint8_t minint[] = {0x80, 0, 0, 0};
    uint8_t buf[8];
    mb_frame_rd fr;
    size_t used = 0;
    test_alloc t;
    msgbus_allocator a = ta_make(&t, 0);
    (void)state;
    mb_frame_init_static(&fr, buf, sizeof buf, 0);
    assert_int_equal(mb_frame_feed(&fr, neg1, sizeof neg1, &used), MSGBUS_ERR_MALFORMED);
    assert_int_equal(used, 4);
    assert_int_equal(mb_frame_feed(&fr, neg1, 1, &used), MSGBUS_ERR_MALFORMED);
    assert_int_equal(used, 0);
    assert_int_equal(mb_frame_get(&fr, &(const uint8_t *){NULL}, &used), MSGBUS_ERR_STATE);
    mb_frame_init_alloc(&fr, &a, 0);
    assert_int_equal(mb_frame_feed(&fr, minint, sizeof minint, &used), MSGBUS_ERR_MALFORMED);
    assert_int_equal(t.n_calls, 0);
    mb_frame_destroy(&fr);
}

static void test_failing_allocator(void **state)
{
    uint8_t s[64];
    size_t len = 0, used = 0, first_len;
    test_alloc t;
    msgbus_allocator a = ta_make(&t, 2); /* the second allocation fails */
    mb_frame_rd fr;
    (void)state;
    put_frame(s, &len, 4, 1);
    first_len = len;
    put_frame(s, &len, 9, 2); /* needs a bigger buffer */
    mb_frame_init_alloc(&fr, &a, 0);
    assert_int_equal(mb_frame_feed(&fr, s, len, &used), MB_FRAME_READY);
    assert_int_equal(used, first_len);
    check_body(&fr, 4, 1);
    mb_frame_release(&fr);
    assert_int_equal(mb_frame_feed(&fr, s + first_len, len - first_len, &used), MSGBUS_ERR_NOMEM);
    assert_int_equal(used, 4);
    assert_int_equal(t.n_calls, 2);
    assert_int_equal(t.live, 0); /* the old buffer went back before the failed request */
    assert_int_equal(mb_frame_feed(&fr, s, len, &used), MSGBUS_ERR_NOMEM); /* sticky */
    assert_int_equal(t.n_calls, 2);
    mb_frame_destroy(&fr);
    assert_int_equal(t.live, 0);
    assert_int_equal(t.n_free, 1);
}

static void test_failing_first_allocation(void **state)
{
    uint8_t s[16];
    size_t len = 0, used = 0;
    test_alloc t;
    msgbus_allocator a = ta_make(&t, 1);
    mb_frame_rd fr;
    (void)state;
    put_frame(s, &len, 5, 0);
    mb_frame_init_alloc(&fr, &a, 0);
    assert_int_equal(mb_frame_feed(&fr, s, len, &used), MSGBUS_ERR_NOMEM);
    mb_frame_destroy(&fr);
    assert_int_equal(t.n_alloc, 0);
    assert_int_equal(t.n_free, 0);
}

static void test_fixed_buffer_too_small(void **state)
{
    uint8_t s[64];
    size_t len = 0, used = 0;
    uint8_t buf[8];
    mb_frame_rd fr;
    (void)state;
    put_frame(s, &len, 8, 0x61);
    put_frame(s, &len, 9, 0x62);
    mb_frame_init_static(&fr, buf, sizeof buf, 0);
    assert_int_equal(mb_frame_feed(&fr, s, len, &used), MB_FRAME_READY);
    assert_int_equal(used, 12);
    check_body(&fr, 8, 0x61);
    mb_frame_release(&fr);
    memset(buf, 0, sizeof buf);
    assert_int_equal(mb_frame_feed(&fr, s + 12, len - 12, &used), MSGBUS_ERR_FRAME_TOO_LARGE);
    assert_int_equal(used, 4);
    assert_int_equal(buf[0], 0); /* nothing of the refused body was copied */
    assert_int_equal(mb_frame_feed(&fr, s, 1, &used), MSGBUS_ERR_FRAME_TOO_LARGE);
}

static void test_big_buffer_not_kept(void **state)
{
    static uint8_t s[4 + MB_FRAME_KEEP_MAX + 1 + 4 + 2];
    size_t len = 0, got[4];
    uint8_t first[4];
    test_alloc t;
    msgbus_allocator a = ta_make(&t, 0);
    mb_frame_rd fr;
    (void)state;
    put_frame(s, &len, MB_FRAME_KEEP_MAX + 1, 3);
    put_frame(s, &len, 2, 4);
    mb_frame_init_alloc(&fr, &a, 0);
    assert_int_equal(feed_collect(&fr, s, len, got, first, 4, 0), 2);
    assert_int_equal(got[0], MB_FRAME_KEEP_MAX + 1);
    assert_int_equal(got[1], 2);
    assert_int_equal(t.n_alloc, 2); /* the big one went back at its release */
    assert_int_equal(t.n_free, 1);
    assert_int_equal(t.live, 2);
    mb_frame_destroy(&fr);
    assert_int_equal(t.live, 0);
}

static void test_bad_args_and_state(void **state)
{
    uint8_t buf[8];
    mb_frame_rd fr;
    size_t used = 5;
    const uint8_t *p = NULL;
    (void)state;
    mb_frame_init_static(&fr, buf, sizeof buf, 0);
    assert_int_equal(mb_frame_feed(&fr, NULL, 3, &used), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(used, 0);
    assert_int_equal(mb_frame_feed(&fr, buf, 1, NULL), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_frame_feed(NULL, buf, 1, &used), MSGBUS_ERR_INVALID_ARG);
    /* not sticky */
    assert_int_equal(mb_frame_feed(&fr, NULL, 0, &used), MB_FRAME_NEED_MORE);
    assert_int_equal(mb_frame_get(&fr, &p, &used), MSGBUS_ERR_STATE);
    mb_frame_release(&fr); /* no-op */
    assert_int_equal(fr.hdr_have, 0);
    mb_frame_destroy(&fr);
    assert_int_equal(mb_frame_feed(&fr, buf, 1, &used), MSGBUS_ERR_STATE);
}

static void test_default_allocator(void **state)
{
    const msgbus_allocator *a = msgbus_allocator_default();
    uint8_t s[16];
    size_t len = 0, used = 0;
    mb_frame_rd fr;
    void *p;
    (void)state;
    assert_non_null(a);
    assert_ptr_equal(a, msgbus_allocator_default());
    p = a->alloc(a->ctx, 32);
    assert_non_null(p);
    memset(p, 0xab, 32);
    a->free(a->ctx, p, 32);
    put_frame(s, &len, 6, 0x21);
    mb_frame_init_alloc(&fr, NULL, 0); /* NULL: the default allocator */
    assert_int_equal(mb_frame_feed(&fr, s, len, &used), MB_FRAME_READY);
    check_body(&fr, 6, 0x21);
    mb_frame_destroy(&fr); /* ASan's leak check verifies the buffer went back */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_size),
        cmocka_unit_test(test_one_byte_at_a_time),
        cmocka_unit_test(test_several_frames_one_feed),
        cmocka_unit_test(test_ready_stops_at_frame_end),
        cmocka_unit_test(test_split_everywhere),
        cmocka_unit_test(test_huge_prefix_refused_without_alloc),
        cmocka_unit_test(test_huge_prefix_split),
        cmocka_unit_test(test_configured_max),
        cmocka_unit_test(test_negative_size),
        cmocka_unit_test(test_failing_allocator),
        cmocka_unit_test(test_failing_first_allocation),
        cmocka_unit_test(test_fixed_buffer_too_small),
        cmocka_unit_test(test_big_buffer_not_kept),
        cmocka_unit_test(test_bad_args_and_state),
        cmocka_unit_test(test_default_allocator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
