/* test_pool_client.c - the static mode end to end: a producer whose every
 * byte comes from a msgbus_pool over a static buffer sends 10,000 messages to
 * a scripted broker (simulated time, MSGBUS_LOOP_APP) and gets them all
 * acknowledged; at close the pool is empty again. Then the smallest buffer
 * that still carries the whole run is searched for, and every run that ran
 * out of memory must also give everything back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bus/producer_int.h"
#include "proto/api_versions.h"
#include "proto/init_producer_id.h"
#include "proto/metadata.h"
#include "scripted_transport.c"
#include "testutil.h"

#define N_MSGS 10000
#define POOL_BYTES (512u * 1024u)

static _Alignas(max_align_t) unsigned char g_mem[POOL_BYTES];
static msgbus_pool g_pool;

/* ---- a scripted broker: one node, topic "t" with two partitions ---- */

static st_net g_net;
static int64_t g_next_offset[2]; /* what the broker assigns next */
static int32_t g_next_seq[2];    /* the idempotent sequence it expects */
static int g_bad_seq;

static void answer(msgbus_sock *s, const mb_req_hdr *h, const uint8_t *body, size_t n)
{
    st_push_response(s, h->api_key, h->api_version, h->correlation_id, body, n);
}

static void answer_apiversions(msgbus_sock *s, const mb_req_hdr *h)
{
    mb_api_versions_key keys[4] = {{MB_API_API_VERSIONS, 0, 3},
                                   {MB_API_METADATA, 1, 9},
                                   {MB_API_PRODUCE, 3, 7},
                                   {MB_API_INIT_PRODUCER_ID, 0, 2}};
    mb_api_versions_resp resp;
    uint8_t body[256];
    mb_wr w;
    memset(&resp, 0, sizeof resp);
    resp.api_keys = keys;
    resp.n_api_keys = 4;
    resp.finalized_features_epoch = -1;
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_api_versions_resp_write(&w, h->api_version, &resp), 0);
    answer(s, h, body, w.len);
}

static void answer_metadata(msgbus_sock *s, const mb_req_hdr *h)
{
    mb_metadata_broker brokers[1] = {{1, {"127.0.0.1", 9}, 9092, MB_STR_NULL}};
    int32_t reps[1] = {1};
    mb_metadata_partition parts[2] = {{0, 0, 1, -1, reps, 1, reps, 1, NULL, 0},
                                      {0, 1, 1, -1, reps, 1, reps, 1, NULL, 0}};
    mb_metadata_topic topic = {0, {"t", 1}, {{0}}, 0, parts, 2, MB_METADATA_AUTH_OPS_UNKNOWN};
    mb_metadata_resp resp = {0, brokers, 1, {"c", 1}, 1, &topic, 1, MB_METADATA_AUTH_OPS_UNKNOWN};
    uint8_t body[1024];
    mb_wr w;
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_metadata_resp_write(&w, h->api_version, &resp), 0);
    answer(s, h, body, w.len);
}

static void answer_pid(msgbus_sock *s, const mb_req_hdr *h)
{
    mb_init_producer_id_resp resp = {0, 0, 77, 3};
    uint8_t body[64];
    mb_wr w;
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_init_producer_id_resp_write(&w, h->api_version, &resp), 0);
    answer(s, h, body, w.len);
}

/* Check each batch (CRC, sequence), append it, and acknowledge at once. */
static void answer_produce(msgbus_sock *s, const mb_req_hdr *h, mb_rd *rd)
{
    static uint8_t abuf[4096];
    mb_produce_partition_resp pr[2];
    mb_produce_topic_resp tr = {{"t", 1}, pr, 0};
    mb_produce_resp resp = {&tr, 1, 0};
    uint8_t body[256];
    mb_arena a;
    mb_produce_req req;
    mb_wr w;
    int32_t i;
    mb_arena_init(&a, abuf, sizeof abuf);
    assert_int_equal(mb_produce_req_read(rd, h->api_version, &a, &req), 0);
    assert_int_equal(req.n_topic_data, 1);
    assert_true(req.topic_data[0].n_partition_data <= 2);
    memset(pr, 0, sizeof pr);
    for (i = 0; i < req.topic_data[0].n_partition_data; i++) {
        const mb_produce_partition_data *pd = &req.topic_data[0].partition_data[i];
        mb_batch_iter it;
        mb_batch bt;
        assert_true(pd->index == 0 || pd->index == 1);
        mb_batch_iter_init(&it, pd->records.ptr, (size_t)pd->records.len);
        assert_int_equal(mb_batch_next(&it, &bt), 0);
        if (bt.base_sequence != g_next_seq[pd->index])
            g_bad_seq++;
        g_next_seq[pd->index] += bt.record_count;
        pr[i].index = pd->index;
        pr[i].base_offset = g_next_offset[pd->index];
        pr[i].log_append_time_ms = -1;
        g_next_offset[pd->index] += bt.record_count;
    }
    tr.n_partition_responses = req.topic_data[0].n_partition_data;
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_produce_resp_write(&w, h->api_version, &resp), 0);
    answer(s, h, body, w.len);
}

