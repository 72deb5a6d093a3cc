/* test_bus.c - the bus facade (src/bus/bus.c) against a scripted broker:
 * config defaults and validation, a writer (blocking and non-blocking, the
 * delivery callback), a reader (read, NO_ROOM, read_record, available), the
 * calls that belong to the other direction, timeouts of 2^31 ms and more,
 * and reader callbacks that call back into their own bus (commit must work,
 * disconnect and friends must return MSGBUS_ERR_STATE, never hang). The
 * broker answers through the scripted transport; time is the port's clock.
 * Where the port has threads, a watchdog (alarm) turns a hang into a
 * failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/msgbus.h"
#include "msgbus/port.h"
#if MSGBUS_PORT_HAS_THREADS
#include <signal.h>
#include <unistd.h>
#else
#include "msgbus/port_none.h"
#endif
#include "proto/api_versions.h"
#include "proto/fetch.h"
#include "proto/init_producer_id.h"
#include "proto/list_offsets.h"
#include "proto/metadata.h"
#include "proto/produce.h"
#include "proto/record_batch.h"
#include "scripted_transport.c"
#include "testutil.h"

#define N_RECORDS 5

static st_net g_net;
static uint8_t g_records[1024];
static size_t g_records_len;
static int g_fetches;        /* Fetch requests answered */
static int g_data_fetch;     /* the first Fetch answered with the records */
static int g_records_served; /* 1 once the records went out */
static int g_produce_n;      /* Produce requests answered */
static int g_corrupt;        /* serve the records on every Fetch, with a bad CRC */
static int64_t g_next_offset;

/* ---- a scripted broker: topic "t", one partition, leader 1 ---- */

static void add_records(void)
{
    mb_batch_builder b;
    mb_batch_params bp;
    const uint8_t *data;
    size_t len;
    int i;
    memset(&bp, 0, sizeof bp);
    bp.base_timestamp = 1700000000000LL;
    bp.producer_id = -1;
    bp.producer_epoch = -1;
    bp.base_sequence = -1;
    bp.partition_leader_epoch = -1;
    assert_int_equal(mb_batch_builder_init(&b, g_records, sizeof g_records, &bp), 0);
    for (i = 0; i < N_RECORDS; i++) {
        char val[4] = {'r', (char)('0' + i), 0, 0};
        mb_bytes k = MB_BYTES_NULL, v;
        v.ptr = (const uint8_t *)val;
        v.len = 2;
        assert_int_equal(mb_batch_append(&b, 1700000000000LL + i, k, v, NULL, 0), 0);
    }
    assert_int_equal(mb_batch_finish(&b, &data, &len), 0);
    memmove(g_records, data, len);
    g_records_len = len;
    if (g_corrupt)
        g_records[len - 1] ^= 0x55; /* the last record's bytes: the CRC no longer matches */
}

static void answer_api_versions(mb_wr *w, const mb_req_hdr *h)
{
    mb_api_versions_key keys[6] = {{MB_API_API_VERSIONS, 0, 3}, {MB_API_METADATA, 1, 9},
                                   {MB_API_FETCH, 4, 11},       {MB_API_LIST_OFFSETS, 1, 5},
                                   {MB_API_PRODUCE, 3, 7},      {MB_API_INIT_PRODUCER_ID, 0, 2}};
    mb_api_versions_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.api_keys = keys;
    resp.n_api_keys = 6;
    resp.finalized_features_epoch = -1;
    assert_int_equal(mb_api_versions_resp_write(w, h->api_version, &resp), 0);
}

static void answer_metadata(mb_wr *w, const mb_req_hdr *h)
{
    mb_metadata_broker brokers[1] = {{1, {"127.0.0.1", 9}, 9092, MB_STR_NULL}};
    int32_t reps[1] = {1};
    mb_metadata_partition parts[1] = {{0, 0, 1, -1, reps, 1, reps, 1, NULL, 0}};
    mb_metadata_topic topic = {0, {"t", 1}, {{0}}, 0, parts, 1, MB_METADATA_AUTH_OPS_UNKNOWN};
    mb_metadata_resp resp = {0, brokers, 1, {"c", 1}, 1, &topic, 1, MB_METADATA_AUTH_OPS_UNKNOWN};
    assert_int_equal(mb_metadata_resp_write(w, h->api_version, &resp), 0);
}

