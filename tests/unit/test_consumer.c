/* test_consumer.c - the consumer against a scripted broker: a Fetch answer
 * holding an aborted transaction, a committed one, their control batches
 * and plain records. Read committed, the aborted records and every control
 * record stay out; read uncommitted, only the control records do. (The test
 * broker writes no transaction markers, so this is where that is shown.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/consumer.h"
#include "msgbus/port.h"
#if !MSGBUS_PORT_HAS_THREADS
#include "msgbus/port_none.h"
#endif
#include "proto/api_versions.h"
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

static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    uint8_t out[4096];
    mb_wr w;
    (void)net;
    (void)body;
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
        p.high_watermark = 9;
        p.last_stable_offset = 9;
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
        p.records.ptr = g_records;
        p.records.len = g_fetches++ == 0 ? (int32_t)g_records_len : 0; /* then nothing new */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_uncommitted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
