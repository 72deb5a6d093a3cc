/* test_consumer_protocol.c - subscription and assignment payloads, including
 * the ones kcat (librdkafka) and kafka-python really sent in their groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/consumer_protocol.h"
#include "proto/group.h"
#include "testutil.h"

static uint64_t g_store[4096];

static int dec_sub(const uint8_t *buf, size_t len, void *ctx)
{
    mb_rd r;
    mb_arena a;
    mb_rd_init(&r, buf, len);
    mb_arena_init(&a, g_store, sizeof g_store);
    return mb_consumer_subscription_read(&r, &a, ctx);
}

static int dec_asg(const uint8_t *buf, size_t len, void *ctx)
{
    mb_rd r;
    mb_arena a;
    mb_rd_init(&r, buf, len);
    mb_arena_init(&a, g_store, sizeof g_store);
    return mb_consumer_assignment_read(&r, &a, ctx);
}

static void test_subscription_roundtrip(void **state)
{
    mb_str topics[2] = {{"orders", 6}, {"audit", 5}};
    int32_t parts[3] = {0, 2, 5};
    mb_topic_partitions owned[1] = {{{"orders", 6}, parts, 3}};
    mb_consumer_subscription s = {0,     topics, 2,  {(const uint8_t *)"ud", 2},
                                  owned, 1,      42, {"rack-a", 6}};
    mb_consumer_subscription b;
    uint8_t buf[256], again[256];
    int16_t v;
    (void)state;
    for (v = 0; v <= 3; v++) {
        mb_wr w;
        size_t n;
        mb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(mb_consumer_subscription_write(&w, v, &s), 0);
        n = w.len;
        tu_check_truncations(buf, n, dec_sub, &b);
        assert_int_equal(dec_sub(buf, n, &b), 0); /* again, from a buffer that stays */
        assert_int_equal(b.version, v);
        assert_int_equal(b.n_topics, 2);
        assert_true(mb_str_eq(b.topics[1], topics[1]));
        assert_true(mb_bytes_eq(b.user_data, s.user_data));
        assert_int_equal(b.n_owned_partitions, v >= 1 ? 1 : 0);
        if (v >= 1) {
            assert_true(mb_str_eq(b.owned_partitions[0].topic, owned[0].topic));
            assert_int_equal(b.owned_partitions[0].n_partitions, 3);
            assert_int_equal(b.owned_partitions[0].partitions[2], 5);
        }
        assert_int_equal(b.generation_id, v >= 2 ? 42 : -1);
        if (v >= 3)
            assert_true(mb_str_eq(b.rack_id, s.rack_id));
        else
            assert_true(b.rack_id.len < 0);
        mb_wr_init(&w, again, sizeof again);
        assert_int_equal(mb_consumer_subscription_write(&w, v, &b), 0);
        tu_assert_bytes(again, w.len, buf, n);
    }
}

static void test_assignment_roundtrip(void **state)
{
    int32_t p1[2] = {1, 3}, p2[1] = {0};
    mb_topic_partitions tps[2] = {{{"orders", 6}, p1, 2}, {{"audit", 5}, p2, 1}};
    mb_consumer_assignment as = {0, tps, 2, MB_BYTES_NULL}, b;
    uint8_t buf[256];
    int16_t v;
    (void)state;
    for (v = 0; v <= 3; v++) {
        mb_wr w;
        mb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(mb_consumer_assignment_write(&w, v, &as), 0);
        tu_check_truncations(buf, w.len, dec_asg, &b);
        assert_int_equal(dec_asg(buf, w.len, &b), 0);
        assert_int_equal(b.n_assigned_partitions, 2);
        assert_true(mb_str_eq(b.assigned_partitions[0].topic, tps[0].topic));
        assert_int_equal(b.assigned_partitions[0].partitions[1], 3);
        assert_int_equal(b.assigned_partitions[1].partitions[0], 0);
        assert_true(b.user_data.len < 0);
    }
}

