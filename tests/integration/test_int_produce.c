/*
 * test_int_produce.c - the producer and the bus writer against the test
 * broker (librdkafka's mock cluster as a process of its own), with
 * librdkafka's consumer and producer as the peers whose view must match
 * ours: bytes, keys, headers and timestamps read back exactly; keyed
 * messages on the partitions librdkafka picks; 100,000 messages exactly once
 * and in order while faults are injected; no heap allocation per message.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>

#include "broker_proc.h"
#include "msgbus/kafka_errors.h"
#include "msgbus/msgbus.h"
#include "msgbus/producer.h"

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

/* ---- allocation counting ---- */

static pthread_mutex_t g_alloc_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long g_allocs;

static void *count_alloc(void *ctx, size_t n)
{
    (void)ctx;
    pthread_mutex_lock(&g_alloc_mu);
    g_allocs++;
    pthread_mutex_unlock(&g_alloc_mu);
    return malloc(n);
}

static void count_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    (void)n;
    free(p);
}

static const msgbus_allocator g_counting = {count_alloc, count_free, NULL};

static unsigned long allocs_now(void)
{
    unsigned long n;
    pthread_mutex_lock(&g_alloc_mu);
    n = g_allocs;
    pthread_mutex_unlock(&g_alloc_mu);
    return n;
}

/* ---- delivery bookkeeping ---- */

typedef struct reports {
    pthread_mutex_t mu;
    unsigned long ok, failed;
    int first_err;
    int32_t *partition; /* by opaque index, when tracked */
    int64_t *offset;
} reports;

static void on_delivery(void *ud, const msgbus_delivery *d)
{
    reports *r = ud;
    size_t i = (size_t)(uintptr_t)d->opaque;
    pthread_mutex_lock(&r->mu);
    if (d->err == 0) {
        r->ok++;
    } else if (r->failed++ == 0) {
        r->first_err = d->err;
    }
    if (r->partition) {
        r->partition[i] = d->partition;
        r->offset[i] = d->offset;
    }
    pthread_mutex_unlock(&r->mu);
}

static msgbus_producer *make_producer(reports *r, int acks, const msgbus_allocator *al)
{
    msgbus_producer_config cfg;
    msgbus_producer *p = NULL;
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = g_broker.bootstrap;
    cfg.acks = acks;
    cfg.on_delivery = on_delivery;
    cfg.delivery_ud = r;
    cfg.alloc = al;
    cfg.retry_backoff_ms = 20;
    assert_int_equal(msgbus_producer_create(&p, &cfg), 0);
    return p;
}

/* ---- a librdkafka consumer reading whole partitions from the start ---- */

typedef void (*msg_fn)(void *ud, const rd_kafka_message_t *m);

