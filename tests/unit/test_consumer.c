/* test_consumer.c - the consumer against a scripted broker: a Fetch answer
 * holding an aborted transaction, a committed one, their control batches
 * and plain records. Read committed, the aborted records and every control
 * record stay out; read uncommitted, only the control records do. (The test
 * broker writes no transaction markers, so this is where that is shown.)
 * Then hostile answers (issue 12): batches failing their CRC, damaged
 * offsets, a partition the topic does not have, the last stable offset, and
 * a blocking poll of 2^31 ms, in simulated time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bus/consumer_int.h"
#include "msgbus/consumer.h"
#include "msgbus/kafka_errors.h"
#include "msgbus/port.h"
#if !MSGBUS_PORT_HAS_THREADS
#include "msgbus/port_none.h"
#endif
#include "proto/api_versions.h"
#include "proto/crc32c.h"
#include "proto/fetch.h"
#include "proto/list_offsets.h"
#include "proto/metadata.h"
#include "proto/record_batch.h"
#include "scripted_transport.c"
#include "testutil.h"

static st_net g_net;
static uint8_t g_records[2048];
static size_t g_records_len;
static int g_fetches;
static int g_fetches_at0;    /* Fetch requests from offset 0 */
static size_t g_batch_at[8]; /* where each batch starts in g_records */
static int g_n_batches;
static int g_bad_crc; /* this many answers from offset 0 carry the first batch with a broken CRC */
static int64_t g_hw, g_lso;
static uint32_t g_data_at; /* fake clock before which Fetch answers are empty */
static int g_fake;         /* the consumer runs on the scripted transport's clock */

/* Append one batch of @p n records starting at @p base to g_records. */
static void add_batch(int64_t base, int64_t pid, int transactional, int control, int n,
                      const char *value)
{
    mb_batch_builder b;
    mb_batch_params bp;
    const uint8_t *data;
    size_t len;
    int i;
    memset(&bp, 0, sizeof bp);
    bp.base_offset = base;
    bp.base_timestamp = 1700000000000LL;
    bp.producer_id = pid;
    bp.producer_epoch = 0;
    bp.base_sequence = 0;
    bp.partition_leader_epoch = -1;
    bp.transactional = transactional;
    bp.control = control;
    g_batch_at[g_n_batches++] = g_records_len;
    assert_int_equal(
        mb_batch_builder_init(&b, g_records + g_records_len, sizeof g_records - g_records_len, &bp),
        0);
    for (i = 0; i < n; i++) {
        uint8_t key[4], val[6];
        mb_bytes k = MB_BYTES_NULL, v;
        if (control) {
            mb_control_marker_encode(value[0] == 'A' ? MB_CONTROL_ABORT : MB_CONTROL_COMMIT, 0, key,
                                     val);
            k.ptr = key;
            k.len = 4;
            v.ptr = val;
            v.len = 6;
        } else {
            v.ptr = (const uint8_t *)value;
            v.len = (int32_t)strlen(value);
        }
        assert_int_equal(mb_batch_append(&b, 1700000000000LL, k, v, NULL, 0), 0);
    }
    assert_int_equal(mb_batch_finish(&b, &data, &len), 0);
    g_records_len += len;
}

/* The records from the fetch offset on (all of them, or nothing new), some damaged. */
static void answer_fetch(st_net *net, const mb_req_hdr *h, mb_rd *body, mb_fetch_partition_resp *p)
{
    static uint64_t arena[1024];
    static uint8_t copy[2048];
    mb_fetch_req req;
    mb_arena a;
    int64_t at;
    mb_arena_init(&a, arena, sizeof arena);
    assert_int_equal(mb_fetch_req_read(body, h->api_version, &a, &req), 0);
    at = req.topics[0].partitions[0].fetch_offset;
    g_fetches++;
    g_fetches_at0 += at == 0;
    p->high_watermark = g_hw;
    p->last_stable_offset = g_lso;
    memcpy(copy, g_records, g_records_len);
    if (g_bad_crc > 0 && at == 0) {
        g_bad_crc--;
        copy[g_batch_at[0] + 20] ^= 0x5a; /* the last byte of the first batch's CRC */
    }
    p->records.ptr = copy;
    p->records.len =
        at < 9 && msgbus_time_diff(net->now, g_data_at) >= 0 ? (int32_t)g_records_len : 0;
    if (p->records.len == 0 && g_fake)
        net->now += 5; /* nothing new: a broker holds the fetch a while */
}

