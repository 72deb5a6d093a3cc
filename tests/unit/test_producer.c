/* test_producer.c - the producer against a scripted broker in simulated time
 * (answers may be held back by a fake round trip: g_rtt): linger, offsets in
 * delivery reports, idempotent sequence numbers, retries that keep order, the
 * delivery timeout, acks=0, the pipelined in-flight window (issue 14), and
 * the hardening of issue 12 (unreadable answers retried, timeouts of 2^31 ms
 * and more, application-driven create, config_init(NULL)). The application
 * drives the loop (MSGBUS_LOOP_APP), as it does on ports without threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bus/producer_int.h"
#include "msgbus/kafka_errors.h"
#include "proto/api_versions.h"
#include "proto/init_producer_id.h"
#include "proto/metadata.h"
#include "scripted_transport.c"
#include "testutil.h"

/* ---- a scripted broker ---- */

enum {
    ACT_OK = 0,
    ACT_HOLD = 1,    /* keep the request unanswered (answer_produce later, or never) */
    ACT_GARBAGE = 2, /* answer with a body no Produce response decoder accepts */
    ACT_NO_PART = 3, /* answer for another partition than the one sent */
    ACT_DROP = 4     /* close the connection instead of answering */
};

typedef struct sent_batch {
    int req; /* which Produce request carried it */
    int32_t partition;
    int64_t pid;
    int16_t epoch;
    int32_t base_seq;
    int32_t count;
} sent_batch;

typedef struct held {
    msgbus_sock *s;
    mb_req_hdr h;
    int32_t parts[4];
    int32_t counts[4];
    int n;
} held;

typedef struct broker {
    int produce_n;  /* Produce requests seen */
    int action[16]; /* per request: ACT_OK or ACT_HOLD */
    sent_batch sent[128];
    int n_sent;
    held hold[16];
    int n_hold;
    int64_t next_offset[8];
    int pid_requests;
    int answered;        /* Produce requests answered */
    int max_outstanding; /* most Produce requests seen and not yet answered */
} broker;

static st_net g_net;
static broker g_b;

/* ---- broker round trip: answers held until the fake clock has moved g_rtt ms ---- */

typedef struct delayed {
    msgbus_sock *s;
    uint32_t due;
    int16_t api_key;
    uint8_t frame[600];
    size_t len;
} delayed;

static uint32_t g_rtt;      /* 0: the broker answers at once */
static delayed g_delay[64]; /* answers on their way back, in order */
static int g_n_delay;
static msgbus_transport g_tr; /* g_net's transport with a wait that honours g_rtt */

/* Send an answer frame back: now, or once the clock reaches now + g_rtt. */
static void reply(msgbus_sock *s, const mb_req_hdr *h, const uint8_t *body, size_t n)
{
    delayed *d;
    size_t off;
    if (h->api_key == MB_API_PRODUCE && !g_rtt)
        g_b.answered++;
    if (!g_rtt) {
        st_push_response(s, h->api_key, h->api_version, h->correlation_id, body, n);
        return;
    }
    assert_true(g_n_delay < 64);
    d = &g_delay[g_n_delay++];
    d->s = s;
    d->api_key = h->api_key;
    d->due = g_net.now + g_rtt;
    { /* the frame as st_push_response queues it: size, response header, body */
        mb_wr w;
        size_t pos;
        mb_wr_init(&w, d->frame, sizeof d->frame);
        mb_wr_reserve(&w, 4, &pos);
        mb_resp_hdr_write(&w, mb_api_resp_hdr_version(h->api_key, h->api_version),
                          h->correlation_id);
        mb_wr_patch_i32(&w, pos, (int32_t)(w.len - 4 + n));
        off = w.len;
    }
    assert_true(off + n <= sizeof d->frame);
    memcpy(d->frame + off, body, n);
    d->len = off + n;
}

