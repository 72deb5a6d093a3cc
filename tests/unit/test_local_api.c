/*
 * test_local_api.c - the bus API (include/msgbus/msgbus.h) with technology
 * MSGBUS_TECH_LOCAL: the same writer/reader/callback calls an application
 * makes against Kafka, served by the local bus without a broker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/local.h"
#include "msgbus/msgbus.h"

#if MSGBUS_CFG_LOCAL /* else: the feature is left out of this build */

/* An allocator that counts, to show writes allocate nothing. */
static unsigned long g_allocs;
static void *count_alloc(void *ctx, size_t n)
{
    const msgbus_allocator *d = msgbus_allocator_default();
    (void)ctx;
    g_allocs++;
    return d->alloc(d->ctx, n);
}
static void count_free(void *ctx, void *p, size_t n)
{
    const msgbus_allocator *d = msgbus_allocator_default();
    (void)ctx;
    d->free(d->ctx, p, n);
}
static const msgbus_allocator k_counting = {count_alloc, count_free, NULL};

static void cfg_for(msgbus_config *cfg, msgbus_dir dir, msgbus_blocking blocking)
{
    msgbus_config_init(cfg);
    cfg->tech = MSGBUS_TECH_LOCAL; /* the only line that differs from a Kafka application */
    cfg->topic = "hb_events";
    cfg->direction = dir;
    cfg->blocking = blocking;
    cfg->alloc = &k_counting;
}

/* Before msgbus_local_set_default() the technology is not linked in. */
static void test_not_linked(void **state)
{
    msgbus_config cfg;
    msgbus *w;
    (void)state;
    cfg_for(&cfg, MSGBUS_WRITER, MSGBUS_BLOCKING);
    assert_int_equal(msgbus_connect(&w, &cfg), MSGBUS_ERR_NOT_BUILT);
    msgbus_local_set_default(NULL); /* links it; the first connect makes the bus */
    assert_int_equal(msgbus_connect(&w, &cfg), 0);
    msgbus_destroy(w);
}

/* The Go package's example, writer then reader, unchanged but for tech. */
static void test_write_read(void **state)
{
    msgbus_config cfg;
    msgbus *w, *r, *r2;
    char buf[64];
    size_t len;
    unsigned long before;
    int i;
    (void)state;
    cfg_for(&cfg, MSGBUS_READER, MSGBUS_NONBLOCKING);
    assert_int_equal(msgbus_connect(&r, &cfg), 0);
    assert_int_equal(msgbus_connect(&r2, &cfg), 0);
    cfg_for(&cfg, MSGBUS_WRITER, MSGBUS_BLOCKING);
    assert_int_equal(msgbus_connect(&w, &cfg), 0);
    assert_int_equal(msgbus_status(w), MSGBUS_STATUS_OPEN);
    assert_int_equal(msgbus_message_available(r), 0);
    before = g_allocs;
    for (i = 0; i < 100; i++)
        assert_int_equal(msgbus_write_str(w, i % 2 ? "The Rain In Spain" : "x"), 0);
    assert_int_equal(g_allocs, before); /* nothing allocated per write */
    assert_int_equal(msgbus_flush(w, 100), 0);
    assert_int_equal(msgbus_message_available(r), 100);
    assert_int_equal(msgbus_message_available(r2), 100);
    for (i = 0; i < 100; i++) {
        assert_int_equal(msgbus_read(r, buf, sizeof buf, &len), 0);
        assert_int_equal(len, i % 2 ? 17 : 1);
        assert_memory_equal(buf, i % 2 ? "The Rain In Spain" : "x", len);
    }
    assert_int_equal(msgbus_read(r, buf, sizeof buf, &len), MSGBUS_ERR_NO_MESSAGE);
    assert_int_equal(msgbus_read(w, buf, sizeof buf, &len), MSGBUS_ERR_STATE); /* a writer */
    assert_int_equal(msgbus_write_str(r, "no"), MSGBUS_ERR_STATE);             /* a reader */
    assert_int_equal(msgbus_commit(r, 0), MSGBUS_ERR_STATE);
    /* a value too long for the buffer stays first in line */
    assert_int_equal(msgbus_read(r2, buf, 0, &len), MSGBUS_ERR_NO_ROOM);
    assert_int_equal(len, 1);
    assert_int_equal(msgbus_read(r2, buf, 1, &len), 0);
    assert_int_equal(msgbus_message_available(r2), 99);
    assert_int_equal(msgbus_disconnect(w), 0);
    assert_int_equal(msgbus_status(w), MSGBUS_STATUS_CLOSED);
    assert_int_equal(msgbus_write_str(w, "late"), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_disconnect(w), MSGBUS_ERR_STATE);
    msgbus_destroy(w);
    msgbus_destroy(r);
    msgbus_destroy(r2);
}

