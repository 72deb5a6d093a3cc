/* test_partitioner.c - keyed partitioning matches the Java client's and
 * librdkafka's murmur2 partitioner, so keys land where other producers put them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bus/partitioner.h"

#ifdef MB_HAVE_RDKAFKA
#include <librdkafka/rdkafka.h>
#endif

/* Partitions librdkafka 2.0.2's rd_kafka_msg_partitioner_murmur2 chose for
 * these keys among 1000003 and 6 partitions (printed by a probe program). */
static const struct {
    const char *key;
    int32_t of_1000003, of_6;
} vectors[] = {
    {"", 645856, 3},      {"a", 100772, 4},
    {"ab", 154486, 2},    {"abc", 468670, 3},
    {"abcd", 831631, 2},  {"abcde", 994358, 1},
    {"kafka", 976536, 4}, {"sensor-1", 57961, 1},
    {"21", 547821, 0},    {"hello world, this is a longer key", 223725, 1},
};

static void test_vectors_from_librdkafka(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        size_t n = strlen(vectors[i].key);
        assert_int_equal(mb_partition_for_key(vectors[i].key, n, 1000003), vectors[i].of_1000003);
        assert_int_equal(mb_partition_for_key(vectors[i].key, n, 6), vectors[i].of_6);
    }
    assert_int_equal(mb_partition_for_key("k", 1, 0), -1);
    assert_int_equal(mb_partition_for_key("k", 1, 1), 0);
}

static void test_against_live_librdkafka(void **state)
{
#ifdef MB_HAVE_RDKAFKA
    uint8_t key[64];
    uint32_t x = 2463534242u;
    int i;
    (void)state;
    for (i = 0; i < 20000; i++) {
        size_t len = (size_t)(i % 64), j;
        int32_t parts = 1 + i % 97;
        for (j = 0; j < len; j++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            key[j] = (uint8_t)x;
        }
        assert_int_equal(mb_partition_for_key(key, len, parts),
                         rd_kafka_msg_partitioner_murmur2(NULL, key, len, parts, NULL, NULL));
    }
#else
    (void)state;
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_from_librdkafka),
        cmocka_unit_test(test_against_live_librdkafka),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