/* Hand the answers whose time has come to their connections; how many. */
static int release_due(void)
{
    int i, k = 0, n = 0;
    for (i = 0; i < g_n_delay; i++) {
        if (msgbus_time_diff(g_delay[i].due, g_net.now) <= 0) {
            if (!g_delay[i].s->closed)
                st_push(g_delay[i].s, g_delay[i].frame, g_delay[i].len);
            if (g_delay[i].api_key == MB_API_PRODUCE)
                g_b.answered++;
            n++;
        } else {
            g_delay[k++] = g_delay[i];
        }
    }
    g_n_delay = k;
    return n;
}

/* The scripted wait, cut short when an answer is due back before the timeout. */
static int rtt_wait(void *ctx, msgbus_poll_item *items, size_t n, uint32_t timeout_ms)
{
    int i, ready;
    release_due();
    for (i = 0; i < g_n_delay; i++) {
        int32_t d = msgbus_time_diff(g_delay[i].due, g_net.now);
        if (d >= 0 && (uint32_t)d < timeout_ms)
            timeout_ms = (uint32_t)d;
    }
    ready = g_net.t.wait(ctx, items, n, timeout_ms);
    if (ready == 0 && release_due() > 0)
        ready = g_net.t.wait(ctx, items, n, 0); /* the answers just arrived */
    return ready;
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
    reply(s, h, body, w.len);
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
    reply(s, h, body, w.len);
}

static void answer_pid(msgbus_sock *s, const mb_req_hdr *h)
{
    mb_init_producer_id_resp resp = {0, 0, 77, 3};
    uint8_t body[64];
    mb_wr w;
    g_b.pid_requests++;
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_init_producer_id_resp_write(&w, h->api_version, &resp), 0);
    reply(s, h, body, w.len);
}

/* Answer a held (or immediate) Produce request: @p err for every partition. */
static void answer_produce(const held *hd, int16_t err)
{
    mb_produce_partition_resp pr[4];
    mb_produce_topic_resp tr = {{"t", 1}, pr, 0};
    mb_produce_resp resp = {&tr, 1, 0};
    uint8_t body[512];
    mb_wr w;
    int i;
    memset(pr, 0, sizeof pr);
    for (i = 0; i < hd->n; i++) {
        pr[i].index = hd->parts[i];
        pr[i].error_code = err;
        pr[i].base_offset = err ? -1 : g_b.next_offset[hd->parts[i]];
        pr[i].log_append_time_ms = -1;
        pr[i].log_start_offset = 0;
        if (!err)
            g_b.next_offset[hd->parts[i]] += hd->counts[i];
    }
    tr.n_partition_responses = hd->n;
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_produce_resp_write(&w, hd->h.api_version, &resp), 0);
    reply(hd->s, &hd->h, body, w.len);
}

static void on_produce(msgbus_sock *s, const mb_req_hdr *h, mb_rd *body)
{
    uint8_t abuf[4096];
    mb_arena a;
    mb_produce_req req;
    held hd;
    int32_t i;
    int k = g_b.produce_n++;
    if (g_b.produce_n - g_b.answered > g_b.max_outstanding)
        g_b.max_outstanding = g_b.produce_n - g_b.answered;
    mb_arena_init(&a, abuf, sizeof abuf);
    assert_int_equal(mb_produce_req_read(body, h->api_version, &a, &req), 0);
    assert_int_equal(req.n_topic_data, 1);
    memset(&hd, 0, sizeof hd);
    hd.s = s;
    hd.h = *h;
    for (i = 0; i < req.topic_data[0].n_partition_data && hd.n < 4; i++) {
        const mb_produce_partition_data *pd = &req.topic_data[0].partition_data[i];
        mb_batch_iter it;
        mb_batch bt;
        mb_batch_iter_init(&it, pd->records.ptr, (size_t)pd->records.len);
        assert_int_equal(mb_batch_next(&it, &bt), 0); /* CRC checked too */
        assert_true(g_b.n_sent < 128);
        g_b.sent[g_b.n_sent++] = (sent_batch){
            k, pd->index, bt.producer_id, bt.producer_epoch, bt.base_sequence, bt.record_count};
        hd.parts[hd.n] = pd->index;
        hd.counts[hd.n++] = bt.record_count;
    }
    if (req.acks == 0)
        return; /* no answer to acks=0 */
    if (k < 16 && g_b.action[k] == ACT_HOLD) {
        g_b.hold[g_b.n_hold++] = hd;
        return;
    }
    if (k < 16 && g_b.action[k] == ACT_GARBAGE) {
        static const uint8_t junk[3] = {0, 0, 0}; /* an array count cut short */
        reply(s, h, junk, sizeof junk);
        return;
    }
    if (k < 16 && g_b.action[k] == ACT_NO_PART)
        hd.parts[0] = 7;
    if (k < 16 && g_b.action[k] == ACT_DROP) {
        s->peer_close = 1;
        return;
    }
    answer_produce(&hd, 0);
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
        on_produce(s, h, body);
}