static void answer_list_offsets(mb_wr *w, const mb_req_hdr *h)
{
    mb_list_offsets_resp_partition p = {0, 0, -1, 0, -1};
    mb_list_offsets_resp_topic t = {{"t", 1}, &p, 1};
    mb_list_offsets_resp resp = {0, &t, 1};
    assert_int_equal(mb_list_offsets_resp_write(w, h->api_version, &resp), 0);
}

/* The records once, from Fetch number g_data_fetch on; empty answers otherwise. */
static void answer_fetch(mb_wr *w, const mb_req_hdr *h)
{
    mb_fetch_partition_resp p;
    mb_fetch_topic_resp t = {{"t", 1}, &p, 1};
    mb_fetch_resp resp = {0, 0, 0, &t, 1};
    int give = g_corrupt || (!g_records_served && g_fetches++ >= g_data_fetch);
    memset(&p, 0, sizeof p);
    p.high_watermark = give || g_records_served ? N_RECORDS : 0;
    p.last_stable_offset = p.high_watermark;
    p.preferred_read_replica = -1;
    p.diverging_epoch.epoch = -1;
    p.diverging_epoch.end_offset = -1;
    p.current_leader.leader_id = -1;
    p.current_leader.leader_epoch = -1;
    p.snapshot_id.end_offset = -1;
    p.snapshot_id.epoch = -1;
    p.records.ptr = g_records;
    p.records.len = give ? (int32_t)g_records_len : 0;
    g_records_served |= give;
    assert_int_equal(mb_fetch_resp_write(w, h->api_version, &resp), 0);
}

static void answer_pid(mb_wr *w, const mb_req_hdr *h)
{
    mb_init_producer_id_resp resp = {0, 0, 77, 3};
    assert_int_equal(mb_init_producer_id_resp_write(w, h->api_version, &resp), 0);
}

/* Every Produce request: each of its batches written at the next offsets. */
static void answer_produce(mb_wr *w, const mb_req_hdr *h, mb_rd *body)
{
    static uint8_t abuf[4096];
    mb_produce_partition_resp pr[1];
    mb_produce_topic_resp tr = {{"t", 1}, pr, 1};
    mb_produce_resp resp = {&tr, 1, 0};
    mb_produce_req req;
    mb_arena a;
    mb_batch_iter it;
    mb_batch bt;
    mb_arena_init(&a, abuf, sizeof abuf);
    assert_int_equal(mb_produce_req_read(body, h->api_version, &a, &req), 0);
    assert_int_equal(req.n_topic_data, 1);
    assert_int_equal(req.topic_data[0].n_partition_data, 1);
    mb_batch_iter_init(&it, req.topic_data[0].partition_data[0].records.ptr,
                       (size_t)req.topic_data[0].partition_data[0].records.len);
    assert_int_equal(mb_batch_next(&it, &bt), 0);
    memset(pr, 0, sizeof pr);
    pr[0].base_offset = g_next_offset;
    pr[0].log_append_time_ms = -1;
    g_next_offset += bt.record_count;
    g_produce_n++;
    assert_int_equal(mb_produce_resp_write(w, h->api_version, &resp), 0);
}

static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    uint8_t out[2048];
    mb_wr w;
    (void)net;
    (void)ud;
    mb_wr_init(&w, out, sizeof out);
    switch (h->api_key) {
    case MB_API_API_VERSIONS:
        answer_api_versions(&w, h);
        break;
    case MB_API_METADATA:
        answer_metadata(&w, h);
        break;
    case MB_API_LIST_OFFSETS:
        answer_list_offsets(&w, h);
        break;
    case MB_API_FETCH:
        answer_fetch(&w, h);
        break;
    case MB_API_INIT_PRODUCER_ID:
        answer_pid(&w, h);
        break;
    case MB_API_PRODUCE:
        answer_produce(&w, h, body);
        break;
    default:
        return;
    }
    st_push_response(s, h->api_key, h->api_version, h->correlation_id, out, w.len);
}

#if !MSGBUS_PORT_HAS_THREADS
/* The scripted transport is always ready, so its clock would stand still: tick instead. */
static uint32_t tick(void *ud)
{
    static uint32_t t;
    (void)ud;
    return ++t;
}
#endif