static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    (void)net;
    (void)ud;
    if (h->api_key == MB_API_API_VERSIONS)
        answer_apiversions(s, h);
    else if (h->api_key == MB_API_METADATA)
        answer_metadata(s, h);
    else if (h->api_key == MB_API_INIT_PRODUCER_ID)
        answer_pid(s, h);
    else if (h->api_key == MB_API_PRODUCE)
        answer_produce(s, h, body);
}

/* ---- the C library's malloc, counted (glibc without a sanitizer) ----
 * glibc lets a program replace malloc, calloc, realloc and free; these count
 * the calls and pass them on to glibc's own. The scripted transport's connect
 * (which mallocs its socket buffers) is the only caller allowed. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define MB_NO_MALLOC_COUNT 1
#endif
#endif
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(MB_NO_MALLOC_COUNT)
#define HAVE_MALLOC_COUNT 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
#endif

static int g_counting;          /* count mallocs now */
static int g_in_transport;      /* inside the scripted transport's connect */
static unsigned long g_mallocs; /* counted calls */

#ifdef HAVE_MALLOC_COUNT
static void count_call(void)
{
    if (g_counting && !g_in_transport)
        g_mallocs++;
}

void *malloc(size_t n)
{
    count_call();
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    count_call();
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    count_call();
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}
#endif

/* The scripted transport's connect, where malloc is the test's own business. */
static int counted_connect(void *ctx, const char *host, uint16_t port, msgbus_sock **out)
{
    int rc;
    g_in_transport = 1;
    rc = st_connect(ctx, host, port, out);
    g_in_transport = 0;
    return rc;
}

/* The scripted transport's send, starting its record of sent bytes over whenever the
 * responder has seen all of it (it only does so itself between whole frames, and
 * 10,000 messages are more than its buffer holds). */
static long long_send(void *ctx, msgbus_sock *s, const msgbus_iovec *iov, size_t iovcnt)
{
    if (s->out_done == s->out_len)
        s->out_len = s->out_done = 0;
    return st_send(ctx, s, iov, iovcnt);
}

/* ---- one run ---- */

static int g_acked, g_failed, g_order_errors;
static int64_t g_expect_offset[2];

static void on_delivery(void *ud, const msgbus_delivery *d)
{
    (void)ud;
    if (d->err) {
        g_failed++;
        return;
    }
    if (d->partition < 0 || d->partition > 1 || d->offset != g_expect_offset[d->partition])
        g_order_errors++;
    else
        g_expect_offset[d->partition]++;
    g_acked++;
}

typedef struct run_result {
    int create_rc;
    int send_rc; /* the first error other than QUEUE_FULL, or 0 */
    int close_rc;
    msgbus_pool_stats open;   /* the pool after create, before any send */
    msgbus_pool_stats closed; /* the pool after close */
} run_result;

static void reset_world(void)
{
    st_init(&g_net, respond, NULL);
    g_net.t.connect = counted_connect;
    g_net.t.send = long_send;
    memset(g_next_offset, 0, sizeof g_next_offset);
    memset(g_next_seq, 0, sizeof g_next_seq);
    memset(g_expect_offset, 0, sizeof g_expect_offset);
    g_bad_seq = g_acked = g_failed = g_order_errors = 0;
}

static void config(msgbus_producer_config *cfg)
{
    msgbus_producer_config_init(cfg);
    cfg->bootstrap = "127.0.0.1:9092";
    cfg->transport = &g_net.t;
    cfg->loop = MSGBUS_LOOP_APP; /* one thread: the pool needs no lock */
    cfg->on_delivery = on_delivery;
    cfg->alloc = msgbus_pool_allocator(&g_pool);
    cfg->log_level = MSGBUS_LOG_ERROR;
    cfg->linger_ms = 5;
    cfg->batch_size = 2048;
    cfg->queue_max_bytes = 4 * 2048;
    cfg->queue_max_msgs = 1000;
    cfg->max_in_flight = 2;
    cfg->net_send_buf_size = 1024;
    cfg->net_recv_chunk_size = 512;
}