/* ---- delivery reports ---- */

typedef struct report {
    int err;
    int32_t partition;
    int64_t offset;
    uintptr_t id;
} report;

static report g_rep[128];
static int g_nrep;

static void on_delivery(void *ud, const msgbus_delivery *d)
{
    (void)ud;
    assert_true(g_nrep < 128);
    g_rep[g_nrep++] = (report){d->err, d->partition, d->offset, (uintptr_t)d->opaque};
}

/* ---- fixtures ---- */

static int setup(void **state)
{
    (void)state;
    memset(&g_b, 0, sizeof g_b);
    g_nrep = 0;
    g_rtt = 0;
    g_n_delay = 0;
    st_init(&g_net, respond, &g_b);
    g_tr = g_net.t;
    g_tr.wait = rtt_wait;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    st_free(&g_net);
    return 0;
}

static msgbus_producer *make(msgbus_producer_config *cfg)
{
    msgbus_producer *p = NULL;
    cfg->bootstrap = "127.0.0.1:9092";
    cfg->transport = &g_tr;
    cfg->loop = MSGBUS_LOOP_APP;
    cfg->on_delivery = on_delivery;
    assert_int_equal(mb_producer_create_clock(&p, cfg, st_now, st_random, &g_net), 0);
    return p;
}

static void send_to(msgbus_producer *p, int32_t partition, uintptr_t id)
{
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    m.topic = "t";
    m.partition = partition;
    m.value = "v";
    m.value_len = 1;
    m.opaque = (void *)id;
    assert_int_equal(msgbus_producer_send(p, &m), 0);
}

/* Run the loop until @p n reports have come, for at most @p ms of simulated time. */
static void run_until_reports(msgbus_producer *p, int n, uint32_t ms)
{
    uint32_t end = g_net.now + ms;
    while (g_nrep < n && msgbus_time_diff(end, g_net.now) > 0)
        assert_int_equal(msgbus_producer_poll(p, 10), 0);
}

/* ---- tests ---- */

static void test_linger_then_one_batch_with_offsets(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    uint32_t t0;
    int i;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 50;
    p = make(&cfg);
    send_to(p, 0, 1); /* the first send learns the topic */
    t0 = g_net.now;
    send_to(p, 0, 2);
    send_to(p, 0, 3);
    while (g_b.produce_n == 0) {
        assert_int_equal(msgbus_producer_poll(p, 5), 0);
        assert_true(msgbus_time_diff(g_net.now, t0) < 200);
    }
    /* the batch waited for linger, and carried all three records */
    assert_true(msgbus_time_diff(g_net.now, t0) >= 45);
    assert_int_equal(g_b.n_sent, 1);
    assert_int_equal(g_b.sent[0].count, 3);
    assert_int_equal(g_b.sent[0].pid, 77);
    assert_int_equal(g_b.sent[0].epoch, 3);
    assert_int_equal(g_b.sent[0].base_seq, 0);
    run_until_reports(p, 3, 1000);
    assert_int_equal(g_nrep, 3);
    for (i = 0; i < 3; i++) {
        assert_int_equal(g_rep[i].err, 0);
        assert_int_equal(g_rep[i].partition, 0);
        assert_int_equal(g_rep[i].offset, i);
        assert_int_equal(g_rep[i].id, (uintptr_t)i + 1);
    }
    assert_int_equal(msgbus_producer_close(p, 1000), 0);
}