static int setup(void **state)
{
    (void)state;
    g_fetches = 0;
    g_data_fetch = 0;
    g_records_served = 0;
    g_produce_n = 0;
    g_next_offset = 0;
    g_corrupt = 0;
    st_init(&g_net, respond, NULL);
    add_records();
#if MSGBUS_PORT_HAS_THREADS
    alarm(60); /* a hang fails the test (SIGALRM ends the process) instead of blocking CI */
#else
    msgbus_port_none_set_clock(tick, NULL);
#endif
    return 0;
}

static int teardown(void **state)
{
    (void)state;
#if MSGBUS_PORT_HAS_THREADS
    alarm(0);
#endif
    st_free(&g_net);
    return 0;
}

static void base_config(msgbus_config *cfg, msgbus_dir dir)
{
    msgbus_config_init(cfg);
    cfg->direction = dir;
    cfg->topic = "t";
    cfg->bootstrap = "127.0.0.1:9092";
    cfg->transport = &g_net.t;
    cfg->loop = MSGBUS_LOOP_APP; /* the scripted transport is not for two threads at once */
    cfg->read_queue_max_bytes = 256 * 1024; /* small: this also runs on an emulated Cortex-M4 */
    cfg->net_send_buf_size = 8192;
}

static msgbus *open_reader(msgbus_config *cfg)
{
    msgbus *bus = NULL;
    cfg->start = MSGBUS_START_EARLIEST;
    cfg->read_timeout_ms = 5000;
    assert_int_equal(msgbus_connect(&bus, cfg), 0);
    assert_non_null(bus);
    return bus;
}

/* ---- configuration ---- */

static void test_config_init(void **state)
{
    msgbus_config cfg;
    (void)state;
    msgbus_config_init(NULL); /* a no-op, not a crash */
    memset(&cfg, 0xa5, sizeof cfg);
    msgbus_config_init(&cfg);
    assert_int_equal(cfg.tech, MSGBUS_TECH_KAFKA);
    assert_string_equal(cfg.host, "localhost");
    assert_int_equal(cfg.port, 9092);
    assert_int_equal(cfg.blocking, MSGBUS_BLOCKING);
    assert_int_equal(cfg.direction, MSGBUS_WRITER);
    assert_int_equal(cfg.write_timeout_ms, 30000);
    assert_int_equal(cfg.start, MSGBUS_START_COMMITTED);
    assert_null(cfg.topic);
    assert_null(cfg.on_delivery);
}

static void test_config_rejected(void **state)
{
    msgbus_config cfg;
    msgbus *bus = (msgbus *)&cfg; /* must be set to NULL on failure */
    (void)state;
    assert_int_equal(msgbus_connect(NULL, &cfg), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_connect(&bus, NULL), MSGBUS_ERR_INVALID_ARG);
    base_config(&cfg, MSGBUS_WRITER);
    cfg.tech = (msgbus_tech)7;
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    assert_null(bus);
    base_config(&cfg, (msgbus_dir)3);
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    base_config(&cfg, MSGBUS_WRITER);
    cfg.blocking = (msgbus_blocking)0;
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    base_config(&cfg, MSGBUS_WRITER);
    cfg.topic = "bad topic";
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    cfg.topic = NULL;
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    base_config(&cfg, MSGBUS_WRITER);
    cfg.bootstrap = NULL;
    cfg.port = 70000;
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    base_config(&cfg, MSGBUS_WRITER);
    cfg.write_timeout_ms = 0;
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    base_config(&cfg, MSGBUS_READER);
    cfg.start = MSGBUS_START_OFFSET;
    cfg.start_offset = -5;
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    cfg.start = (msgbus_start)42;
    assert_int_equal(msgbus_connect(&bus, &cfg), MSGBUS_ERR_INVALID_ARG);
    assert_null(bus);
    assert_int_equal(g_net.n_socks, 0); /* nothing was dialled for a bad config */
}