/* Read @p want messages from partitions 0..n_parts-1 of @p topic; returns how many came. */
static long rk_consume(const char *topic, int n_parts, long want, msg_fn fn, void *ud)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(n_parts);
    rd_kafka_t *rk;
    long got = 0;
    int i, idle = 0;
    rd_kafka_conf_set(conf, "bootstrap.servers", g_broker.bootstrap, err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", "msgbus-test-reader", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    assert_non_null(rk);
    for (i = 0; i < n_parts; i++)
        rd_kafka_topic_partition_list_add(tp, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    assert_int_equal(rd_kafka_assign(rk, tp), 0);
    rd_kafka_topic_partition_list_destroy(tp);
    while (got < want && idle < 100) { /* 10 s without a message ends it */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) {
            idle++;
            continue;
        }
        if (m->err == 0) {
            fn(ud, m);
            got++;
            idle = 0;
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return got;
}

/* ---- interop: what we write, librdkafka reads back exactly ---- */

#define BIG (1024 * 1024 - 200)

typedef struct expect {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
    int64_t ts;
    int n_headers;
} expect;

typedef struct seen {
    long n;
    int ok[8];
} seen;

static char *g_big;

static void check_msg(void *ud, const rd_kafka_message_t *m)
{
    seen *s = ud;
    rd_kafka_headers_t *hdrs = NULL;
    rd_kafka_timestamp_type_t tt;
    int64_t ts = rd_kafka_message_timestamp(m, &tt);
    const void *hv;
    size_t hl;
    long i = m->offset;
    assert_true(i >= 0 && i < 7);
    switch (i) {
    case 0: /* key, value, two headers (one null), explicit timestamp */
        assert_int_equal(m->key_len, 2);
        assert_memory_equal(m->key, "k1", 2);
        assert_int_equal(m->len, 5);
        assert_memory_equal(m->payload, "hello", 5);
        assert_int_equal(ts, 1700000000123LL);
        assert_int_equal(tt, RD_KAFKA_TIMESTAMP_CREATE_TIME);
        assert_int_equal(rd_kafka_message_headers(m, &hdrs), 0);
        assert_int_equal(rd_kafka_header_cnt(hdrs), 2);
        assert_int_equal(rd_kafka_header_get_all(hdrs, 0, &(const char *){NULL}, &hv, &hl), 0);
        assert_int_equal(hl, 3);
        assert_memory_equal(hv, "abc", 3);
        assert_int_equal(rd_kafka_header_get_last(hdrs, "nul", &hv, &hl), 0);
        assert_null(hv);
        break;
    case 1: /* null key */
        assert_null(m->key);
        assert_int_equal(m->len, 5);
        assert_memory_equal(m->payload, "nokey", 5);
        break;
    case 2: /* empty value, not null */
        assert_non_null(m->payload);
        assert_int_equal(m->len, 0);
        break;
    case 3: /* null value (tombstone) */
        assert_null(m->payload);
        assert_int_equal(m->key_len, 4);
        break;
    case 4: /* about 1 MB */
        assert_int_equal(m->len, BIG);
        assert_memory_equal(m->payload, g_big, BIG);
        break;
    case 5: /* timestamp 0 means now: a current wall-clock time */
        assert_true(ts > 1700000000000LL);
        break;
    case 6: /* binary value with NULs */
        assert_int_equal(m->len, 4);
        assert_memory_equal(m->payload, "\0\1\0\2", 4);
        break;
    }
    s->ok[i] = 1;
    s->n++;
}

static void test_interop_read_back_by_librdkafka(void **state)
{
    reports r = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL, NULL};
    msgbus_producer *p;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    msgbus_header h[2] = {{"h1", "abc", 3}, {"nul", NULL, 0}};
    seen s;
    int32_t part;
    int64_t off;
    int i;
    (void)state;
    assert_int_equal(broker_cmd(&g_broker, "create_topic interop 1 1"), 0);
    g_big = malloc(BIG);
    for (i = 0; i < BIG; i++)
        g_big[i] = (char)(i * 7 + 3);
    p = make_producer(&r, -1, NULL);
    m.topic = "interop";
    m.key = "k1";
    m.key_len = 2;
    m.value = "hello";
    m.value_len = 5;
    m.headers = h;
    m.n_headers = 2;
    m.timestamp_ms = 1700000000123LL;
    assert_int_equal(msgbus_producer_send_sync(p, &m, &part, &off, 10000), 0);
    assert_int_equal(part, 0);
    assert_int_equal(off, 0);
    m = (msgbus_message)MSGBUS_MESSAGE_INIT;
    m.topic = "interop";
    m.value = "nokey";
    m.value_len = 5;
    assert_int_equal(msgbus_producer_send(p, &m), 0);
    m.value = "";
    m.value_len = 0;
    assert_int_equal(msgbus_producer_send(p, &m), 0);
    m.key = "tomb";
    m.key_len = 4;
    m.value = NULL;
    assert_int_equal(msgbus_producer_send(p, &m), 0);
    m.key = NULL;
    m.key_len = 0;
    m.value = g_big;
    m.value_len = BIG;
    assert_int_equal(msgbus_producer_send(p, &m), 0);
    m.value = "now";
    m.value_len = 3;
    assert_int_equal(msgbus_producer_send(p, &m), 0);
    m.value = "\0\1\0\2";
    m.value_len = 4;
    assert_int_equal(msgbus_producer_send_sync(p, &m, &part, &off, 10000), 0);
    assert_int_equal(off, 6);
    assert_int_equal(msgbus_producer_close(p, 10000), 0);
    assert_int_equal(r.ok, 5); /* the two sync sends report through their return */
    assert_int_equal(r.failed, 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(rk_consume("interop", 1, 7, check_msg, &s), 7);
    for (i = 0; i < 7; i++)
        assert_true(s.ok[i]);
    free(g_big);
}

/* ---- keyed messages land where librdkafka's murmur2 partitioner puts them ---- */

#define N_KEYS 300

static int32_t g_rk_part[N_KEYS];

static void rk_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err == 0)
        g_rk_part[(uintptr_t)m->_private] = m->partition;
}