static void test_retries_keep_order_and_sequences(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    int i;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 0;
    cfg.retry_backoff_ms = 100;
    g_b.action[0] = ACT_HOLD;
    g_b.action[1] = ACT_HOLD;
    p = make(&cfg);
    send_to(p, 0, 1);
    while (g_b.produce_n < 1)
        assert_int_equal(msgbus_producer_poll(p, 1), 0);
    send_to(p, 0, 2);
    while (g_b.produce_n < 2)
        assert_int_equal(msgbus_producer_poll(p, 1), 0);
    /* two batches in flight for one partition: sequences 0 and 1 */
    assert_int_equal(g_b.sent[0].base_seq, 0);
    assert_int_equal(g_b.sent[1].base_seq, 1);
    /* the first is refused (leader moved), the second then arrives out of sequence */
    answer_produce(&g_b.hold[0], MSGBUS_KERR_NOT_LEADER_OR_FOLLOWER);
    answer_produce(&g_b.hold[1], MSGBUS_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    run_until_reports(p, 2, 5000);
    assert_int_equal(g_nrep, 2);
    /* both went again, in order, one at a time, with their own sequences */
    assert_int_equal(g_b.n_sent, 4);
    assert_int_equal(g_b.sent[2].base_seq, 0);
    assert_int_equal(g_b.sent[3].base_seq, 1);
    assert_true(g_b.sent[3].req > g_b.sent[2].req);
    for (i = 0; i < 2; i++) {
        assert_int_equal(g_rep[i].err, 0);
        assert_int_equal(g_rep[i].id, (uintptr_t)i + 1);
        assert_int_equal(g_rep[i].offset, i);
    }
    assert_int_equal(msgbus_producer_close(p, 1000), 0);
}

static void test_linger_zero_collects_while_in_flight(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    int i;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 0;
    cfg.max_in_flight = 1;
    g_b.action[0] = ACT_HOLD;
    p = make(&cfg);
    send_to(p, 0, 1);
    while (g_b.produce_n < 1)
        assert_int_equal(msgbus_producer_poll(p, 1), 0);
    /* while the first request is out, five more arrive: they wait together */
    for (i = 2; i <= 6; i++) {
        send_to(p, 0, (uintptr_t)i);
        assert_int_equal(msgbus_producer_poll(p, 1), 0);
    }
    assert_int_equal(g_b.produce_n, 1);
    answer_produce(&g_b.hold[0], 0);
    run_until_reports(p, 6, 1000);
    assert_int_equal(g_nrep, 6);
    assert_int_equal(g_b.produce_n, 2); /* one more request, not five */
    assert_int_equal(g_b.sent[1].count, 5);
    assert_int_equal(g_b.sent[1].base_seq, 1);
    for (i = 0; i < 6; i++)
        assert_int_equal(g_rep[i].offset, i);
    assert_int_equal(msgbus_producer_close(p, 1000), 0);
}

static void test_delivery_timeout_reports_timeout(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    int i;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 0;
    cfg.request_timeout_ms = 300;
    cfg.delivery_timeout_ms = 2000;
    for (i = 0; i < 16; i++)
        g_b.action[i] = ACT_HOLD; /* a broker that takes requests and never answers */
    p = make(&cfg);
    send_to(p, 1, 9);
    run_until_reports(p, 1, 10000);
    assert_int_equal(g_nrep, 1);
    assert_int_equal(g_rep[0].err, MSGBUS_ERR_TIMEOUT);
    assert_int_equal(g_rep[0].offset, -1);
    assert_true(g_b.produce_n >= 2); /* it was retried before it gave up */
    assert_int_equal(msgbus_producer_queued(p), 0);
    assert_int_equal(msgbus_producer_close(p, 100), 0);
}

static void test_acks_zero_reports_without_answer(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.acks = 0;
    cfg.linger_ms = 0;
    p = make(&cfg);
    send_to(p, 1, 5);
    run_until_reports(p, 1, 1000);
    assert_int_equal(g_nrep, 1);
    assert_int_equal(g_rep[0].err, 0);
    assert_int_equal(g_rep[0].offset, -1);
    assert_int_equal(g_b.pid_requests, 0); /* no idempotence without acks=all */
    assert_int_equal(g_b.sent[0].pid, -1);
    assert_int_equal(msgbus_producer_close(p, 1000), 0);
}

static void test_close_reports_what_is_left(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 0;
    cfg.max_in_flight = 1; /* the second message stays queued behind the first */
    g_b.action[0] = ACT_HOLD;
    p = make(&cfg);
    send_to(p, 0, 1);
    while (g_b.produce_n < 1)
        assert_int_equal(msgbus_producer_poll(p, 1), 0);
    send_to(p, 0, 2);
    /* the broker never answers: close gives up after 200 ms and reports both, in order */
    assert_int_equal(msgbus_producer_close(p, 200), MSGBUS_ERR_TIMEOUT);
    assert_int_equal(g_nrep, 2);
    assert_int_equal(g_rep[0].err, MSGBUS_ERR_STATE);
    assert_int_equal(g_rep[0].id, 1);
    assert_int_equal(g_rep[1].err, MSGBUS_ERR_STATE);
    assert_int_equal(g_rep[1].id, 2);
}

/* ---- the in-flight window (issue 14) ---- */

/* Send one message that fills a 1 KiB batch by itself, to partition 0. */
static void send_big(msgbus_producer *p, uintptr_t id)
{
    static char val[700];
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    m.topic = "t";
    m.partition = 0;
    m.value = val;
    m.value_len = sizeof val;
    m.opaque = (void *)id;
    assert_int_equal(msgbus_producer_send(p, &m), 0);
}

/*
 * Queue 40 one-record batches of one partition behind a broker 50 ms away,
 * then let the loop drain them: the fake time it takes, in round trips.
 */
static uint32_t drain_40(uint32_t max_in_flight)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    uint32_t t0, spent;
    int i;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 0;
    cfg.batch_size = 1024;
    cfg.max_in_flight = max_in_flight;
    g_rtt = 50;
    p = make(&cfg);
    send_big(p, 100); /* warm: connection, metadata and producer id in place */
    run_until_reports(p, 1, 5000);
    assert_int_equal(g_nrep, 1);
    for (i = 0; i < 40; i++)
        send_big(p, (uintptr_t)i);
    t0 = g_net.now;
    while (g_nrep < 41 && msgbus_time_diff(g_net.now, t0) < 10000)
        assert_int_equal(msgbus_producer_poll(p, 1000), 0);
    spent = (uint32_t)msgbus_time_diff(g_net.now, t0);
    assert_int_equal(g_nrep, 41);
    assert_int_equal(g_b.n_sent, 41);
    for (i = 0; i < 41; i++) { /* one record a batch, sequences and offsets in order */
        assert_int_equal(g_b.sent[i].count, 1);
        assert_int_equal(g_b.sent[i].base_seq, i);
        assert_int_equal(g_rep[i].err, 0);
        assert_int_equal(g_rep[i].offset, i);
        if (i > 0)
            assert_int_equal(g_rep[i].id, (uintptr_t)i - 1);
    }
    assert_true(g_b.max_outstanding <= (int)max_in_flight); /* the window is a bound */
    assert_int_equal(msgbus_producer_close(p, 1000), 0);
    return spent / g_rtt;
}

