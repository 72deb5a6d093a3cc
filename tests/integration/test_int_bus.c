/*
 * test_int_bus.c - the bus facade's reader callbacks against the test broker:
 * a callback in a consumer group that commits from inside the callback (it
 * used to deadlock: the bus held its lock across the callback) and whose
 * commits the group then holds; a callback that calls msgbus_disconnect()
 * on its own bus gets MSGBUS_ERR_STATE, and the bus goes on working. An
 * alarm() watchdog turns a hang into a failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker_proc.h"
#include "msgbus/consumer.h"
#include "msgbus/msgbus.h"
#include "msgbus/port.h"

#define N_MSGS 40

static broker_proc g_broker;

static int setup(void **state)
{
    (void)state;
    return broker_start(&g_broker, MB_TEST_BROKER, 3, 300);
}

static int teardown(void **state)
{
    (void)state;
    broker_stop(&g_broker);
    return 0;
}

/* Write @p n messages "m<i>" with a bus writer. */
static void write_msgs(const char *topic, int n)
{
    msgbus_config cfg;
    msgbus *bus;
    char v[16];
    int i;
    msgbus_config_init(&cfg);
    cfg.bootstrap = g_broker.bootstrap;
    cfg.topic = topic;
    cfg.blocking = MSGBUS_NONBLOCKING;
    assert_int_equal(msgbus_connect(&bus, &cfg), 0);
    for (i = 0; i < n; i++) {
        snprintf(v, sizeof v, "m%d", i);
        assert_int_equal(msgbus_write_str(bus, v), 0);
    }
    assert_int_equal(msgbus_flush(bus, 30000), 0);
    assert_int_equal(msgbus_disconnect(bus), 0);
    msgbus_destroy(bus);
}

typedef struct probe {
    msgbus *bus;
    msgbus_port_mutex_t lock;
    int calls, commits_ok, first_commit_rc, disconnect_rc;
} probe;

static int probe_calls(probe *p)
{
    int n;
    msgbus_port_mutex_lock(&p->lock);
    n = p->calls;
    msgbus_port_mutex_unlock(&p->lock);
    return n;
}

/* Commit every record from inside the callback; try to disconnect on the first. */
static void commit_cb(void *ud, const msgbus_record *rec)
{
    probe *p = ud;
    int rc = msgbus_commit(p->bus, 10000);
    (void)rec;
    msgbus_port_mutex_lock(&p->lock);
    if (p->calls == 0) {
        p->first_commit_rc = rc;
        p->disconnect_rc = msgbus_disconnect(p->bus);
    }
    p->commits_ok += rc == 0;
    p->calls++;
    msgbus_port_mutex_unlock(&p->lock);
}

static msgbus *group_reader(const char *topic, const char *group)
{
    msgbus_config cfg;
    msgbus *bus = NULL;
    msgbus_config_init(&cfg);
    cfg.bootstrap = g_broker.bootstrap;
    cfg.topic = topic;
    cfg.direction = MSGBUS_READER;
    cfg.start = MSGBUS_START_COMMITTED;
    cfg.group_id = group;
    cfg.auto_commit_interval_ms = 0; /* only the callback's commits */
    cfg.session_timeout_ms = 6000;
    assert_int_equal(msgbus_connect(&bus, &cfg), 0);
    return bus;
}

/* What the group committed, summed over the topic's partitions. */
static int64_t committed_total(const char *topic, const char *group)
{
    msgbus_consumer_config cfg;
    msgbus_consumer *c;
    int32_t n = 0, i;
    int64_t sum = 0;
    msgbus_consumer_config_init(&cfg);
    cfg.bootstrap = g_broker.bootstrap;
    cfg.group_id = group;
    assert_int_equal(msgbus_consumer_create(&c, &cfg), 0);
    assert_int_equal(msgbus_consumer_partition_count(c, topic, &n, 10000), 0);
    for (i = 0; i < n; i++) {
        int64_t off = -1;
        assert_int_equal(msgbus_consumer_committed(c, topic, i, &off, 10000), 0);
        sum += off > 0 ? off : 0;
    }
    msgbus_consumer_close(c);
    return sum;
}

static void test_commit_from_callback(void **state)
{
    const char *topic = "bus-cb-commit", *group = "bus-cb-commit-group";
    probe p;
    int rounds = 0;
    (void)state;
    alarm(150); /* a deadlock fails the test instead of hanging CI */
    memset(&p, 0, sizeof p);
    p.first_commit_rc = p.disconnect_rc = 1;
    assert_int_equal(msgbus_port_mutex_init(&p.lock), 0);
    write_msgs(topic, N_MSGS);
    p.bus = group_reader(topic, group);
    assert_int_equal(msgbus_register_cb(p.bus, commit_cb, &p), 0);
    while (probe_calls(&p) < N_MSGS && rounds++ < 600)
        assert_int_equal(msgbus_poll(p.bus, 100), 0);
    assert_int_equal(probe_calls(&p), N_MSGS);
    assert_int_equal(p.first_commit_rc, 0);
    assert_int_equal(p.disconnect_rc, MSGBUS_ERR_STATE);
    assert_int_equal(p.commits_ok, N_MSGS);
    assert_int_equal(msgbus_status(p.bus), MSGBUS_STATUS_OPEN);
    assert_int_equal(msgbus_unregister_cb(p.bus), 0);
    assert_int_equal(msgbus_disconnect(p.bus), 0);
    msgbus_destroy(p.bus);
    /* the commits made from the callback are the group's */
    assert_int_equal(committed_total(topic, group), N_MSGS);
    alarm(0);
    msgbus_port_mutex_destroy(&p.lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_from_callback),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