static void test_keys_on_librdkafka_partitions(void **state)
{
    reports r = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL, NULL};
    int32_t ours[N_KEYS];
    int64_t offs[N_KEYS];
    char err[256], key[32];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;
    msgbus_producer *p;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    int i, spread[8] = {0};
    (void)state;
    assert_int_equal(broker_cmd(&g_broker, "create_topic keyed_ours 8 1"), 0);
    assert_int_equal(broker_cmd(&g_broker, "create_topic keyed_theirs 8 1"), 0);
    r.partition = ours;
    r.offset = offs;
    p = make_producer(&r, 1, NULL);
    m.topic = "keyed_ours";
    for (i = 0; i < N_KEYS; i++) {
        snprintf(key, sizeof key, "device-%d", i * 37);
        m.key = key;
        m.key_len = strlen(key);
        m.value = "v";
        m.value_len = 1;
        m.opaque = (void *)(uintptr_t)i;
        assert_int_equal(msgbus_producer_send(p, &m), 0);
    }
    assert_int_equal(msgbus_producer_close(p, 10000), 0);
    assert_int_equal(r.ok, N_KEYS);

    rd_kafka_conf_set(conf, "bootstrap.servers", g_broker.bootstrap, err, sizeof err);
    rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(conf, rk_dr);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    assert_non_null(rk);
    for (i = 0; i < N_KEYS; i++) {
        snprintf(key, sizeof key, "device-%d", i * 37);
        g_rk_part[i] = -1;
        assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("keyed_theirs"),
                                           RD_KAFKA_V_KEY(key, strlen(key)),
                                           RD_KAFKA_V_VALUE("v", 1),
                                           RD_KAFKA_V_OPAQUE((void *)(uintptr_t)i), RD_KAFKA_V_END),
                         0);
    }
    assert_int_equal(rd_kafka_flush(rk, 10000), 0);
    rd_kafka_destroy(rk);
    for (i = 0; i < N_KEYS; i++) {
        assert_int_equal(ours[i], g_rk_part[i]);
        spread[ours[i]]++;
    }
    for (i = 0; i < 8; i++)
        assert_true(spread[i] > 0); /* a real spread, not everything on one partition */
}

/* ---- reliability: 100,000 messages exactly once, in order, under faults ---- */

#define N_REL 100000
#define REL_PARTS 4

typedef struct order_check {
    long last[REL_PARTS];
    unsigned char *seen;
    long dups, disorder;
} order_check;

static void check_order(void *ud, const rd_kafka_message_t *m)
{
    order_check *o = ud;
    long seq = strtol((const char *)m->payload + 4, NULL, 10);
    assert_true(m->partition >= 0 && m->partition < REL_PARTS);
    assert_true(seq >= 0 && seq < N_REL);
    if (o->seen[seq]) {
        o->dups++;
        fprintf(stderr, "duplicate: seq %ld again at partition %d offset %lld\n", seq,
                (int)m->partition, (long long)m->offset);
    }
    o->seen[seq] = 1;
    if (seq <= o->last[m->partition]) {
        o->disorder++;
        fprintf(stderr, "out of order: seq %ld after %ld at partition %d offset %lld\n", seq,
                o->last[m->partition], (int)m->partition, (long long)m->offset);
    }
    o->last[m->partition] = seq;
}