static void test_null_handle(void **state)
{
    size_t len;
    msgbus_record rec;
    (void)state;
    assert_int_equal(msgbus_write_str(NULL, "x"), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_read(NULL, NULL, 0, &len), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_read_record(NULL, &rec), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_commit(NULL, 0), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_poll(NULL, 0), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_flush(NULL, 0), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_unregister_cb(NULL), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_disconnect(NULL), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_status(NULL), MSGBUS_STATUS_CLOSED);
    assert_int_equal(msgbus_message_available(NULL), 0);
    msgbus_destroy(NULL);
}

/* ---- the writer ---- */

static void noop_cb(void *ud, const msgbus_record *rec)
{
    (void)ud;
    (void)rec;
}

static void test_writer_blocking(void **state)
{
    msgbus_config cfg;
    msgbus_header h = {"src", "test", 4};
    msgbus_record rec;
    msgbus *bus;
    char buf[8];
    size_t len;
    (void)state;
    base_config(&cfg, MSGBUS_WRITER);
    assert_int_equal(msgbus_connect(&bus, &cfg), 0);
    assert_int_equal(msgbus_status(bus), MSGBUS_STATUS_OPEN);
    assert_int_equal(msgbus_write_str(bus, "The Rain In Spain"), 0);
    assert_int_equal(msgbus_write(bus, "ab", 2), 0);
    assert_int_equal(msgbus_write_msg(bus, "k", 1, "v", 1, &h, 1), 0);
    assert_int_equal(g_next_offset, 3); /* each blocking write was acknowledged on return */
    assert_int_equal(msgbus_write(bus, NULL, 3), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_write_msg(bus, NULL, 2, "v", 1, NULL, 0), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_write_str(bus, NULL), MSGBUS_ERR_INVALID_ARG);
    /* the reader's calls on a writer */
    assert_int_equal(msgbus_read(bus, buf, sizeof buf, &len), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_read_record(bus, &rec), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_register_cb(bus, noop_cb, NULL), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_unregister_cb(bus), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_commit(bus, 0), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_message_available(bus), 0);
    assert_int_equal(msgbus_flush(bus, 1000), 0);
    assert_int_equal(msgbus_disconnect(bus), 0);
    assert_int_equal(msgbus_status(bus), MSGBUS_STATUS_CLOSED);
    assert_int_equal(msgbus_write_str(bus, "late"), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_flush(bus, 0), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_poll(bus, 0), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_disconnect(bus), MSGBUS_ERR_STATE);
    msgbus_destroy(bus);
    assert_int_equal(g_next_offset, 3);
}

/* A write timeout of 2^32 - 1 ms must wait for the ack, not expire at once. */
static void test_writer_huge_timeout(void **state)
{
    msgbus_config cfg;
    msgbus *bus;
    (void)state;
    base_config(&cfg, MSGBUS_WRITER);
    cfg.write_timeout_ms = 0xffffffffu;
    assert_int_equal(msgbus_connect(&bus, &cfg), 0);
    assert_int_equal(msgbus_write_str(bus, "one"), 0);
    assert_int_equal(msgbus_flush(bus, 0xffffffffu), 0);
    assert_int_equal(msgbus_disconnect(bus), 0);
    msgbus_destroy(bus);
    assert_int_equal(g_next_offset, 1);
}

typedef struct delivery_probe {
    msgbus *bus;
    int delivered, failed;
    int flush_rc, disconnect_rc, poll_rc, nb_rc, status;
} delivery_probe;

/* A delivery callback calling back into its bus. */
static void on_delivery(void *ud, const msgbus_delivery *d)
{
    delivery_probe *p = ud;
    if (d->err) {
        p->failed++;
        return;
    }
    if (p->delivered++ == 0) {
        p->flush_rc = msgbus_flush(p->bus, 1000);
        p->disconnect_rc = msgbus_disconnect(p->bus);
        p->poll_rc = msgbus_poll(p->bus, 10);
        p->status = msgbus_status(p->bus);
        p->nb_rc = msgbus_write_str(p->bus, "from the callback");
    }
}