static void test_window_pipelines_one_partition(void **state)
{
    uint32_t rtts;
    (void)state;
    rtts = drain_40(5);
    print_message("40 batches, window 5: %u round trips\n", (unsigned)rtts);
    assert_int_equal(g_b.max_outstanding, 5); /* the window was used */
    assert_true(rtts >= 8 && rtts <= 10);
}

static void test_window_of_one_is_one(void **state)
{
    uint32_t rtts;
    (void)state;
    rtts = drain_40(1);
    print_message("40 batches, window 1: %u round trips\n", (unsigned)rtts);
    assert_int_equal(g_b.max_outstanding, 1);
    assert_true(rtts >= 40 && rtts <= 42);
}

/* With linger 0, a send goes out in the very next poll step, the clock standing still. */
static void test_linger_zero_sends_in_the_same_step(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    uint32_t t0;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 0;
    p = make(&cfg);
    send_to(p, 0, 1);
    run_until_reports(p, 1, 1000);
    assert_int_equal(g_b.produce_n, 1);
    t0 = g_net.now;
    send_to(p, 1, 2);
    assert_int_equal(msgbus_producer_poll(p, 1000), 0);
    assert_int_equal(g_b.produce_n, 2);
    assert_int_equal(g_net.now, t0);
    run_until_reports(p, 2, 1000);
    assert_int_equal(g_rep[1].err, 0);
    assert_int_equal(msgbus_producer_close(p, 1000), 0);
}

