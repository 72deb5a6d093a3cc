/*
 * cmocka.h (tests/target) - a minimal runner with the subset of cmocka's API
 * msgbus's tests use, for targets without an OS (Cortex-M under QEMU with
 * semihosting), where Debian's libcmocka is not available. It prints the same
 * summary lines as cmocka. Only the target test build puts this directory on
 * the include path; host builds use the real cmocka.
 */
#ifndef MB_TARGET_CMOCKA_H
#define MB_TARGET_CMOCKA_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
    const char *name;
    CMUnitTestFunction test_func;
    CMFixtureFunction setup_func;
    CMFixtureFunction teardown_func;
};

#define cmocka_unit_test(f)                                                                        \
    {                                                                                              \
#f, f, NULL, NULL                                                                          \
    }
#define cmocka_unit_test_setup_teardown(f, setup, teardown)                                        \
    {                                                                                              \
#f, f, setup, teardown                                                                     \
    }

extern jmp_buf mb_cm_jmp;
void mb_cm_fail(const char *file, int line, const char *fmt, ...);
int mb_cm_run(const char *group, const struct CMUnitTest *tests, size_t n, CMFixtureFunction setup,
              CMFixtureFunction teardown);

#define cmocka_run_group_tests(t, setup, teardown)                                                 \
    mb_cm_run("tests", (t), sizeof(t) / sizeof((t)[0]), (setup), (teardown))
#define cmocka_run_group_tests_name(name, t, setup, teardown)                                      \
    mb_cm_run((name), (t), sizeof(t) / sizeof((t)[0]), (setup), (teardown))

#define print_message(...) printf(__VA_ARGS__)
#define fail_msg(...) mb_cm_fail(__FILE__, __LINE__, __VA_ARGS__)
#define fail() mb_cm_fail(__FILE__, __LINE__, "failure")
/* A skipped test reports as passed here; it must be called from the test function itself. */
#define skip()                                                                                     \
    do {                                                                                           \
        printf("[  SKIPPED ]\n");                                                                  \
        return;                                                                                    \
    } while (0)

#define assert_true(c)                                                                             \
    do {                                                                                           \
        if (!(c))                                                                                  \
            mb_cm_fail(__FILE__, __LINE__, "%s", #c);                                              \
    } while (0)
#define assert_false(c) assert_true(!(c))
#define assert_null(p) assert_true((p) == NULL)
#define assert_non_null(p) assert_true((p) != NULL)
#define assert_ptr_equal(a, b) assert_true((const void *)(a) == (const void *)(b))
#define assert_int_equal(a, b)                                                                     \
    do {                                                                                           \
        intmax_t mb_a_ = (intmax_t)(a), mb_b_ = (intmax_t)(b);                                     \
        if (mb_a_ != mb_b_ && (uintmax_t)(a) != (uintmax_t)(b))                                    \
            mb_cm_fail(__FILE__, __LINE__, "%jd != %jd", mb_a_, mb_b_);                            \
    } while (0)
#define assert_int_not_equal(a, b) assert_true((intmax_t)(a) != (intmax_t)(b))
#define assert_string_equal(a, b) assert_true(strcmp((a), (b)) == 0)
#define assert_string_not_equal(a, b) assert_true(strcmp((a), (b)) != 0)
#define assert_memory_equal(a, b, n) assert_true(memcmp((a), (b), (n)) == 0)
#define assert_memory_not_equal(a, b, n) assert_true(memcmp((a), (b), (n)) != 0)

#endif