static void test_writer_delivery_callback(void **state)
{
    msgbus_config cfg;
    delivery_probe p;
    msgbus *bus;
    (void)state;
    memset(&p, 0, sizeof p);
    base_config(&cfg, MSGBUS_WRITER);
    cfg.blocking = MSGBUS_NONBLOCKING;
    cfg.on_delivery = on_delivery;
    cfg.delivery_ud = &p;
    assert_int_equal(msgbus_connect(&bus, &cfg), 0);
    p.bus = bus;
    assert_int_equal(msgbus_write_str(bus, "first"), 0);
    assert_int_equal(msgbus_flush(bus, 10000), 0);
    assert_int_equal(msgbus_flush(bus, 10000), 0); /* the callback's own write too */
    assert_int_equal(p.flush_rc, MSGBUS_ERR_STATE);
    assert_int_equal(p.disconnect_rc, MSGBUS_ERR_STATE);
    assert_int_equal(p.poll_rc, MSGBUS_ERR_STATE);
    assert_int_equal(p.status, MSGBUS_STATUS_OPEN);
    assert_int_equal(p.nb_rc, 0);
    assert_int_equal(msgbus_status(bus), MSGBUS_STATUS_OPEN);
    assert_int_equal(msgbus_disconnect(bus), 0);
    msgbus_destroy(bus);
    assert_int_equal(p.delivered, 2);
    assert_int_equal(p.failed, 0);
    assert_int_equal(g_next_offset, 2);
}

/* ---- the reader ---- */

static void test_reader_read(void **state)
{
    msgbus_config cfg;
    msgbus_record rec;
    msgbus *bus;
    char buf[8];
    size_t len = 0;
    int i;
    (void)state;
    base_config(&cfg, MSGBUS_READER);
    bus = open_reader(&cfg);
    /* the writer's calls on a reader */
    assert_int_equal(msgbus_write_str(bus, "x"), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_flush(bus, 0), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_read(bus, NULL, 4, &len), MSGBUS_ERR_INVALID_ARG);
    /* too small a buffer: the record stays first in line */
    assert_int_equal(msgbus_read(bus, buf, 1, &len), MSGBUS_ERR_NO_ROOM);
    assert_int_equal(len, 2);
    assert_true(msgbus_message_available(bus) >= 1);
    assert_int_equal(msgbus_register_cb(bus, noop_cb, NULL), MSGBUS_ERR_STATE); /* one held */
    assert_int_equal(msgbus_read(bus, buf, sizeof buf, &len), 0);
    assert_int_equal(len, 2);
    assert_memory_equal(buf, "r0", 2);
    for (i = 1; i < N_RECORDS; i++) {
        assert_int_equal(msgbus_read_record(bus, &rec), 0);
        assert_string_equal(rec.topic, "t");
        assert_int_equal(rec.partition, 0);
        assert_int_equal(rec.offset, i);
        assert_int_equal(rec.value_len, 2);
        assert_int_equal(((const char *)rec.value)[1], '0' + i);
    }
    assert_int_equal(msgbus_message_available(bus), 0);
    assert_int_equal(msgbus_commit(bus, 0), MSGBUS_ERR_STATE); /* no group */
    assert_int_equal(msgbus_disconnect(bus), 0);
    assert_int_equal(msgbus_read(bus, buf, sizeof buf, &len), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_message_available(bus), 0);
    msgbus_destroy(bus);
}

static void test_reader_nonblocking(void **state)
{
    msgbus_config cfg;
    msgbus *bus;
    char buf[8];
    size_t len;
    int got = 0, tries = 0;
    (void)state;
    base_config(&cfg, MSGBUS_READER);
    cfg.blocking = MSGBUS_NONBLOCKING;
    /* The first fetches are empty: more of them than one step of the
     * consumer sends (a step does its follow-up work at once, so a handful
     * of empty answers would all pass inside the first read). */
    g_data_fetch = 64;
    bus = open_reader(&cfg);
    assert_int_equal(msgbus_read(bus, buf, sizeof buf, &len), MSGBUS_ERR_NO_MESSAGE);
    while (got < N_RECORDS && tries++ < 100000) {
        int rc = msgbus_read(bus, buf, sizeof buf, &len);
        if (rc == 0)
            got++;
        else
            assert_int_equal(rc, MSGBUS_ERR_NO_MESSAGE);
    }
    assert_int_equal(got, N_RECORDS);
    msgbus_destroy(bus);
}