/* ---- hardening (issue 12) ---- */

/* The first attempt of one message gets @p action; the batch must be retried and land. */
static void retried_after(int action)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 0;
    cfg.retry_backoff_ms = 100;
    g_b.action[0] = action;
    p = make(&cfg);
    send_to(p, 0, 1);
    run_until_reports(p, 1, 5000);
    assert_int_equal(g_nrep, 1);
    assert_int_equal(g_rep[0].err, 0);
    assert_int_equal(g_rep[0].id, 1);
    /* sent twice, with the same producer id and sequence: the broker can tell a duplicate */
    assert_int_equal(g_b.n_sent, 2);
    assert_int_equal(g_b.sent[1].pid, g_b.sent[0].pid);
    assert_int_equal(g_b.sent[1].base_seq, 0);
    assert_int_equal(g_b.sent[0].base_seq, 0);
    assert_int_equal(g_b.pid_requests, 1);
    assert_int_equal(msgbus_producer_close(p, 1000), 0);
}

static void test_malformed_produce_response_is_retried(void **state)
{
    (void)state;
    retried_after(ACT_GARBAGE);
}

static void test_response_without_the_partition_is_retried(void **state)
{
    (void)state;
    retried_after(ACT_NO_PART);
}

static void test_connection_lost_in_flight_is_retried(void **state)
{
    (void)state;
    retried_after(ACT_DROP);
}

/* Blocking calls with timeouts of 2^31 ms and more wait for the answer. */
static void test_huge_timeouts_do_not_expire_at_once(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    int32_t part = -1;
    int64_t off = -1;
    uint32_t t0;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 0;
    g_rtt = 50; /* every answer takes 50 ms of fake time */
    p = make(&cfg);
    m.topic = "t";
    m.partition = 1;
    m.value = "v";
    m.value_len = 1;
    assert_int_equal(msgbus_producer_send_sync(p, &m, &part, &off, 0xffffffffu), 0);
    assert_int_equal(part, 1);
    assert_int_equal(off, 0);
    send_to(p, 0, 1);
    t0 = g_net.now;
    assert_int_equal(msgbus_producer_flush(p, 0x80000000u), 0);
    assert_int_equal(g_nrep, 1);
    assert_int_equal(g_rep[0].err, 0);
    assert_true(msgbus_time_diff(g_net.now, t0) >= 50); /* it did wait for the broker */
    send_to(p, 0, 2);
    assert_int_equal(msgbus_producer_close(p, 0x80000000u), 0);
    assert_int_equal(g_nrep, 2);
    assert_int_equal(g_rep[1].err, 0);
}