/*
 * Connections are dropped with the broker's _TRANSPORT error (-195), which
 * closes the connection instead of answering, without writing. Not with
 * broker_down: that can close a connection after the broker appended a
 * batch but before the answer left, and this broker (librdkafka 2.0.2's
 * mock) keeps no producer sequences, so any client's retry is then written
 * twice (seen once under ASan). Exactly-once across that needs a broker
 * that deduplicates, which Kafka does.
 */
static void test_reliability_under_faults(void **state)
{
    static const char *faults[] = {
        "push_errors Produce NOT_LEADER_FOR_PARTITION NOT_LEADER_FOR_PARTITION",
        "leader rel 0 2",
        "push_errors Produce REQUEST_TIMED_OUT",
        "push_errors Produce -195",
        "leader rel 1 3",
        "push_errors Produce -195",
        "leader rel 2 1",
        "push_errors Produce -195 -195",
        "push_errors Produce NOT_ENOUGH_REPLICAS REQUEST_TIMED_OUT",
        "leader rel 3 2",
        "push_errors Produce -195",
        "push_errors Produce NOT_LEADER_FOR_PARTITION",
        "leader rel 0 1",
    };
    reports r = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL, NULL};
    order_check o;
    msgbus_producer_config cfg;
    msgbus_producer *p;
    msgbus_producer_stats st;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    char val[32], key[16];
    long i, got;
    size_t f = 0;
    int rc;
    (void)state;
    assert_int_equal(broker_cmd(&g_broker, "create_topic rel 4 3"), 0);
    /*
     * One request in flight per broker. With more, order after a failed batch
     * rests on the broker refusing the later batches' sequence gap
     * (OUT_OF_ORDER_SEQUENCE_NUMBER), as Kafka brokers do and as
     * test_producer.c checks against a scripted one; this test broker seems to append
     * them anyway (2 runs in 26 read one message out of order with 5 in
     * flight), so here order is checked where it cannot depend on that.
     */
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = g_broker.bootstrap;
    cfg.on_delivery = on_delivery;
    cfg.delivery_ud = &r;
    cfg.retry_backoff_ms = 20;
    cfg.max_in_flight = 1;
    assert_int_equal(msgbus_producer_create(&p, &cfg), 0);
    m.topic = "rel";
    for (i = 0; i < N_REL; i++) {
        snprintf(val, sizeof val, "seq:%ld", i);
        snprintf(key, sizeof key, "%ld", i % 64);
        m.key = key;
        m.key_len = strlen(key);
        m.value = val;
        m.value_len = strlen(val);
        while ((rc = msgbus_producer_send(p, &m)) == MSGBUS_ERR_QUEUE_FULL)
            msgbus_producer_poll(p, 1);
        assert_int_equal(rc, 0);
        if (i % 6000 == 5999 && f < sizeof faults / sizeof faults[0])
            assert_int_equal(broker_cmd(&g_broker, faults[f++]), 0);
    }
    while (f < sizeof faults / sizeof faults[0])
        assert_int_equal(broker_cmd(&g_broker, faults[f++]), 0);
    assert_int_equal(msgbus_producer_flush(p, 60000), 0);
    msgbus_producer_stats_get(p, &st);
    assert_int_equal(msgbus_producer_close(p, 10000), 0);
    fprintf(stderr, "reliability: %lu delivered, %lu failed, %llu retries, %llu requests\n", r.ok,
            r.failed, (unsigned long long)st.retries, (unsigned long long)st.requests);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.ok, N_REL);
    assert_true(st.retries > 0); /* the faults did bite */
    memset(&o, 0, sizeof o);
    for (i = 0; i < REL_PARTS; i++)
        o.last[i] = -1;
    o.seen = calloc(N_REL, 1);
    got = rk_consume("rel", REL_PARTS, N_REL + 1000, check_order, &o);
    fprintf(stderr, "reliability: read back %ld, %ld duplicates, %ld out of order\n", got, o.dups,
            o.disorder);
    assert_int_equal(o.dups, 0);
    assert_int_equal(o.disorder, 0);
    assert_int_equal(got, N_REL);
    for (i = 0; i < N_REL; i++)
        assert_true(o.seen[i]);
    free(o.seen);
}