/* A read timeout of 2^31 ms waits for the records, it does not expire at once. */
static void test_reader_huge_timeout(void **state)
{
    msgbus_config cfg;
    msgbus *bus;
    char buf[8];
    size_t len;
    (void)state;
    base_config(&cfg, MSGBUS_READER);
    g_data_fetch = 3;
    cfg.start = MSGBUS_START_EARLIEST;
    cfg.read_timeout_ms = 0x80000000u;
    assert_int_equal(msgbus_connect(&bus, &cfg), 0);
    assert_int_equal(msgbus_read(bus, buf, sizeof buf, &len), 0);
    assert_memory_equal(buf, "r0", 2);
    assert_true(g_fetches > 3);
    msgbus_destroy(bus);
}

/* ---- reader callbacks ---- */

typedef struct cb_probe {
    msgbus *bus;
    msgbus_port_mutex_t lock; /* the callback runs on the bus's thread */
    int calls;
    int64_t offsets[N_RECORDS];
    int commit_rc, disconnect_rc, unregister_rc, poll_rc, read_rc, register_rc, status;
} cb_probe;

static cb_probe g_probe;

static void probe_init(msgbus *bus)
{
    memset(&g_probe, 0, sizeof g_probe);
    g_probe.commit_rc = g_probe.disconnect_rc = g_probe.unregister_rc = 1;
    g_probe.poll_rc = g_probe.read_rc = g_probe.register_rc = 1;
    g_probe.bus = bus;
    assert_int_equal(msgbus_port_mutex_init(&g_probe.lock), 0);
}

static int probe_calls(void)
{
    int n;
    msgbus_port_mutex_lock(&g_probe.lock);
    n = g_probe.calls;
    msgbus_port_mutex_unlock(&g_probe.lock);
    return n;
}

/* On the first record: every call back into the bus, each must return. */
static void reenter_cb(void *ud, const msgbus_record *rec)
{
    cb_probe *p = ud;
    char buf[8];
    size_t len;
    msgbus_port_mutex_lock(&p->lock);
    if (p->calls < N_RECORDS)
        p->offsets[p->calls] = rec->offset;
    if (p->calls == 0) {
        p->commit_rc = msgbus_commit(p->bus, 100);
        p->disconnect_rc = msgbus_disconnect(p->bus);
        p->unregister_rc = msgbus_unregister_cb(p->bus);
        p->poll_rc = msgbus_poll(p->bus, 10);
        p->read_rc = msgbus_read(p->bus, buf, sizeof buf, &len);
        p->register_rc = msgbus_register_cb(p->bus, noop_cb, NULL);
        msgbus_destroy(p->bus); /* refused: the bus stays usable */
        p->status = msgbus_status(p->bus);
        (void)msgbus_message_available(p->bus);
    }
    p->calls++;
    msgbus_port_mutex_unlock(&p->lock);
}

static void check_probe(void)
{
    int i;
    assert_int_equal(g_probe.calls, N_RECORDS);
    for (i = 0; i < N_RECORDS; i++)
        assert_int_equal(g_probe.offsets[i], i);
    assert_int_equal(g_probe.commit_rc, MSGBUS_ERR_STATE); /* no group: but it returned */
    assert_int_equal(g_probe.disconnect_rc, MSGBUS_ERR_STATE);
    assert_int_equal(g_probe.unregister_rc, MSGBUS_ERR_STATE);
    assert_int_equal(g_probe.poll_rc, MSGBUS_ERR_STATE);
    assert_int_equal(g_probe.read_rc, MSGBUS_ERR_STATE);
    assert_int_equal(g_probe.register_rc, MSGBUS_ERR_STATE);
    assert_int_equal(g_probe.status, MSGBUS_STATUS_OPEN);
}

/* The application's loop runs the callback (msgbus_poll), as without threads. */
static void test_callback_app_loop(void **state)
{
    msgbus_config cfg;
    msgbus *bus;
    int rounds = 0;
    (void)state;
    base_config(&cfg, MSGBUS_READER);
    bus = open_reader(&cfg);
    probe_init(bus);
    assert_int_equal(msgbus_register_cb(bus, NULL, NULL), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_register_cb(bus, reenter_cb, &g_probe), 0);
    assert_int_equal(msgbus_register_cb(bus, reenter_cb, &g_probe), MSGBUS_ERR_STATE);
    while (probe_calls() < N_RECORDS && rounds++ < 200)
        assert_int_equal(msgbus_poll(bus, 50), 0);
    check_probe();
    assert_int_equal(msgbus_unregister_cb(bus), 0);
    assert_int_equal(msgbus_unregister_cb(bus), MSGBUS_ERR_STATE);
    assert_int_equal(msgbus_disconnect(bus), 0);
    assert_int_equal(msgbus_status(bus), MSGBUS_STATUS_CLOSED);
    msgbus_destroy(bus);
    msgbus_port_mutex_destroy(&g_probe.lock);
}