/* A queued batch whose delivery timeout passed while the loop did not run for 2^31 ms fails. */
static void test_delivery_timeout_survives_a_long_gap(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 0;
    cfg.max_in_flight = 1;
    cfg.delivery_timeout_ms = 0x7fffffffu;
    g_b.action[0] = ACT_HOLD;
    p = make(&cfg);
    send_to(p, 0, 1);
    while (g_b.produce_n < 1)
        assert_int_equal(msgbus_producer_poll(p, 1), 0);
    send_to(p, 0, 2); /* queued behind the unanswered one */
    assert_int_equal(msgbus_producer_poll(p, 0), 0);
    assert_int_equal(g_nrep, 0);
    g_net.now += 0x80000010u; /* the device slept: past the delivery timeout */
    run_until_reports(p, 2, 100);
    /* both are past it: the queued one and the one the broker never answered */
    assert_int_equal(g_nrep, 2);
    assert_int_equal(g_rep[0].err, MSGBUS_ERR_TIMEOUT);
    assert_int_equal(g_rep[1].err, MSGBUS_ERR_TIMEOUT);
    assert_int_equal(g_rep[0].id + g_rep[1].id, 3);
    assert_int_equal(msgbus_producer_queued(p), 0);
    assert_int_equal(msgbus_producer_close(p, 10), 0);
}

/* Application-driven, create returns at once: connecting happens in poll and send. */
static void test_app_driven_create_does_not_block(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.linger_ms = 0;
    p = make(&cfg);
    assert_int_equal(g_net.waits, 0);  /* create did not run the loop */
    assert_int_equal(g_net.now, 1000); /* nor let time pass */
    send_to(p, 0, 1);                  /* the first send connects and learns the topic */
    run_until_reports(p, 1, 1000);
    assert_int_equal(g_rep[0].err, 0);
    assert_int_equal(msgbus_producer_close(p, 1000), 0);
}

/* Application-driven with no broker to reach: the connect error comes from the send. */
static void test_app_driven_connect_failure_reaches_send(void **state)
{
    msgbus_producer_config cfg;
    msgbus_producer *p;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    uint32_t t0 = g_net.now;
    (void)state;
    msgbus_producer_config_init(&cfg);
    cfg.connect_retries = 2;
    g_net.next.refuse = 1;
    p = make(&cfg);
    m.topic = "t";
    m.value = "v";
    m.value_len = 1;
    assert_int_equal(msgbus_producer_send(p, &m), MSGBUS_ERR_TRANSPORT);
    /* at the second refusal, not after metadata_wait_ms */
    assert_true(msgbus_time_diff(g_net.now, t0) < (int32_t)cfg.metadata_wait_ms);
    assert_int_equal(msgbus_producer_close(p, 100), 0);
    assert_int_equal(g_nrep, 0);
}

static void test_config_init_null(void **state)
{
    msgbus_producer_config cfg;
    (void)state;
    msgbus_producer_config_init(NULL); /* nothing to fill: no crash */
    msgbus_producer_config_init(&cfg);
    assert_int_equal(cfg.max_in_flight, 5);
    cfg.request_timeout_ms = MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS + 1u;
    cfg.bootstrap = "127.0.0.1:9092";
    {
        msgbus_producer *p = NULL;
        assert_int_equal(msgbus_producer_create(&p, &cfg), MSGBUS_ERR_INVALID_ARG);
        assert_null(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_linger_then_one_batch_with_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_keep_order_and_sequences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linger_zero_collects_while_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delivery_timeout_reports_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acks_zero_reports_without_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_reports_what_is_left, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_pipelines_one_partition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_of_one_is_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linger_zero_sends_in_the_same_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_produce_response_is_retried, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_response_without_the_partition_is_retried, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_connection_lost_in_flight_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_huge_timeouts_do_not_expire_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delivery_timeout_survives_a_long_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_driven_create_does_not_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_driven_connect_failure_reaches_send, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_config_init_null, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
