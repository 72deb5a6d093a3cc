/*
 * test_local_bridge.c - the bridge's outbox without a broker (none can be
 * reached: 127.0.0.1:1 refuses, port/none has no transport): events are
 * kept, the overflow policies refuse or drop as configured and count it, and
 * a second bridge on the same storage takes up what the first kept. The
 * path to and from Kafka is tests/integration/test_int_bridge.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/bridge.h"

#if MSGBUS_CFG_BRIDGE /* else: the feature is left out of this build */

static msgbus_local g_bus;
static unsigned char g_mem[4096];
static msgbus_storage_ram g_ram;
static const msgbus_bridge_out k_out[] = {{"sensor.t", "k.sensor", MSGBUS_BRIDGE_KEY_ID}};

static void cfg_for(msgbus_bridge_config *cfg, msgbus_bridge_overflow ov, uint32_t max)
{
    msgbus_bridge_config_init(cfg);
    cfg->bus = &g_bus;
    cfg->out = k_out;
    cfg->n_out = 1;
    cfg->storage = msgbus_storage_ram_get(&g_ram);
    cfg->max_events = max;
    cfg->overflow = ov;
    cfg->max_event_bytes = 100;
    cfg->producer.bootstrap = "127.0.0.1:1";
    cfg->producer.connect_retries = 1;
}

static void setup_bus(void)
{
    assert_int_equal(msgbus_local_init(&g_bus, NULL), 0);
    assert_int_equal(msgbus_storage_ram_init(&g_ram, g_mem, sizeof g_mem), 0);
}

static void test_refuse_new(void **state)
{
    msgbus_bridge_config cfg;
    msgbus_bridge *b;
    msgbus_bridge_stats st;
    char big[101];
    int i;
    (void)state;
    setup_bus();
    cfg_for(&cfg, MSGBUS_BRIDGE_REFUSE_NEW, 5);
    assert_int_equal(msgbus_bridge_create(&b, &cfg), 0);
    for (i = 0; i < 5; i++)
        assert_int_equal(msgbus_local_emit(&g_bus, "sensor.t", "v", 1, 0, NULL), 0);
    assert_int_equal(msgbus_local_emit(&g_bus, "sensor.t", "v", 1, 0, NULL), MSGBUS_ERR_QUEUE_FULL);
    memset(big, 'x', sizeof big);
    assert_int_equal(msgbus_local_emit(&g_bus, "sensor.t", big, sizeof big, 0, NULL),
                     MSGBUS_ERR_MSG_TOO_LARGE);
    assert_int_equal(msgbus_bridge_poll(b, 20), 0);
    msgbus_bridge_stats_get(b, &st);
    assert_true(st.accepted == 5 && st.refused == 1 && st.dropped == 0 && st.kept == 5);
    assert_true(st.sent == 0 && st.producer_up == 0);
    msgbus_bridge_destroy(b, 0);
    /* the handler is gone with the bridge: emits reach nobody */
    assert_int_equal(msgbus_local_emit(&g_bus, "sensor.t", "v", 1, 0, NULL), 0);
    /* a new bridge on the same storage keeps the 5 and refuses the 6th */
    assert_int_equal(msgbus_bridge_create(&b, &cfg), 0);
    assert_int_equal(msgbus_local_emit(&g_bus, "sensor.t", "v", 1, 0, NULL), MSGBUS_ERR_QUEUE_FULL);
    msgbus_bridge_stats_get(b, &st);
    assert_true(st.kept == 5 && st.refused == 1);
    msgbus_bridge_destroy(b, 0);
    msgbus_local_destroy(&g_bus);
}