static void test_key_and_record(void **state)
{
    msgbus_config cfg;
    msgbus *w, *r;
    msgbus_record rec;
    msgbus_header h = {"trace", "t1", 2};
    (void)state;
    cfg_for(&cfg, MSGBUS_READER, MSGBUS_NONBLOCKING);
    assert_int_equal(msgbus_connect(&r, &cfg), 0);
    cfg_for(&cfg, MSGBUS_WRITER, MSGBUS_NONBLOCKING);
    assert_int_equal(msgbus_connect(&w, &cfg), 0);
    assert_int_equal(msgbus_write_msg(w, "k1", 2, "v1", 2, &h, 1), 0);
    assert_int_equal(msgbus_write_msg(w, NULL, 0, "v2", 2, NULL, 0), 0);
    assert_int_equal(msgbus_read_record(r, &rec), 0);
    assert_string_equal(rec.topic, "hb_events");
    assert_int_equal(rec.offset, 0);
    /* the event's time (port/none without a wall clock hook: 0) */
    assert_true(msgbus_port_wallclock_ms() > 0 ? rec.timestamp_ms > 0 : rec.timestamp_ms == 0);
    assert_int_equal(rec.key_len, 2);
    assert_memory_equal(rec.key, "k1", 2);
    assert_memory_equal(rec.value, "v1", 2);
    assert_int_equal(msgbus_read_record(r, &rec), 0);
    assert_null(rec.key);
    assert_int_equal(rec.offset, 1);
    assert_memory_equal(rec.value, "v2", 2);
    msgbus_destroy(w);
    msgbus_destroy(r);
}

/* Callbacks: what was queued comes first, then each write as it happens. */
static char g_seen[256];
static size_t g_seen_n;
static msgbus *g_reader;
static int g_unreg_rc;
static void on_msg(void *ud, const msgbus_record *rec)
{
    (void)ud;
    if (g_seen_n + rec->value_len < sizeof g_seen) {
        memcpy(g_seen + g_seen_n, rec->value, rec->value_len);
        g_seen_n += rec->value_len;
    }
    g_unreg_rc = msgbus_unregister_cb(g_reader); /* from the callback: an error, no deadlock */
}

static void test_callback(void **state)
{
    msgbus_config cfg;
    msgbus *w;
    char buf[8];
    size_t len;
    (void)state;
    cfg_for(&cfg, MSGBUS_READER, MSGBUS_NONBLOCKING);
    assert_int_equal(msgbus_connect(&g_reader, &cfg), 0);
    cfg_for(&cfg, MSGBUS_WRITER, MSGBUS_BLOCKING);
    assert_int_equal(msgbus_connect(&w, &cfg), 0);
    g_seen_n = 0;
    assert_int_equal(msgbus_write_str(w, "a"), 0);
    assert_int_equal(msgbus_write_str(w, "b"), 0);
    assert_int_equal(msgbus_register_cb(g_reader, on_msg, NULL), 0);
    assert_int_equal(msgbus_register_cb(g_reader, on_msg, NULL), MSGBUS_ERR_STATE);
    assert_int_equal(g_seen_n, 2);
    assert_int_equal(msgbus_write_str(w, "c"), 0);
    assert_int_equal(g_unreg_rc, MSGBUS_ERR_STATE);
    assert_int_equal(g_seen_n, 3);
    assert_memory_equal(g_seen, "abc", 3);
    assert_int_equal(msgbus_read(g_reader, buf, sizeof buf, &len), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_poll(g_reader, 0), 0);
    assert_int_equal(msgbus_unregister_cb(g_reader), 0);
    assert_int_equal(msgbus_unregister_cb(g_reader), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_write_str(w, "d"), 0);
    assert_int_equal(g_seen_n, 3);
    assert_int_equal(msgbus_read(g_reader, buf, sizeof buf, &len), 0);
    assert_memory_equal(buf, "d", 1);
    msgbus_destroy(w);
    msgbus_destroy(g_reader);
}