/* ---- memory: no heap allocation per message once warm ---- */

static void test_zero_alloc_steady_state(void **state)
{
    reports r = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL, NULL};
    msgbus_producer *p;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    char val[100];
    msgbus_producer_config cfg;
    msgbus_producer_stats st;
    unsigned long before, after;
    long i, warm;
    char cmd[64];
    int rc;
    (void)state;
    assert_int_equal(broker_cmd(&g_broker, "create_topic quiet 2 1"), 0);
    memset(val, 'x', sizeof val);
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = g_broker.bootstrap;
    cfg.acks = 1;
    cfg.on_delivery = on_delivery;
    cfg.delivery_ud = &r;
    cfg.alloc = &g_counting;
    cfg.queue_max_bytes = 4u << 20;
    assert_int_equal(msgbus_producer_create(&p, &cfg), 0);
    m.topic = "quiet";
    m.value = val;
    m.value_len = sizeof val;
    /*
     * Warm-up: until the batch pool has grown to its bound (queue_max_bytes).
     * Slow responses make the queue back up, so the bound is reached at once.
     */
    for (i = 1; i <= 3; i++) {
        snprintf(cmd, sizeof cmd, "broker_rtt %ld 50", i);
        assert_int_equal(broker_cmd(&g_broker, cmd), 0);
    }
    for (i = 0; i < 2; i++) { /* every partition's leader once */
        m.partition = (int32_t)i;
        assert_int_equal(msgbus_producer_send_sync(p, &m, NULL, NULL, 10000), 0);
    }
    m.partition = MSGBUS_PARTITION_ANY;
    for (warm = 0;; warm++) {
        msgbus_producer_stats_get(p, &st);
        if (st.buffer_bytes + cfg.batch_size > cfg.queue_max_bytes)
            break;
        while ((rc = msgbus_producer_send(p, &m)) == MSGBUS_ERR_QUEUE_FULL)
            msgbus_producer_poll(p, 1);
        assert_int_equal(rc, 0);
    }
    for (i = 1; i <= 3; i++) {
        snprintf(cmd, sizeof cmd, "broker_rtt %ld 0", i);
        assert_int_equal(broker_cmd(&g_broker, cmd), 0);
    }
    assert_int_equal(msgbus_producer_flush(p, 30000), 0);
    before = allocs_now();
    for (i = 0; i < 1000000; i++) {
        while ((rc = msgbus_producer_send(p, &m)) == MSGBUS_ERR_QUEUE_FULL)
            msgbus_producer_poll(p, 1);
        assert_int_equal(rc, 0);
    }
    assert_int_equal(msgbus_producer_flush(p, 60000), 0);
    after = allocs_now();
    assert_int_equal(msgbus_producer_close(p, 10000), 0);
    fprintf(stderr,
            "zero-alloc: warm after %ld messages; %lu allocations while sending 1,000,000; "
            "%lu reports ok, %lu failed (first error %s)\n",
            warm, after - before, r.ok, r.failed, r.failed ? msgbus_strerror(r.first_err) : "-");
    assert_int_equal(r.ok, 1000000 + (unsigned long)warm); /* + 2 sync sends, reported by return */
    assert_int_equal(after - before, 0);
}

/* ---- the bus API ---- */