#if MSGBUS_PORT_HAS_THREADS
/* The bus's own thread runs the callback; the watchdog catches a deadlock. */
static void test_callback_thread(void **state)
{
    msgbus_config cfg;
    msgbus *bus;
    int rounds = 0;
    (void)state;
    base_config(&cfg, MSGBUS_READER);
    cfg.loop = MSGBUS_LOOP_AUTO;
    bus = open_reader(&cfg);
    probe_init(bus);
    assert_int_equal(msgbus_register_cb(bus, reenter_cb, &g_probe), 0);
    while (probe_calls() < N_RECORDS && rounds++ < 200)
        assert_int_equal(msgbus_poll(bus, 50), 0); /* only waits: the thread runs it */
    check_probe();
    /* and the handle still works from the application's thread */
    assert_int_equal(msgbus_status(bus), MSGBUS_STATUS_OPEN);
    assert_int_equal(msgbus_unregister_cb(bus), 0);
    assert_int_equal(msgbus_disconnect(bus), 0);
    msgbus_destroy(bus);
    msgbus_port_mutex_destroy(&g_probe.lock);
}

/* Disconnect from another thread while the callback thread runs: it stops it first. */
static void test_callback_thread_disconnect(void **state)
{
    msgbus_config cfg;
    msgbus *bus;
    (void)state;
    base_config(&cfg, MSGBUS_READER);
    cfg.loop = MSGBUS_LOOP_AUTO;
    g_data_fetch = 1000000; /* nothing ever comes: the thread keeps polling */
    bus = open_reader(&cfg);
    probe_init(bus);
    assert_int_equal(msgbus_register_cb(bus, reenter_cb, &g_probe), 0);
    assert_int_equal(msgbus_poll(bus, 100), 0);
    assert_int_equal(msgbus_disconnect(bus), 0);
    assert_int_equal(msgbus_unregister_cb(bus), MSGBUS_ERR_STATE);
    msgbus_destroy(bus);
    assert_int_equal(probe_calls(), 0);
    msgbus_port_mutex_destroy(&g_probe.lock);
}
#endif

/* A batch that fails its CRC while a callback is registered: on_error hears of it. */
static int g_errors, g_first_error, g_records_seen;

static void count_error(void *ud, int err, const char *reason)
{
    (void)ud;
    assert_string_equal(reason, "t");
    if (g_errors++ == 0)
        g_first_error = err;
}

static void count_record(void *ud, const msgbus_record *rec)
{
    (void)ud;
    (void)rec;
    g_records_seen++;
}

static void test_callback_bad_batch_to_on_error(void **state)
{
    msgbus_config cfg;
    msgbus *bus;
    int rounds = 0;
    (void)state;
    g_corrupt = 1;
    add_records();
    g_errors = g_first_error = g_records_seen = 0;
    base_config(&cfg, MSGBUS_READER);
    cfg.on_error = count_error;
    bus = open_reader(&cfg);
    assert_int_equal(msgbus_register_cb(bus, count_record, NULL), 0);
    while (g_errors == 0 && rounds++ < 100)
        assert_int_equal(msgbus_poll(bus, 20), 0);
    assert_true(g_errors > 0);
    assert_int_equal(g_first_error, MSGBUS_ERR_CRC);
    assert_int_equal(g_records_seen, 0); /* nothing from a batch that failed its check */
    msgbus_destroy(bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_huge_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_delivery_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_nonblocking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_huge_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_app_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_bad_batch_to_on_error, setup, teardown),
#if MSGBUS_PORT_HAS_THREADS
        cmocka_unit_test_setup_teardown(test_callback_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_thread_disconnect, setup, teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