/* Send N_MSGS through a producer whose memory is the first @p bytes of g_mem. */
static void run(size_t bytes, run_result *r)
{
    msgbus_producer_config cfg;
    msgbus_producer *p = NULL;
    int i;
    memset(r, 0, sizeof *r);
    reset_world();
    assert_int_equal(msgbus_pool_init(&g_pool, g_mem, bytes), 0);
    config(&cfg);
    g_mallocs = 0;
    g_counting = 1;
    r->create_rc = mb_producer_create_clock(&p, &cfg, st_now, st_random, &g_net);
    if (r->create_rc == 0) {
        msgbus_pool_stats_get(&g_pool, &r->open);
        for (i = 0; i < N_MSGS && r->send_rc == 0; i++) {
            char val[32];
            msgbus_message m = MSGBUS_MESSAGE_INIT;
            int rc, tries = 0;
            m.topic = "t";
            m.partition = i % 2;
            m.value = val;
            m.value_len = (size_t)snprintf(val, sizeof val, "message %05d of the static mode", i);
            while ((rc = msgbus_producer_send(p, &m)) == MSGBUS_ERR_QUEUE_FULL && tries++ < 1000)
                assert_int_equal(msgbus_producer_poll(p, 1), 0);
            r->send_rc = rc;
        }
        r->close_rc = msgbus_producer_close(p, 30000);
    }
    g_counting = 0;
    msgbus_pool_stats_get(&g_pool, &r->closed);
    st_free(&g_net);
}

/* ---- tests ---- */

static void test_producer_lives_in_a_static_buffer(void **state)
{
    run_result r;
    (void)state;
    run(POOL_BYTES, &r);
    assert_int_equal(r.create_rc, 0);
    assert_int_equal(r.send_rc, 0);
    assert_int_equal(r.close_rc, 0);
    assert_int_equal(g_acked, N_MSGS);
    assert_int_equal(g_failed, 0);
    assert_int_equal(g_order_errors, 0);
    assert_int_equal(g_bad_seq, 0);
    assert_int_equal(g_next_offset[0] + g_next_offset[1], N_MSGS);
    /* everything came from the pool and went back to it */
    assert_true(r.closed.allocs > 0);
    assert_int_equal(r.closed.frees, r.closed.allocs);
    assert_int_equal(r.closed.in_use, 0);
    assert_int_equal(r.closed.bad_frees, 0);
    assert_int_equal(r.closed.failed, 0);
    assert_int_equal(r.closed.free_blocks, 1);
    /* and nothing from malloc: from create to close, only the transport called it */
    assert_int_equal(g_mallocs, 0);
    print_message("pool %u KiB: %lu allocations, peak %lu bytes (%lu after create); "
                  "malloc calls by msgbus: %s\n",
                  (unsigned)(POOL_BYTES / 1024), (unsigned long)r.closed.allocs,
                  (unsigned long)r.closed.peak, (unsigned long)r.open.in_use,
#ifdef HAVE_MALLOC_COUNT
                  "0"
#else
                  "not counted in this build"
#endif
    );
}

#ifdef HAVE_MALLOC_COUNT
/* The malloc counter works: a call outside the transport is seen. */
static void test_malloc_counter_counts(void **state)
{
    /* through a volatile pointer: an optimizer may drop a malloc/free pair */
    void *(*volatile get)(size_t) = malloc;
    void *volatile p;
    (void)state;
    g_mallocs = 0;
    g_counting = 1;
    p = get(10);
    g_counting = 0;
    free(p);
    assert_int_equal(g_mallocs, 1);
}
#endif

/* The smallest buffer (to 64 bytes) that carries the whole run; smaller ones fail cleanly. */
static void test_smallest_pool(void **state)
{
    size_t lo = 256, hi = POOL_BYTES, mid;
    run_result r;
    int trials = 0, nomem = 0;
    (void)state;
    /* invariant: hi works, lo does not */
    while (hi - lo > 64) {
        mid = (lo + hi) / 2;
        run(mid, &r);
        trials++;
        /* a run that ran short of memory reports it and leaks nothing */
        assert_int_equal(r.closed.in_use, 0);
        assert_int_equal(r.closed.bad_frees, 0);
        if (r.create_rc == 0 && r.send_rc == 0 && r.close_rc == 0 && g_acked == N_MSGS) {
            assert_int_equal(g_order_errors, 0);
            hi = mid;
        } else {
            print_message("%lu: create %d send %d close %d acked %d failed %d pool failed %lu\n",
                          (unsigned long)mid, r.create_rc, r.send_rc, r.close_rc, g_acked, g_failed,
                          (unsigned long)r.closed.failed);
            assert_true(r.closed.failed > 0); /* it did run out of memory */
            nomem++;
            lo = mid;
        }
    }
    run(hi, &r);
    assert_int_equal(g_acked, N_MSGS);
    assert_int_equal(r.closed.in_use, 0);
    print_message("smallest pool: %lu bytes (peak %lu, %lu allocations refused on the way; "
                  "%d runs, %d out of memory)\n",
                  (unsigned long)hi, (unsigned long)r.closed.peak, (unsigned long)r.closed.failed,
                  trials, nomem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_producer_lives_in_a_static_buffer),
#ifdef HAVE_MALLOC_COUNT
        cmocka_unit_test(test_malloc_counter_counts),
#endif
        cmocka_unit_test(test_smallest_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