/* Pull the protocol metadata / assignment out of a captured group frame. */
static mb_bytes peer_payload(const char *file, int join, uint8_t **keep)
{
    static uint64_t store[2048];
    size_t len;
    uint8_t *buf = tu_load_vector(file, &len);
    mb_rd r;
    mb_arena a;
    mb_req_hdr h;
    mb_rd_init(&r, buf, len);
    mb_arena_init(&a, store, sizeof store);
    assert_int_equal(mb_req_hdr_read(&r, 1, &h), 0);
    *keep = buf;
    if (join) {
        static mb_join_group_req jg;
        assert_int_equal(mb_join_group_req_read(&r, h.api_version, &a, &jg), 0);
        return jg.protocols[0].metadata;
    } else {
        static mb_sync_group_req sg;
        assert_int_equal(mb_sync_group_req_read(&r, h.api_version, &a, &sg), 0);
        return sg.assignments[0].assignment;
    }
}

static void test_real_peers(void **state)
{
    static const struct {
        const char *join, *sync, *topic;
    } peers[] = {
        {"peer_kcat_join_group_v5_req.hex", "peer_kcat_sync_group_v3_req.hex", "peer-kcat"},
        {"peer_kpy_join_group_v2_req.hex", "peer_kpy_sync_group_v1_req.hex", "peer-kpy"}};
    size_t i;
    (void)state;
    for (i = 0; i < 2; i++) {
        uint8_t *keep;
        mb_consumer_subscription s;
        mb_consumer_assignment as;
        mb_bytes b = peer_payload(peers[i].join, 1, &keep);
        tu_check_truncations(b.ptr, (size_t)b.len, dec_sub, &s);
        assert_int_equal(dec_sub(b.ptr, (size_t)b.len, &s), 0);
        assert_int_equal(s.n_topics, 1);
        tu_assert_str(s.topics[0], peers[i].topic);
        free(keep);
        b = peer_payload(peers[i].sync, 0, &keep);
        tu_check_truncations(b.ptr, (size_t)b.len, dec_asg, &as);
        assert_int_equal(dec_asg(b.ptr, (size_t)b.len, &as), 0);
        assert_int_equal(as.n_assigned_partitions, 1);
        tu_assert_str(as.assigned_partitions[0].topic, peers[i].topic);
        assert_int_equal(as.assigned_partitions[0].n_partitions, 1);
        assert_int_equal(as.assigned_partitions[0].partitions[0], 0);
        free(keep);
    }
}

static void test_newer_and_hostile(void **state)
{
    uint8_t buf[64];
    size_t n;
    mb_consumer_subscription s;
    mb_consumer_assignment as;
    (void)state;
    /* v4 with a field we do not know appended: known prefix decoded, rest ignored */
    n = tu_hex("0004 00000001 0001 74 ffffffff 00000000 00000007 ffff 2a2a2a", buf, sizeof buf);
    assert_int_equal(dec_sub(buf, n, &s), 0);
    assert_int_equal(s.version, 4);
    assert_int_equal(s.generation_id, 7);
    /* but v3 with trailing bytes is malformed */
    n = tu_hex("0003 00000001 0001 74 ffffffff 00000000 00000007 ffff 2a", buf, sizeof buf);
    assert_int_equal(dec_sub(buf, n, &s), MSGBUS_ERR_MALFORMED);
    /* negative version */
    n = tu_hex("ffff 00000000 ffffffff", buf, sizeof buf);
    assert_int_equal(dec_asg(buf, n, &as), MSGBUS_ERR_UNSUPPORTED_VERSION);
    /* hostile counts */
    n = tu_hex("0000 7fffffff", buf, sizeof buf);
    assert_int_equal(dec_sub(buf, n, &s), MSGBUS_ERR_LIMIT);
    n = tu_hex("0000 00000001 0001 74 00010000", buf, sizeof buf);
    assert_int_equal(dec_asg(buf, n, &as), MSGBUS_ERR_TRUNCATED);
    /* writing a version we do not know */
    {
        mb_wr w;
        mb_wr_init(&w, buf, sizeof buf);
        assert_int_equal(mb_consumer_assignment_write(&w, 4, &as), MSGBUS_ERR_UNSUPPORTED_VERSION);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subscription_roundtrip),
        cmocka_unit_test(test_assignment_roundtrip),
        cmocka_unit_test(test_real_peers),
        cmocka_unit_test(test_newer_and_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