static void test_bus_blocking_and_nonblocking(void **state)
{
    reports r = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL, NULL};
    msgbus_config cfg;
    msgbus_header h = {"src", "test", 4};
    msgbus *bus;
    int i;
    (void)state;
    msgbus_config_init(&cfg);
    cfg.bootstrap = g_broker.bootstrap;
    cfg.topic = "bus_blocking";
    assert_int_equal(msgbus_connect(&bus, &cfg), 0);
    assert_int_equal(msgbus_status(bus), MSGBUS_STATUS_OPEN);
    for (i = 0; i < 20; i++)
        assert_int_equal(msgbus_write_str(bus, "blocking write"), 0);
    assert_int_equal(msgbus_write_msg(bus, "k", 1, "v", 1, &h, 1), 0);
    assert_int_equal(msgbus_disconnect(bus), 0);
    assert_int_equal(msgbus_status(bus), MSGBUS_STATUS_CLOSED);
    /* wrong state: a clear error, nothing crashes */
    assert_int_equal(msgbus_write_str(bus, "late"), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_disconnect(bus), MSGBUS_ERR_STATE);
    msgbus_destroy(bus);

    cfg.blocking = MSGBUS_NONBLOCKING;
    cfg.topic = "bus_nonblocking";
    cfg.on_delivery = on_delivery;
    cfg.delivery_ud = &r;
    assert_int_equal(msgbus_connect(&bus, &cfg), 0);
    for (i = 0; i < 5000; i++)
        assert_int_equal(msgbus_write(bus, "nb", 2), 0);
    assert_int_equal(msgbus_flush(bus, 10000), 0);
    assert_int_equal(r.ok, 5000);
    msgbus_destroy(bus); /* disconnects */
}

/* ---- small connection buffers: requests cut to fit, RAM measured ---- */

static pthread_mutex_t g_peak_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t g_in_use, g_peak;

static void *peak_alloc(void *ctx, size_t n)
{
    void *p = malloc(n);
    (void)ctx;
    pthread_mutex_lock(&g_peak_mu);
    if (p) {
        g_in_use += n;
        if (g_in_use > g_peak)
            g_peak = g_in_use;
    }
    pthread_mutex_unlock(&g_peak_mu);
    return p;
}

static void peak_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    pthread_mutex_lock(&g_peak_mu);
    g_in_use -= n;
    pthread_mutex_unlock(&g_peak_mu);
    free(p);
}

static void count_one(void *ud, const rd_kafka_message_t *m)
{
    (void)m;
    (*(long *)ud)++;
}

/*
 * A 2900-byte encode buffer and 256-byte receive reads per connection: twelve
 * topics with 202-character names make each broker's Produce requests too
 * big for one buffer, so they are cut; every message still arrives (read
 * back by librdkafka), and the producer's peak RAM is measured. A
 * thirteenth topic, with a 243-character name, would not fit a Metadata
 * request naming them all: its
 * send fails at once with MSGBUS_ERR_MSG_TOO_LARGE.
 */
static void test_small_connection_buffers(void **state)
{
    static const msgbus_allocator peak = {peak_alloc, peak_free, NULL};
    reports r = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL, NULL};
    msgbus_producer_config cfg;
    msgbus_producer *p = NULL;
    msgbus_producer_stats st;
    char names[12][208], val[32];
    long got = 0;
    int t, i;
    const int per_topic = 500;
    (void)state;
    for (t = 0; t < 12; t++) {
        memset(names[t], 'a' + t, 200);
        snprintf(names[t] + 200, 8, "-%d", t);
    }
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = g_broker.bootstrap;
    cfg.acks = 1;
    cfg.on_delivery = on_delivery;
    cfg.delivery_ud = &r;
    cfg.alloc = &peak;
    cfg.linger_ms = 20;
    cfg.batch_size = 4096;
    cfg.queue_max_bytes = 256 * 1024;
    cfg.net_send_buf_size = 2900;
    cfg.net_recv_chunk_size = 256;
    cfg.loop = MSGBUS_LOOP_APP;
    assert_int_equal(msgbus_producer_create(&p, &cfg), 0);
    for (i = 0; i < per_topic; i++) {
        for (t = 0; t < 12; t++) {
            msgbus_message m = MSGBUS_MESSAGE_INIT;
            int rc;
            snprintf(val, sizeof val, "small-%d-%d", t, i);
            m.topic = names[t];
            m.value = val;
            m.value_len = strlen(val);
            while ((rc = msgbus_producer_send(p, &m)) == MSGBUS_ERR_QUEUE_FULL)
                msgbus_producer_poll(p, 5);
            assert_int_equal(rc, 0);
        }
        msgbus_producer_poll(p, 0);
    }
    {
        msgbus_message m = MSGBUS_MESSAGE_INIT;
        char more[248];
        memset(more, 'z', 240);
        strcpy(more + 240, "-13");
        m.topic = more;
        m.value = "x";
        m.value_len = 1;
        assert_int_equal(msgbus_producer_send(p, &m), MSGBUS_ERR_MSG_TOO_LARGE);
    }
    assert_int_equal(msgbus_producer_flush(p, 60000), 0);
    msgbus_producer_stats_get(p, &st);
    assert_int_equal(r.ok, 12L * per_topic);
    assert_int_equal(r.failed, 0);
    /* cut to fit: more requests than one per broker and linger period could explain */
    assert_true(st.requests > st.batches_sent / 4);
    assert_int_equal(msgbus_producer_close(p, 5000), 0);
    printf("small buffers: %lu messages to 12 topics in %llu requests (%llu batches); "
           "producer peak RAM %zu bytes\n",
           r.ok, (unsigned long long)st.requests, (unsigned long long)st.batches_sent, g_peak);
    assert_int_equal(g_in_use, 0);
    for (t = 0; t < 12; t++)
        got += rk_consume(names[t], 4, per_topic, count_one, &(long){0});
    assert_int_equal(got, 12L * per_topic);
}