static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    uint8_t out[4096];
    mb_wr w;
    (void)ud;
    mb_wr_init(&w, out, sizeof out);
    if (h->api_key == MB_API_API_VERSIONS) {
        mb_api_versions_key keys[4] = {{MB_API_API_VERSIONS, 0, 3},
                                       {MB_API_METADATA, 1, 9},
                                       {MB_API_FETCH, 4, 11},
                                       {MB_API_LIST_OFFSETS, 1, 5}};
        mb_api_versions_resp resp;
        memset(&resp, 0, sizeof resp);
        resp.api_keys = keys;
        resp.n_api_keys = 4;
        resp.finalized_features_epoch = -1;
        assert_int_equal(mb_api_versions_resp_write(&w, h->api_version, &resp), 0);
    } else if (h->api_key == MB_API_METADATA) {
        mb_metadata_broker brokers[1] = {{1, {"127.0.0.1", 9}, 9092, MB_STR_NULL}};
        int32_t reps[1] = {1};
        mb_metadata_partition parts[1] = {{0, 0, 1, -1, reps, 1, reps, 1, NULL, 0}};
        mb_metadata_topic topic = {0, {"t", 1}, {{0}}, 0, parts, 1, MB_METADATA_AUTH_OPS_UNKNOWN};
        mb_metadata_resp resp = {0, brokers, 1, {"c", 1},
                                 1, &topic,  1, MB_METADATA_AUTH_OPS_UNKNOWN};
        assert_int_equal(mb_metadata_resp_write(&w, h->api_version, &resp), 0);
    } else if (h->api_key == MB_API_LIST_OFFSETS) {
        mb_list_offsets_resp_partition p = {0, 0, -1, 0, -1};
        mb_list_offsets_resp_topic t = {{"t", 1}, &p, 1};
        mb_list_offsets_resp resp = {0, &t, 1};
        assert_int_equal(mb_list_offsets_resp_write(&w, h->api_version, &resp), 0);
    } else if (h->api_key == MB_API_FETCH) {
        mb_fetch_aborted_txn ab = {7, 0};
        mb_fetch_partition_resp p;
        mb_fetch_topic_resp t = {{"t", 1}, &p, 1};
        mb_fetch_resp resp = {0, 0, 0, &t, 1};
        memset(&p, 0, sizeof p);
        p.log_start_offset = 0;
        p.preferred_read_replica = -1;
        p.aborted_transactions = &ab;
        p.n_aborted_transactions = 1;
        p.diverging_epoch.epoch = -1;
        p.diverging_epoch.end_offset = -1;
        p.current_leader.leader_id = -1;
        p.current_leader.leader_epoch = -1;
        p.snapshot_id.end_offset = -1;
        p.snapshot_id.epoch = -1;
        answer_fetch(net, h, body, &p);
        assert_int_equal(mb_fetch_resp_write(&w, h->api_version, &resp), 0);
    } else {
        return;
    }
    st_push_response(s, h->api_key, h->api_version, h->correlation_id, out, w.len);
}