/* A full reader refuses the write (the writer may retry); nothing is lost. */
static void test_queue_full(void **state)
{
    msgbus_config cfg;
    msgbus *w, *r;
    char big[100], buf[128];
    size_t len;
    int n = 0, i;
    (void)state;
    memset(big, 'z', sizeof big);
    cfg_for(&cfg, MSGBUS_READER, MSGBUS_NONBLOCKING);
    cfg.read_queue_max_bytes = 1024;
    assert_int_equal(msgbus_connect(&r, &cfg), 0);
    cfg_for(&cfg, MSGBUS_WRITER, MSGBUS_BLOCKING);
    assert_int_equal(msgbus_connect(&w, &cfg), 0);
    while (msgbus_write(w, big, (size_t)(n % 50 + 1)) == 0 && n < 1000)
        n++;
    assert_true(n > 5 && n < 1000);
    assert_int_equal(msgbus_write(w, big, 100), MSGBUS_ERR_QUEUE_FULL);
    assert_int_equal(msgbus_message_available(r), n);
    /* keep writing, reading whenever the ring refuses: order holds across wraps */
    for (i = 0; i < n; i++) {
        assert_int_equal(msgbus_read(r, buf, sizeof buf, &len), 0);
        assert_int_equal(len, (size_t)(i % 50 + 1));
    }
    {
        unsigned wr = 0, rd = 0;
        while (wr < 2000) {
            memset(big, (int)(wr & 0x7f), sizeof big);
            if (msgbus_write(w, big, wr % 97 + 1) == 0) {
                wr++;
                continue;
            }
            assert_int_equal(msgbus_read(r, buf, sizeof buf, &len), 0);
            assert_int_equal(len, rd % 97 + 1);
            assert_int_equal(buf[len - 1], (char)(rd & 0x7f));
            rd++;
        }
        assert_true(rd > 1000); /* the ring wrapped many times */
        while (msgbus_read(r, buf, sizeof buf, &len) == 0) {
            assert_int_equal(len, rd % 97 + 1);
            assert_int_equal(buf[0], (char)(rd & 0x7f));
            rd++;
        }
        assert_int_equal(rd, wr);
    }
    msgbus_destroy(w);
    msgbus_destroy(r);
}

static void test_blocking_read_times_out(void **state)
{
    msgbus_config cfg;
    msgbus *r;
    char buf[8];
    size_t len;
    uint32_t t0;
    (void)state;
    cfg_for(&cfg, MSGBUS_READER, MSGBUS_BLOCKING);
    cfg.read_timeout_ms = 50;
    assert_int_equal(msgbus_connect(&r, &cfg), 0);
    t0 = msgbus_port_now_ms();
    assert_int_equal(msgbus_read(r, buf, sizeof buf, &len), MSGBUS_ERR_NO_MESSAGE);
#if MSGBUS_PORT_HAS_THREADS
    assert_true(msgbus_time_diff(msgbus_port_now_ms(), t0) >= 40);
#endif
    (void)t0;
    msgbus_destroy(r);
    cfg.topic = "";
    assert_int_equal(msgbus_connect(&r, &cfg), MSGBUS_ERR_INVALID_ARG);
}

/* A bus the application gives, seen by its own handlers too. */
static int g_direct;
static int on_direct(void *ud, const msgbus_local_event *ev)
{
    (void)ud;
    g_direct += (int)ev->len;
    return 0;
}

static void test_application_bus(void **state)
{
    static msgbus_local bus;
    msgbus_config cfg;
    msgbus *w;
    (void)state;
    assert_int_equal(msgbus_local_init(&bus, NULL), 0);
    msgbus_local_set_default(&bus);
    assert_int_equal(msgbus_local_register_handler(&bus, "direct", "^hb_", on_direct, NULL), 0);
    cfg_for(&cfg, MSGBUS_WRITER, MSGBUS_BLOCKING);
    assert_int_equal(msgbus_connect(&w, &cfg), 0);
    g_direct = 0;
    assert_int_equal(msgbus_write_str(w, "hello"), 0);
    assert_int_equal(g_direct, 5);
    msgbus_destroy(w);
    msgbus_local_set_default(NULL);
    msgbus_local_destroy(&bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_linked),      cmocka_unit_test(test_write_read),
        cmocka_unit_test(test_key_and_record),  cmocka_unit_test(test_callback),
        cmocka_unit_test(test_queue_full),      cmocka_unit_test(test_blocking_read_times_out),
        cmocka_unit_test(test_application_bus),
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