static void test_bad_input(void **state)
{
    reports r = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL, NULL};
    msgbus_producer_config pc;
    msgbus_producer *p;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    msgbus_header bad_h = {NULL, "x", 1};
    msgbus_config cfg;
    msgbus *bus;
    static char huge[2 * 1024 * 1024];
    int i, rc;
    (void)state;
    /* configuration mistakes */
    msgbus_config_init(&cfg);
    cfg.bootstrap = g_broker.bootstrap;
    cfg.topic = "bad topic!";
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    cfg.topic = "fine";
    cfg.direction = (msgbus_dir)7;
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    cfg.direction = MSGBUS_READER;
    cfg.start = MSGBUS_START_OFFSET;
    cfg.start_offset = -5;
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    /* a reader refuses writes: tested with the reader, in test_int_consume.c */
    msgbus_producer_config_init(&pc);
    pc.bootstrap = g_broker.bootstrap;
    pc.acks = 2;
    assert_int_equal(msgbus_producer_create(&p, &pc), MSGBUS_ERR_INVALID_ARG);
    pc.acks = 1;
    pc.idempotence = 1;
    assert_int_equal(msgbus_producer_create(&p, &pc), MSGBUS_ERR_INVALID_ARG);

    /* per-message mistakes: each a clear error, and the producer goes on */
    p = make_producer(&r, -1, NULL);
    assert_int_equal(msgbus_producer_send(p, NULL), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_producer_send(p, &m), MSGBUS_ERR_INVALID_ARG); /* no topic */
    m.topic = "..";
    assert_int_equal(msgbus_producer_send(p, &m), MSGBUS_ERR_INVALID_ARG);
    m.topic = "badinput";
    m.value = huge;
    m.value_len = sizeof huge;
    assert_int_equal(msgbus_producer_send(p, &m), MSGBUS_ERR_MSG_TOO_LARGE);
    m.value = NULL;
    m.value_len = 3;
    assert_int_equal(msgbus_producer_send(p, &m), MSGBUS_ERR_INVALID_ARG);
    m.value = "v";
    m.value_len = 1;
    m.headers = &bad_h;
    m.n_headers = 1;
    assert_int_equal(msgbus_producer_send(p, &m), MSGBUS_ERR_INVALID_ARG);
    m.headers = NULL;
    m.n_headers = 0;
    m.partition = 99;
    assert_int_equal(msgbus_producer_send(p, &m), MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    m.partition = MSGBUS_PARTITION_ANY;
    assert_int_equal(msgbus_producer_send_sync(p, &m, NULL, NULL, 10000), 0);
    /* a topic we may not write: its error, and the other topic goes on */
    assert_int_equal(broker_cmd(&g_broker, "create_topic denied 1 1"), 0);
    assert_int_equal(broker_cmd(&g_broker, "topic_error denied 29"), 0);
    m.topic = "denied";
    assert_int_equal(msgbus_producer_send(p, &m), MSGBUS_KERR_TOPIC_AUTHORIZATION_FAILED);
    m.topic = "badinput";
    assert_int_equal(msgbus_producer_send_sync(p, &m, NULL, NULL, 10000), 0);
    assert_int_equal(msgbus_producer_close(p, 10000), 0);

    /* a full queue says so, and drains */
    msgbus_producer_config_init(&pc);
    pc.bootstrap = g_broker.bootstrap;
    pc.queue_max_msgs = 10;
    pc.linger_ms = 1000;
    pc.on_delivery = on_delivery;
    pc.delivery_ud = &r;
    r.ok = 0;
    assert_int_equal(msgbus_producer_create(&p, &pc), 0);
    for (i = 0; i < 10; i++)
        assert_int_equal(msgbus_producer_send(p, &m), 0);
    assert_int_equal(msgbus_producer_send(p, &m), MSGBUS_ERR_QUEUE_FULL);
    assert_int_equal(msgbus_producer_flush(p, 10000), 0);
    rc = msgbus_producer_send(p, &m);
    assert_int_equal(rc, 0);
    assert_int_equal(msgbus_producer_close(p, 10000), 0);
    assert_int_equal(r.ok, 11);
}

