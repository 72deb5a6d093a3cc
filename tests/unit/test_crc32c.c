/* test_crc32c.c - CRC-32C: published vectors, incremental use, hardware vs software. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/crc32c.h"
#include "testutil.h"

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

/* The RFC 3720 (iSCSI) B.4 vectors plus the "123456789" check value. */
static void check_vectors(crc_fn fn)
{
    uint8_t buf[32];
    int i;
    memset(buf, 0, sizeof buf);
    assert_int_equal(fn(0, buf, 32), 0x8A9136AAu);
    memset(buf, 0xff, sizeof buf);
    assert_int_equal(fn(0, buf, 32), 0x62A8AB43u);
    for (i = 0; i < 32; i++)
        buf[i] = (uint8_t)i;
    assert_int_equal(fn(0, buf, 32), 0x46DD794Eu);
    for (i = 0; i < 32; i++)
        buf[i] = (uint8_t)(31 - i);
    assert_int_equal(fn(0, buf, 32), 0x113FDB5Cu);
    assert_int_equal(fn(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(fn(0, "", 0), 0u);
    assert_int_equal(fn(0x12345678u, "", 0), 0x12345678u);
}

static void test_vectors_sw(void **state)
{
    (void)state;
    check_vectors(mb_crc32c_sw);
}

static void test_vectors_hw(void **state)
{
    (void)state;
    check_vectors(mb_crc32c_hw);
    check_vectors(mb_crc32c);
}

/* A bit-at-a-time reference, written straight from the definition. */
static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    size_t i;
    int k;
    for (i = 0; i < n; i++) {
        c ^= p[i];
        for (k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return ~c;
}

static uint32_t rnd_state = 0x9e3779b9u;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/* Software and hardware agree with the bitwise reference on random
 * lengths 0..4096 at random alignments, and across the block sizes. */
static void test_hw_matches_sw(void **state)
{
    enum { MAX = 40000 };
    uint8_t *buf = malloc(MAX + 16);
    size_t i, iter;
    (void)state;
    print_message("hardware CRC-32C path: %s\n", mb_crc32c_hw_available() ? "yes" : "no");
    assert_non_null(buf);
    for (i = 0; i < MAX + 16; i++)
        buf[i] = (uint8_t)rnd();
    for (iter = 0; iter < 3000; iter++) {
        size_t off = rnd() % 16, n = iter < 4097 ? iter : rnd() % 4097;
        uint32_t want = crc_bitwise(buf + off, n);
        assert_int_equal(mb_crc32c_sw(0, buf + off, n), want);
        assert_int_equal(mb_crc32c_hw(0, buf + off, n), want);
    }
    /* lengths around the three-way block sizes (3 * 256, 3 * 4096) */
    {
        static const size_t lens[] = {767, 768, 769, 1536, 12287, 12288, 12289, 24576 + 775, MAX};
        for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            size_t off = i % 8;
            uint32_t want = crc_bitwise(buf + off, lens[i]);
            assert_int_equal(mb_crc32c_sw(0, buf + off, lens[i]), want);
            assert_int_equal(mb_crc32c_hw(0, buf + off, lens[i]), want);
        }
    }
    free(buf);
}

/* Incremental: any split gives the CRC of the whole. */
static void test_incremental(void **state)
{
    uint8_t buf[3000];
    size_t i, cut;
    (void)state;
    for (i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    for (cut = 0; cut <= sizeof buf; cut += 37) {
        uint32_t whole = mb_crc32c_sw(0, buf, sizeof buf);
        uint32_t a = mb_crc32c(0, buf, cut);
        assert_int_equal(mb_crc32c(a, buf + cut, sizeof buf - cut), whole);
        a = mb_crc32c_sw(0, buf, cut);
        assert_int_equal(mb_crc32c_sw(a, buf + cut, sizeof buf - cut), whole);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_sw),
        cmocka_unit_test(test_vectors_hw),
        cmocka_unit_test(test_hw_matches_sw),
        cmocka_unit_test(test_incremental),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