static void test_drop_oldest(void **state)
{
    msgbus_bridge_config cfg;
    msgbus_bridge *b;
    msgbus_bridge_stats st;
    uint64_t first, next, s;
    unsigned char rec[200];
    size_t len;
    int i;
    (void)state;
    setup_bus();
    cfg_for(&cfg, MSGBUS_BRIDGE_DROP_OLDEST, 5);
    assert_int_equal(msgbus_bridge_create(&b, &cfg), 0);
    for (i = 0; i < 8; i++) {
        char v = (char)('0' + i);
        assert_int_equal(msgbus_local_emit(&g_bus, "sensor.t", &v, 1, 0, NULL), 0);
    }
    msgbus_bridge_stats_get(b, &st);
    assert_true(st.accepted == 8 && st.dropped == 3 && st.kept == 5 && st.refused == 0);
    /* the oldest went: the storage holds events 3..7 */
    g_ram.mb_st.range(g_ram.mb_st.ctx, &first, &next);
    assert_true(first == 3 && next == 8);
    s = 0;
    assert_int_equal(g_ram.mb_st.read(g_ram.mb_st.ctx, &s, rec, sizeof rec, &len), 0);
    assert_true(s == 3 && rec[len - 1] == '3');
    msgbus_bridge_destroy(b, 0);
    msgbus_local_destroy(&g_bus);
}

/* The RAM storage's own bound (bytes) applies the same policy. */
static void test_storage_full(void **state)
{
    msgbus_bridge_config cfg;
    msgbus_bridge *b;
    msgbus_bridge_stats st;
    char v[90];
    int i, ok = 0;
    (void)state;
    setup_bus();
    memset(v, 'v', sizeof v);
    cfg_for(&cfg, MSGBUS_BRIDGE_REFUSE_NEW, 100000);
    assert_int_equal(msgbus_bridge_create(&b, &cfg), 0);
    for (i = 0; i < 100; i++)
        ok += msgbus_local_emit(&g_bus, "sensor.t", v, sizeof v, 0, NULL) == 0;
    msgbus_bridge_stats_get(b, &st);
    assert_true(ok > 10 && ok < 100);
    assert_true(st.accepted == (uint64_t)ok && st.refused == (uint64_t)(100 - ok));
    msgbus_bridge_destroy(b, 0);
    cfg_for(&cfg, MSGBUS_BRIDGE_DROP_OLDEST, 100000);
    assert_int_equal(msgbus_bridge_create(&b, &cfg), 0);
    for (i = 0; i < 10; i++)
        assert_int_equal(msgbus_local_emit(&g_bus, "sensor.t", v, sizeof v, 0, NULL), 0);
    msgbus_bridge_stats_get(b, &st);
    assert_true(st.dropped == 10 && st.kept == (uint64_t)ok);
    msgbus_bridge_destroy(b, 0);
    msgbus_local_destroy(&g_bus);
}

static void test_bad_config(void **state)
{
    msgbus_bridge_config cfg;
    msgbus_bridge *b;
    (void)state;
    setup_bus();
    cfg_for(&cfg, MSGBUS_BRIDGE_REFUSE_NEW, 5);
    cfg.bus = NULL;
    assert_int_equal(msgbus_bridge_create(&b, &cfg), MSGBUS_ERR_INVALID_ARG);
    cfg_for(&cfg, MSGBUS_BRIDGE_REFUSE_NEW, 0);
    assert_int_equal(msgbus_bridge_create(&b, &cfg), MSGBUS_ERR_INVALID_ARG);
    cfg_for(&cfg, MSGBUS_BRIDGE_REFUSE_NEW, 5);
    cfg.n_out = MSGBUS_BRIDGE_MAX_ROUTES + 1;
    assert_int_equal(msgbus_bridge_create(&b, &cfg), MSGBUS_ERR_INVALID_ARG);
    msgbus_local_destroy(&g_bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuse_new),
        cmocka_unit_test(test_drop_oldest),
        cmocka_unit_test(test_storage_full),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
#include <stdio.h>
int main(void)
{
    puts("skipped: MSGBUS_CFG_BRIDGE is 0 in this build");
    return 0;
}
#endif