/* ---- the in-flight window against a broker 50 ms away (issue 14) ---- */

static double secs_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds to deliver 40 one-record batches of one partition at @p max_in_flight. */
static double drain_40(const char *topic, uint32_t max_in_flight)
{
    reports r = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL, NULL};
    static char val[700]; /* one fills a 1 KiB batch: one record per batch */
    msgbus_producer_config cfg;
    msgbus_producer_stats st;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    msgbus_producer *p;
    double t0, t1;
    int i;
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = g_broker.bootstrap;
    cfg.linger_ms = 0;
    cfg.batch_size = 1024;
    cfg.max_in_flight = max_in_flight;
    cfg.on_delivery = on_delivery;
    cfg.delivery_ud = &r;
    assert_int_equal(msgbus_producer_create(&p, &cfg), 0);
    m.topic = topic;
    m.partition = 0;
    m.value = val;
    m.value_len = sizeof val;
    /* warm: metadata, producer id and the leader's connection in place */
    assert_int_equal(msgbus_producer_send_sync(p, &m, NULL, NULL, 10000), 0);
    t0 = secs_now();
    for (i = 0; i < 40; i++)
        assert_int_equal(msgbus_producer_send(p, &m), 0);
    assert_int_equal(msgbus_producer_flush(p, 30000), 0);
    t1 = secs_now();
    msgbus_producer_stats_get(p, &st);
    assert_int_equal(msgbus_producer_close(p, 10000), 0);
    assert_int_equal(r.ok, 40);
    assert_int_equal(r.failed, 0);
    assert_true(st.batches_sent >= 41); /* one record a batch (plus any retries) */
    return t1 - t0;
}

static void test_window_drain_at_50ms_rtt(void **state)
{
    double one, five;
    char cmd[64];
    long i;
    (void)state;
    for (i = 1; i <= 3; i++) {
        snprintf(cmd, sizeof cmd, "broker_rtt %ld 50", i);
        assert_int_equal(broker_cmd(&g_broker, cmd), 0);
    }
    one = drain_40("window1", 1);
    five = drain_40("window5", 5);
    for (i = 1; i <= 3; i++) {
        snprintf(cmd, sizeof cmd, "broker_rtt %ld 0", i);
        assert_int_equal(broker_cmd(&g_broker, cmd), 0);
    }
    /* a figure, not a target: printed for the record, never asserted */
    fprintf(stderr,
            "window: 40 one-record batches, 50 ms RTT: %.3f s at max_in_flight 1, "
            "%.3f s at 5\n",
            one, five);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interop_read_back_by_librdkafka),
        cmocka_unit_test(test_keys_on_librdkafka_partitions),
        cmocka_unit_test(test_bus_blocking_and_nonblocking),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_small_connection_buffers),
        cmocka_unit_test(test_zero_alloc_steady_state),
        cmocka_unit_test(test_reliability_under_faults),
        cmocka_unit_test(test_window_drain_at_50ms_rtt),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
