/*
 * test_local_match.c - the local bus's matchers: one table of patterns,
 * topics and expected results, run against msgbus's subset matcher on every
 * target (the Cortex-M4 under QEMU too) and against the C library's POSIX
 * regex where it is built, so the subset behaves as regexec does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "local/match.h"
#include "msgbus/config_defaults.h"
#include "msgbus/error.h"

#if MSGBUS_CFG_LOCAL /* else: the feature is left out of this build */

#define BAD MSGBUS_ERR_BAD_PATTERN

typedef struct row {
    const char *pattern, *topic;
    int want; /* 1 match, 0 no match, BAD */
} row;

static const row k_table[] = {
    /* literals: a search anywhere, as regexec does */
    {"order", "order.received", 1},
    {"received", "order.received", 1},
    {"order", "orde", 0},
    {"", "anything", 1},
    {"x", "", 0},
    /* any byte, escapes */
    {"order.received", "orderXreceived", 1},
    {"order\\.received", "orderXreceived", 0},
    {"order\\.received", "order.received", 1},
    {"a\\*b", "a*b", 1},
    {"a\\*b", "aab", 0},
    /* repetition */
    {".*", "", 1},
    {".*", "order.fulfilled", 1},
    {"^ab*c$", "ac", 1},
    {"^ab*c$", "abbbc", 1},
    {"^ab+c$", "ac", 0},
    {"^ab+c$", "abc", 1},
    {"^ab?c$", "abbc", 0},
    {"^ab?c$", "ac", 1},
    {"^a.*z$", "a-z", 1},
    {"^a.*z$", "a-z-", 0},
    {"^(ab)+$", "ababab", 1},
    {"^(ab)+$", "ababa", 0},
    {"^(a|b)*c$", "abbac", 1},
    {"^(a|b)*c$", "abxc", 0},
    /* anchors */
    {"^order", "order.received", 1},
    {"^order", "my.order", 0},
    {"received$", "order.received", 1},
    {"received$", "order.received.x", 0},
    {"^$", "", 1},
    {"^$", "x", 0},
    /* classes */
    {"^[a-z]+$", "order", 1},
    {"^[a-z]+$", "Order", 0},
    {"^[^.]+$", "order", 1},
    {"^[^.]+$", "order.x", 0},
    {"^sensor[0-9]$", "sensor7", 1},
    {"^sensor[0-9]$", "sensorx", 0},
    {"^[]x]$", "]", 1},
    {"^[a-c-]$", "-", 1},
    {"^[.]$", "x", 0},
    /* alternation and groups */
    {"^order\\.(received|fulfilled)$", "order.fulfilled", 1},
    {"^order\\.(received|fulfilled)$", "order.cancelled", 0},
    {"cat|dog", "hotdog", 1},
    {"^cat|dog$", "catalog", 1},
    {"^(cat|dog)$", "catalog", 0},
    {"^a(b(c|d))*e$", "abcbde", 1},
    {"^a(b(c|d))*e$", "abce", 1},
    {"^a(b(c|d))*e$", "abe", 0},
    /* bad patterns: both refuse them */
    {"(", "x", BAD},
    {"(ab", "x", BAD},
    {"[ab", "x", BAD},
    {"[z-a]", "x", BAD},
};

/* Bad in the subset only (POSIX accepts them, the subset's grammar does not). */
static const row k_subset_only[] = {
    {"a{2}", "aa", BAD}, {"a|", "a", BAD},  {"()", "a", BAD}, {"*a", "a", BAD},
    {"a\\", "a", BAD},   {"ab)", "x", BAD}, /* POSIX: an unmatched `)` is a literal */
};

static void run_table(int (*fn)(const char *, const char *), const row *t, size_t n,
                      const char *name)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int got = fn(t[i].pattern, t[i].topic);
        if (got != t[i].want)
            fail_msg("%s: /%s/ on \"%s\": got %d, want %d", name, t[i].pattern, t[i].topic, got,
                     t[i].want);
    }
}

static void test_subset_table(void **state)
{
    (void)state;
    run_table(mb_match_subset, k_table, sizeof k_table / sizeof k_table[0], "subset");
    run_table(mb_match_subset, k_subset_only, sizeof k_subset_only / sizeof k_subset_only[0],
              "subset");
}

static void test_posix_table(void **state)
{
    (void)state;
#if MSGBUS_CFG_LOCAL_REGEX_POSIX
    run_table(mb_match_posix, k_table, sizeof k_table / sizeof k_table[0], "posix");
#else
    assert_int_equal(mb_match_posix("a", "a"), MSGBUS_ERR_NOT_BUILT);
#endif
}

/* Limits: the longest pattern the configuration allows compiles; a topic of
   pathological shape is still matched in one pass (no backtracking). */
static void test_subset_bounds(void **state)
{
    char pat[MSGBUS_CFG_LOCAL_PATTERN_LEN];
    char topic[200];
    size_t i;
    (void)state;
    for (i = 0; i + 2 < sizeof pat; i += 2)
        memcpy(pat + i, "a?", 2);
    pat[i] = '\0';
    memset(topic, 'a', sizeof topic - 1);
    topic[sizeof topic - 1] = '\0';
    assert_int_equal(mb_match_subset(pat, topic), 1);
    strcpy(pat, "^(a|aa)*b$");
    assert_int_equal(mb_match_subset(pat, topic), 0);
    topic[sizeof topic - 2] = 'b';
    assert_int_equal(mb_match_subset(pat, topic), 1);
    assert_int_equal(mb_match_subset(NULL, "x"), MSGBUS_ERR_INVALID_ARG);
    /* more classes than the subset holds */
    assert_int_equal(mb_match_subset("[a][b][c][d][e]", "abcde"), BAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subset_table),
        cmocka_unit_test(test_posix_table),
        cmocka_unit_test(test_subset_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
#include <stdio.h>
int main(void)
{
    puts("skipped: MSGBUS_CFG_LOCAL is 0 in this build");
    return 0;
}
#endif
