/* test_net_addr.c - broker address and bootstrap list parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/error.h"
#include "net/addr.h"

static void test_good(void **state)
{
    mb_hostport hp;
    (void)state;
    assert_int_equal(mb_addr_parse("localhost:9092", 14, &hp), 0);
    assert_string_equal(hp.host, "localhost");
    assert_int_equal(hp.port, 9092);
    assert_int_equal(mb_addr_parse(" [::1]:1 ", 9, &hp), 0);
    assert_string_equal(hp.host, "::1");
    assert_int_equal(hp.port, 1);
    assert_int_equal(mb_addr_parse("[fe80::1%eth0]:65535", 20, &hp), 0);
    assert_string_equal(hp.host, "fe80::1%eth0");
    assert_int_equal(hp.port, 65535);
    assert_int_equal(mb_addr_parse("kafka-1.example_x.org:29092", 27, &hp), 0);
    /* only the given length is read */
    assert_int_equal(mb_addr_parse("h:12,junk", 4, &hp), 0);
    assert_int_equal(hp.port, 12);
}

static void test_bad(void **state)
{
    static const char *bad[] = {"",           "host",          "host:",   ":9092",       "host:0",
                                "host:65536", "host:99999999", "host:-1", "host:9a",     "h st:1",
                                "[::1]",      "[::1]9092",     "[]:9092", "[1.2.3.4]:9", "::1:9092",
                                "h/x:1",      "h:1:2"};
    mb_hostport hp;
    size_t i;
    char longhost[300];
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (mb_addr_parse(bad[i], strlen(bad[i]), &hp) != MSGBUS_ERR_INVALID_ARG)
            fail_msg("accepted \"%s\"", bad[i]);
    memset(longhost, 'a', 290);
    memcpy(longhost + 290, ":1", 3);
    assert_int_equal(mb_addr_parse(longhost, strlen(longhost), &hp), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_addr_parse(NULL, 0, &hp), MSGBUS_ERR_INVALID_ARG);
}

static void test_list(void **state)
{
    mb_hostport hp[3];
    size_t n = 0;
    (void)state;
    assert_int_equal(mb_addr_parse_list("a:1, [::1]:2 ,c:3", hp, 3, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(hp[1].host, "::1");
    assert_int_equal(hp[2].port, 3);
    assert_int_equal(mb_addr_parse_list("a:1,b:2,c:3,d:4", hp, 3, &n), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_addr_parse_list("a:1,", hp, 3, &n), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_addr_parse_list("", hp, 3, &n), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(mb_addr_parse_list(NULL, hp, 3, &n), MSGBUS_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