static int setup(void **state)
{
    (void)state;
    g_records_len = 0;
    g_fetches = 0;
    g_fetches_at0 = 0;
    g_n_batches = 0;
    g_bad_crc = 0;
    g_hw = g_lso = 9;
    g_data_at = 0;
    g_fake = 0;
    tu_log_clear();
    st_init(&g_net, respond, NULL);
    add_batch(0, 7, 1, 0, 3, "aborted");   /* offsets 0-2, producer 7, later aborted */
    add_batch(3, 7, 1, 1, 1, "ABORT");     /* offset 3: its abort marker */
    add_batch(4, 8, 1, 0, 2, "committed"); /* offsets 4-5, producer 8 */
    add_batch(6, 8, 1, 1, 1, "COMMIT");    /* offset 6: its commit marker */
    add_batch(7, -1, 0, 0, 2, "plain");    /* offsets 7-8, outside any transaction */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    st_free(&g_net);
    return 0;
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

/* Read everything there is; the values into @p got, their offsets into @p offs. */
static int read_all(int read_committed, char got[][16], int64_t *offs)
{
    msgbus_consumer_config cfg;
    msgbus_consumer *c;
    msgbus_record rec;
    int n = 0;
    msgbus_consumer_config_init(&cfg);
    cfg.bootstrap = "127.0.0.1:9092";
    cfg.transport = &g_net.t;
    cfg.read_committed = read_committed;
    cfg.fetch_max_wait_ms = 0;
    cfg.partition_max_bytes = 64 * 1024; /* small: this also runs on an emulated Cortex-M4 */
    cfg.fetch_max_bytes = 256 * 1024;
    cfg.queue_max_bytes = 256 * 1024;
#if !MSGBUS_PORT_HAS_THREADS
    msgbus_port_none_set_clock(tick, NULL); /* no OS clock: one that moves on every reading */
#endif
    assert_int_equal(msgbus_consumer_create(&c, &cfg), 0);
    assert_int_equal(msgbus_consumer_assign(c, "t", 0, MSGBUS_OFFSET_BEGINNING), 0);
    while (n < 16 && msgbus_consumer_poll(c, &rec, 300) == 0) {
        snprintf(got[n], 16, "%.*s", (int)rec.value_len, (const char *)rec.value);
        offs[n++] = rec.offset;
    }
    msgbus_consumer_close(c);
    return n;
}

static void test_read_committed(void **state)
{
    char got[16][16];
    int64_t offs[16];
    int n;
    (void)state;
    n = read_all(1, got, offs);
    assert_int_equal(n, 4);
    assert_string_equal(got[0], "committed");
    assert_int_equal(offs[0], 4);
    assert_string_equal(got[1], "committed");
    assert_int_equal(offs[1], 5);
    assert_string_equal(got[2], "plain");
    assert_int_equal(offs[2], 7);
    assert_int_equal(offs[3], 8);
}

static void test_read_uncommitted(void **state)
{
    char got[16][16];
    int64_t offs[16];
    int n, i;
    (void)state;
    n = read_all(0, got, offs);
    assert_int_equal(n, 7); /* 3 aborted, 2 committed, 2 plain: never a control record */
    for (i = 0; i < 3; i++) {
        assert_string_equal(got[i], "aborted");
        assert_int_equal(offs[i], i);
    }
    assert_int_equal(offs[3], 4);
    assert_int_equal(offs[5], 7);
}

/* ---- hostile answers, in simulated time (the scripted transport's clock) ---- */

static msgbus_consumer *make_fake(int read_committed)
{
    msgbus_consumer_config cfg;
    msgbus_consumer *c;
    msgbus_consumer_config_init(&cfg);
    cfg.bootstrap = "127.0.0.1:9092";
    cfg.transport = &g_net.t;
    cfg.read_committed = read_committed;
    cfg.fetch_max_wait_ms = 0;
    cfg.partition_max_bytes = 64 * 1024;
    cfg.fetch_max_bytes = 256 * 1024;
    cfg.queue_max_bytes = 256 * 1024;
    cfg.log = tu_log_capture;
    cfg.log_level = MSGBUS_LOG_WARN;
    g_fake = 1;
    assert_int_equal(mb_consumer_create_clock(&c, &cfg, st_now, st_random, &g_net), 0);
    return c;
}

/* Poll until a record or an error (bounded); MSGBUS_ERR_NO_MESSAGE if none. */
static int poll_fake(msgbus_consumer *c, msgbus_record *rec)
{
    int rc = MSGBUS_ERR_NO_MESSAGE, i;
    for (i = 0; i < 200 && rc == MSGBUS_ERR_NO_MESSAGE; i++)
        rc = msgbus_consumer_poll(c, rec, 50);
    return rc;
}

static void put64(uint8_t *p, int64_t v)
{
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
}

/* Set the first batch's lastOffsetDelta, its CRC made right again. */
static void set_last_delta(int32_t delta)
{
    uint8_t *b = g_records + g_batch_at[0];
    size_t len = g_batch_at[1] - g_batch_at[0];
    uint32_t crc;
    b[23] = (uint8_t)((uint32_t)delta >> 24);
    b[24] = (uint8_t)((uint32_t)delta >> 16);
    b[25] = (uint8_t)((uint32_t)delta >> 8);
    b[26] = (uint8_t)delta;
    crc = mb_crc32c(0, b + 21, len - 21);
    b[17] = (uint8_t)(crc >> 24);
    b[18] = (uint8_t)(crc >> 16);
    b[19] = (uint8_t)(crc >> 8);
    b[20] = (uint8_t)crc;
}

/* Item 2: a batch that fails its CRC twice is fetched again, and nothing is lost. */
static void test_crc_failure_fetched_again(void **state)
{
    msgbus_consumer *c;
    msgbus_record rec;
    int64_t want[] = {0, 1, 2, 4, 5, 7, 8};
    size_t i;
    (void)state;
    g_bad_crc = 2;
    c = make_fake(0);
    assert_int_equal(msgbus_consumer_assign(c, "t", 0, 0), 0);
    for (i = 0; i < 7; i++) {
        assert_int_equal(poll_fake(c, &rec), 0);
        assert_int_equal(rec.offset, want[i]);
    }
    assert_int_equal(g_fetches_at0, 3);
    assert_true(tu_log_has("fetching again"));
    msgbus_consumer_close(c);
}

/*
 * Item 2: a damaged lastOffsetDelta (1,000,000, so the CRC fails every time)
 * moves nothing: after the retries MSGBUS_ERR_CRC at the position, then the
 * next batch that verifies; every later record still comes.
 */
static void test_crc_damaged_delta_moves_nothing(void **state)
{
    msgbus_consumer *c;
    msgbus_record rec;
    int64_t pos = -1;
    int64_t want[] = {4, 5, 7, 8};
    size_t i;
    uint8_t *b;
    (void)state;
    b = g_records + g_batch_at[0];
    b[23] = 0x00, b[24] = 0x0f, b[25] = 0x42, b[26] = 0x40; /* 1,000,000, CRC left wrong */
    c = make_fake(0);
    assert_int_equal(msgbus_consumer_assign(c, "t", 0, 0), 0);
    assert_int_equal(poll_fake(c, &rec), MSGBUS_ERR_CRC);
    assert_int_equal(rec.offset, 0);
    assert_int_equal(g_fetches_at0, 1 + MSGBUS_CFG_CONSUMER_CRC_RETRIES); /* fetched again */
    for (i = 0; i < 4; i++) {
        assert_int_equal(poll_fake(c, &rec), 0);
        assert_int_equal(rec.offset, want[i]);
    }
    assert_int_equal(msgbus_consumer_position(c, "t", 0, &pos, NULL), 0);
    assert_int_equal(pos, 9);
    msgbus_consumer_close(c);
}

/* Item 2: a negative baseOffset (outside the CRC) is refused, never delivered. */
static void test_negative_base_offset_refused(void **state)
{
    msgbus_consumer *c;
    msgbus_record rec;
    int rc, n = 0;
    int64_t last = -1;
    (void)state;
    put64(g_records + g_batch_at[0], -1);
    c = make_fake(0);
    assert_int_equal(msgbus_consumer_assign(c, "t", 0, 0), 0);
    assert_int_equal(poll_fake(c, &rec), MSGBUS_ERR_MALFORMED);
    while ((rc = poll_fake(c, &rec)) == 0 && n++ < 10) {
        assert_true(rec.offset > last); /* never twice, never below the position */
        last = rec.offset;
    }
    assert_int_equal(n, 4);
    msgbus_consumer_close(c);
}

/* Item 11: offsets that would overflow (base near INT64_MAX, delta 0x7fffffff): an error. */
static void test_offset_overflow_refused(void **state)
{
    msgbus_consumer *c;
    msgbus_record rec;
    int64_t pos = -1;
    (void)state;
    set_last_delta(0x7fffffff);
    put64(g_records + g_batch_at[0], INT64_MAX - 5);
    c = make_fake(0);
    assert_int_equal(msgbus_consumer_assign(c, "t", 0, 0), 0);
    assert_int_equal(poll_fake(c, &rec), MSGBUS_ERR_MALFORMED);
    assert_int_equal(msgbus_consumer_position(c, "t", 0, &pos, NULL), 0);
    assert_true(pos >= 0 && pos <= 9);
    msgbus_consumer_close(c);
}

/* Item 7: a partition the topic does not have fails through poll, with a log line. */
static void test_missing_partition_fails(void **state)
{
    msgbus_consumer *c;
    msgbus_record rec;
    (void)state;
    c = make_fake(1);
    assert_int_equal(msgbus_consumer_assign(c, "t", 9, MSGBUS_OFFSET_BEGINNING), 0);
    assert_int_equal(poll_fake(c, &rec), MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    assert_string_equal(rec.topic, "t");
    assert_int_equal(rec.partition, 9);
    assert_true(tu_log_has("t [9]: partition does not exist"));
    assert_int_equal(poll_fake(c, &rec), MSGBUS_ERR_NO_MESSAGE); /* reported once */
    msgbus_consumer_close(c);
}

/* Item 9: with read_committed the end of a partition is the last stable offset. */
static void test_end_is_last_stable_offset(void **state)
{
    msgbus_consumer *c;
    msgbus_record rec;
    int64_t pos, end = -1;
    int k;
    (void)state;
    for (k = 1; k >= 0; k--) {
        g_hw = 20;
        g_lso = 12;
        c = make_fake(k);
        assert_int_equal(msgbus_consumer_assign(c, "t", 0, 0), 0);
        assert_int_equal(poll_fake(c, &rec), 0);
        assert_int_equal(msgbus_consumer_position(c, "t", 0, &pos, &end), 0);
        assert_int_equal(end, k ? 12 : 20);
        msgbus_consumer_close(c);
    }
}

/* Item 5: a blocking poll of 2^31 ms or more waits, rather than expiring at once. */
static void test_poll_timeout_of_2_pow_31(void **state)
{
    msgbus_consumer *c;
    msgbus_record rec;
    (void)state;
    c = make_fake(0);
    g_data_at = g_net.now + 5000; /* the records appear 5 s (simulated) from now */
    assert_int_equal(msgbus_consumer_assign(c, "t", 0, 0), 0);
    assert_int_equal(msgbus_consumer_poll(c, &rec, 0x80000000u), 0);
    assert_int_equal(rec.offset, 0);
    assert_true(msgbus_time_diff(g_net.now, g_data_at) >= 0);
    msgbus_consumer_close(c);
}

#if !MSGBUS_PORT_HAS_THREADS
/* Item 10: with port/none, create returns at once (no connection wait); poll connects. */
static void test_create_does_not_wait_on_port_none(void **state)
{
    msgbus_consumer_config cfg;
    msgbus_consumer *c;
    (void)state;
    msgbus_consumer_config_init(&cfg);
    cfg.bootstrap = "127.0.0.1:9092";
    cfg.transport = &g_net.t;
    g_net.next.refuse = 1; /* no broker: the old create waited for its retries */
    assert_int_equal(mb_consumer_create_clock(&c, &cfg, st_now, st_random, &g_net), 0);
    assert_int_equal(g_net.waits, 0);
    assert_int_equal(g_net.n_socks, 0);
    msgbus_consumer_close(c);
}
#endif

/* Item 12: config_init(NULL) does nothing. */
static void test_config_init_null(void **state)
{
    (void)state;
    msgbus_consumer_config_init(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_uncommitted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crc_failure_fetched_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crc_damaged_delta_moves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_negative_base_offset_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offset_overflow_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_partition_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_is_last_stable_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_timeout_of_2_pow_31, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_init_null, setup, teardown),
#if !MSGBUS_PORT_HAS_THREADS
        cmocka_unit_test_setup_teardown(test_create_does_not_wait_on_port_none, setup, teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
