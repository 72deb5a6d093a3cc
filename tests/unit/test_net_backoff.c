/* test_net_backoff.c - exponential backoff with jitter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "net/backoff.h"

static void test_doubles_within_jitter(void **state)
{
    mb_backoff b;
    uint32_t base = 100, i;
    (void)state;
    mb_backoff_init(&b, 100, 10000);
    for (i = 0; i < 12; i++) {
        uint32_t lo = mb_backoff_next(&b, 0);
        uint32_t expect = base > 10000 ? 10000 : base;
        assert_int_equal(lo, expect - expect / 5); /* 0.8 x base, base capped at 10 s */
        base *= 2;
    }
    mb_backoff_reset(&b);
    assert_int_equal(mb_backoff_next(&b, UINT32_MAX), 80 + UINT32_MAX % 41);
    /* the spread covers [0.8, 1.2] x base and never passes the maximum */
    mb_backoff_init(&b, 1000, 1100);
    assert_int_equal(mb_backoff_next(&b, 400), 1100); /* 1.2 x 1000, capped */
    assert_int_equal(mb_backoff_next(&b, 0), 880);    /* base now the 1100 cap */
}

static void test_degenerate_settings(void **state)
{
    mb_backoff b;
    (void)state;
    mb_backoff_init(&b, 0, 0);
    assert_int_equal(b.initial_ms, 1);
    assert_int_equal(b.max_ms, 1);
    assert_int_equal(mb_backoff_next(&b, 7), 1);
    mb_backoff_init(&b, UINT32_MAX, UINT32_MAX);
    assert_true(mb_backoff_next(&b, 1) <= UINT32_MAX);
    assert_int_equal(b.cur_ms, UINT32_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doubles_within_jitter),
        cmocka_unit_test(test_degenerate_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
