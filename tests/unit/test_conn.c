/*
 * test_conn.c - one broker connection alone (src/net/conn.c), without a
 * client: the test builds the connection's environment itself (scripted
 * transport, fake clock, its own allocator and stats), records the events the
 * connection reports upward, and plays the broker.
 *
 * Covers: connect and ApiVersions (with the v3 -> v0 fallback), pipelining
 * with correlation ids (answers out of order), a request timeout, a
 * malformed frame failing what was in flight as retriable, reconnect handing
 * MB_BROKER_ANY requests back while keeping its own, and a long timeout that
 * must not expire at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/port.h"
#include "net/conn.h"
#include "proto/api_versions.h"
#include "scripted_transport.c"
#include "testutil.h"

/* ---- the broker: answers ApiVersions; Produce-shaped requests on demand ---- */

typedef struct broker {
    int apiv_refuse_v3; /* answer ApiVersions v1+ with UNSUPPORTED_VERSION */
    int apiv_silent;    /* never answer ApiVersions: the connection stays in HANDSHAKE */
    int apiv_seen[4];   /* ApiVersions requests seen, by version */
    int answer_produce; /* answer each Produce at once */
    int32_t corr[16];   /* correlation ids of the Produce requests seen */
    int n_corr;
} broker;

static void answer_apiversions(broker *b, msgbus_sock *s, const mb_req_hdr *h)
{
    mb_api_versions_key keys[2] = {{MB_API_API_VERSIONS, 0, 3}, {MB_API_PRODUCE, 3, 9}};
    mb_api_versions_resp resp;
    uint8_t body[128];
    mb_wr w;
    int16_t v = h->api_version;
    memset(&resp, 0, sizeof resp);
    resp.api_keys = keys;
    resp.n_api_keys = 2;
    resp.finalized_features_epoch = -1;
    if (b->apiv_refuse_v3 && v > 0) {
        resp.error_code = MSGBUS_KERR_UNSUPPORTED_VERSION;
        v = 0;
    }
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_api_versions_resp_write(&w, v, &resp), 0);
    st_push_response(s, h->api_key, h->api_version, h->correlation_id, body, w.len);
}

static void answer_produce(msgbus_sock *s, int16_t version, int32_t corr)
{
    static const uint8_t body[4] = {0, 0, 0, 7};
    st_push_response(s, MB_API_PRODUCE, version, corr, body, sizeof body);
}

static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    broker *b = ud;
    (void)net;
    (void)body;
    if (h->api_key == MB_API_API_VERSIONS) {
        b->apiv_seen[h->api_version]++;
        if (!b->apiv_silent)
            answer_apiversions(b, s, h);
    } else if (h->api_key == MB_API_PRODUCE) {
        if (b->n_corr < 16)
            b->corr[b->n_corr++] = h->correlation_id;
        if (b->answer_produce)
            answer_produce(s, h->api_version, h->correlation_id);
    }
}

/* ---- the environment and the events ---- */

typedef struct events {
    int ready, failed, last_err, was_ready;
    mb_net_req *requeued[8];
    int n_requeued;
} events;

static void ev_ready(void *ud, mb_conn *c)
{
    (void)c;
    ((events *)ud)->ready++;
}

static void ev_failed(void *ud, mb_conn *c, int err, int was_ready)
{
    events *e = ud;
    (void)c;
    e->failed++;
    e->last_err = err;
    e->was_ready = was_ready;
}

static void ev_requeue(void *ud, mb_net_req *r)
{
    events *e = ud;
    assert_true(e->n_requeued < 8);
    e->requeued[e->n_requeued++] = r;
}

static int ev_keep_bootstrap(void *ud, const mb_conn *c)
{
    (void)ud;
    (void)c;
    return 1;
}

static const mb_conn_events k_events = {ev_ready, ev_failed, ev_requeue, ev_keep_bootstrap};

static st_net g_net;
static broker g_b;
static events g_ev;
static mb_client_config g_cfg;
static mb_logger g_log;
static mb_client_stats g_stats;
static int32_t g_corr;
static uint64_t g_scratch[1024];
static mb_conn_env g_env;

static int setup(void **state)
{
    (void)state;
    memset(&g_b, 0, sizeof g_b);
    memset(&g_ev, 0, sizeof g_ev);
    memset(&g_stats, 0, sizeof g_stats);
    g_corr = 100;
    tu_log_clear();
    st_init(&g_net, respond, &g_b);
    mb_client_config_init(&g_cfg);
    g_cfg.transport = &g_net.t;
    g_cfg.now_ms = st_now;
    g_cfg.random = st_random;
    g_cfg.clock_ud = &g_net;
    g_cfg.request_timeout_ms = 2000;
    g_log.fn = tu_log_capture;
    g_log.ud = NULL;
    g_log.level = MB_LOG_DEBUG;
    memset(&g_env, 0, sizeof g_env);
    g_env.cfg = &g_cfg;
    g_env.al = msgbus_allocator_default();
    g_env.log = &g_log;
    g_env.client_id = "conn-test";
    g_env.next_corr = &g_corr;
    g_env.stats = &g_stats;
    g_env.scratch = g_scratch;
    g_env.scratch_size = sizeof g_scratch;
    g_env.ev = &k_events;
    g_env.ev_ud = &g_ev;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    st_free(&g_net);
    return 0;
}

static mb_conn *new_conn(void)
{
    mb_hostport hp;
    mb_conn *c;
    assert_int_equal(mb_addr_parse("127.0.0.1:9092", 14, &hp), 0);
    c = mb_conn_new(&g_env, 1, &hp);
    assert_non_null(c);
    return c;
}

/* Step the connection until it is ready (bounded), in fake time. */
static void until_ready(mb_conn *c)
{
    int i;
    mb_conn_kick(c, g_net.now);
    for (i = 0; i < 20 && c->state != MB_CONN_READY; i++) {
        mb_conn_step(c, g_net.now);
        g_net.now += 10;
    }
    assert_int_equal(c->state, MB_CONN_READY);
}

/* ---- requests ---- */

typedef struct rec {
    int done, err;
    int32_t value; /* the int32 the answer carries */
    int order;     /* completion order */
} rec;

static int g_order;

static int enc_four(void *ud, mb_wr *w, int16_t version)
{
    (void)ud;
    (void)version;
    return mb_wr_i32(w, 42);
}

static void rec_done(void *ud, int err, int16_t version, mb_rd *body)
{
    rec *r = ud;
    (void)version;
    r->done++;
    r->err = err;
    r->order = ++g_order;
    if (body)
        assert_int_equal(mb_rd_i32(body, &r->value), 0);
}

static void prod(mb_net_req *r, rec *out, int32_t broker_id)
{
    memset(r, 0, sizeof *r);
    memset(out, 0, sizeof *out);
    r->api_key = MB_API_PRODUCE;
    r->min_version = 3;
    r->max_version = 9;
    r->expect_response = 1;
    r->encode = enc_four;
    r->done = rec_done;
    r->ud = out;
    r->broker_id = broker_id;
}

/* ---- tests ---- */

static void test_connect_and_apiversions(void **state)
{
    mb_conn *c = new_conn();
    (void)state;
    assert_int_equal(c->state, MB_CONN_IDLE);
    until_ready(c);
    assert_int_equal(g_b.apiv_seen[3], 1);
    assert_int_equal(g_ev.ready, 1);
    assert_int_equal(g_ev.failed, 0);
    assert_int_equal(g_stats.connects, 1);
    assert_int_equal(mb_conn_pick_version(c, MB_API_PRODUCE, 3, 12), 9);
    assert_int_equal(mb_conn_pick_version(c, MB_API_FETCH, 4, 12), -1);
    mb_conn_free(c, MSGBUS_ERR_STATE);
}

static void test_apiversions_v3_to_v0(void **state)
{
    mb_conn *c = new_conn();
    (void)state;
    g_b.apiv_refuse_v3 = 1;
    until_ready(c);
    assert_int_equal(g_b.apiv_seen[3], 1);
    assert_int_equal(g_b.apiv_seen[0], 1);
    assert_int_equal(g_net.n_socks, 1); /* on the same connection */
    assert_int_equal(g_ev.ready, 1);
    assert_true(tu_log_has("ApiVersions v3 refused"));
    mb_conn_free(c, MSGBUS_ERR_STATE);
}

/* Three requests in flight at once, each with its own correlation id from the
 * environment's source; answers in reverse order reach the right requests. */
static void test_pipelining_with_correlation_ids(void **state)
{
    mb_conn *c = new_conn();
    mb_net_req r[3];
    rec out[3];
    msgbus_sock *s;
    int i;
    (void)state;
    until_ready(c);
    for (i = 0; i < 3; i++) {
        prod(&r[i], &out[i], 1);
        mb_conn_submit(c, &r[i], g_net.now);
    }
    mb_conn_step(c, g_net.now);
    assert_int_equal(g_b.n_corr, 3);
    assert_int_equal(c->n_inflight, 3);
    assert_true(g_b.corr[0] >= 100);
    assert_int_equal(g_b.corr[1], g_b.corr[0] + 1);
    assert_int_equal(g_b.corr[2], g_b.corr[0] + 2);
    s = st_live(&g_net);
    for (i = 2; i >= 0; i--) {
        static const uint8_t body[4] = {0, 0, 0, 0};
        uint8_t b[4];
        memcpy(b, body, 4);
        b[3] = (uint8_t)(10 + i);
        st_push_response(s, MB_API_PRODUCE, r[i].version, g_b.corr[i], b, 4);
    }
    mb_conn_step(c, g_net.now);
    for (i = 0; i < 3; i++) {
        assert_int_equal(out[i].done, 1);
        assert_int_equal(out[i].err, 0);
        assert_int_equal(out[i].value, 10 + i);
        assert_int_equal(out[i].order, 3 - i); /* in the order the answers came */
    }
    assert_int_equal(g_stats.responses, 4); /* ApiVersions + 3 */
    mb_conn_free(c, MSGBUS_ERR_STATE);
}

/* A request that gets no answer times out; the connection is closed and
 * the other request in flight completes with a retriable error. */
static void test_timeout(void **state)
{
    mb_conn *c = new_conn();
    mb_net_req r[2];
    rec out[2];
    (void)state;
    until_ready(c);
    prod(&r[0], &out[0], 1);
    r[0].timeout_ms = 500;
    prod(&r[1], &out[1], 1);
    mb_conn_submit(c, &r[0], g_net.now);
    mb_conn_submit(c, &r[1], g_net.now);
    mb_conn_step(c, g_net.now);
    assert_int_equal(c->n_inflight, 2);
    assert_int_equal(mb_conn_next_timer(c, g_net.now), 500);
    g_net.now += 499;
    mb_conn_step(c, g_net.now);
    assert_int_equal(out[0].done, 0);
    g_net.now += 1;
    mb_conn_step(c, g_net.now);
    assert_int_equal(out[0].done, 1);
    assert_int_equal(out[0].err, MSGBUS_ERR_TIMEOUT);
    assert_int_equal(out[1].done, 1);
    assert_int_equal(out[1].err, MSGBUS_ERR_TRANSPORT);
    assert_int_equal(g_ev.failed, 1);
    assert_int_equal(g_ev.was_ready, 1);
    assert_int_equal(c->state, MB_CONN_BACKOFF);
    assert_true(g_net.socks[0]->closed);
    assert_true(tu_log_has("request timed out"));
    mb_conn_free(c, MSGBUS_ERR_STATE);
}

/* The request that times out is not the first in flight: the one before it
 * still completes, once, with the retriable error (the fuzzer found it lost). */
static void test_timeout_not_first_in_flight(void **state)
{
    mb_conn *c = new_conn();
    mb_net_req r[3];
    rec out[3];
    int i;
    (void)state;
    until_ready(c);
    for (i = 0; i < 3; i++) {
        prod(&r[i], &out[i], 1);
        r[i].timeout_ms = i == 1 ? 300 : 5000;
        mb_conn_submit(c, &r[i], g_net.now);
    }
    mb_conn_step(c, g_net.now);
    assert_int_equal(c->n_inflight, 3);
    g_net.now += 300;
    mb_conn_step(c, g_net.now);
    assert_int_equal(out[1].err, MSGBUS_ERR_TIMEOUT);
    for (i = 0; i < 3; i++)
        assert_int_equal(out[i].done, 1);
    assert_int_equal(out[0].err, MSGBUS_ERR_TRANSPORT);
    assert_int_equal(out[2].err, MSGBUS_ERR_TRANSPORT);
    mb_conn_free(c, MSGBUS_ERR_STATE);
    for (i = 0; i < 3; i++)
        assert_int_equal(out[i].done, 1);
}

/* A frame with a negative size closes the connection; every request in
 * flight completes once with MSGBUS_ERR_TRANSPORT (retriable), never with
 * the decoder's error (issue 12 item 4). */
static void test_malformed_frame(void **state)
{
    mb_conn *c = new_conn();
    mb_net_req r[2];
    rec out[2];
    (void)state;
    until_ready(c);
    prod(&r[0], &out[0], 1);
    prod(&r[1], &out[1], 1);
    mb_conn_submit(c, &r[0], g_net.now);
    mb_conn_submit(c, &r[1], g_net.now);
    mb_conn_step(c, g_net.now);
    assert_int_equal(c->n_inflight, 2);
    st_push(st_live(&g_net), "\xff\xff\xff\xf0garbage", 11);
    mb_conn_step(c, g_net.now);
    assert_int_equal(out[0].done, 1);
    assert_int_equal(out[1].done, 1);
    assert_int_equal(out[0].err, MSGBUS_ERR_TRANSPORT);
    assert_int_equal(out[1].err, MSGBUS_ERR_TRANSPORT);
    assert_true(msgbus_err_retriable(out[0].err));
    assert_int_equal(g_ev.failed, 1);
    assert_int_equal(c->state, MB_CONN_BACKOFF);
    assert_true(g_net.socks[0]->closed);
    mb_conn_free(c, MSGBUS_ERR_STATE);
}

/* A frame larger than max_frame_size closes the connection the same way. */
static void test_oversized_frame(void **state)
{
    mb_conn *c;
    mb_net_req r;
    rec out;
    (void)state;
    g_cfg.max_frame_size = 1024;
    c = new_conn();
    until_ready(c);
    prod(&r, &out, 1);
    mb_conn_submit(c, &r, g_net.now);
    mb_conn_step(c, g_net.now);
    st_push(st_live(&g_net), "\x00\x00\x10\x00", 4); /* 4096 > 1024 */
    mb_conn_step(c, g_net.now);
    assert_int_equal(out.done, 1);
    assert_int_equal(out.err, MSGBUS_ERR_TRANSPORT);
    assert_int_equal(g_ev.last_err, MSGBUS_ERR_FRAME_TOO_LARGE);
    mb_conn_free(c, MSGBUS_ERR_STATE);
}

/* A refused connect: the MB_BROKER_ANY request goes back up through the
 * requeue event; the one for this broker stays and is sent after the
 * backoff, on the next connection. */
static void test_reconnect_hands_requests_back(void **state)
{
    mb_conn *c = new_conn();
    mb_net_req any, mine;
    rec out_any, out_mine;
    int i;
    (void)state;
    g_b.answer_produce = 1;
    g_net.next.refuse = 1;
    prod(&any, &out_any, MB_BROKER_ANY);
    prod(&mine, &out_mine, 1);
    mb_conn_submit(c, &any, g_net.now);
    mb_conn_submit(c, &mine, g_net.now); /* kicks the connection */
    mb_conn_step(c, g_net.now);
    assert_int_equal(g_ev.failed, 1);
    assert_int_equal(g_ev.was_ready, 0);
    assert_int_equal(c->state, MB_CONN_BACKOFF);
    assert_int_equal(g_ev.n_requeued, 1);
    assert_ptr_equal(g_ev.requeued[0], &any);
    assert_int_equal(out_any.done, 0); /* handed back, not failed */
    assert_int_equal(out_mine.done, 0);
    g_net.next.refuse = 0;
    for (i = 0; i < 30 && !out_mine.done; i++) {
        g_net.now += mb_conn_next_timer(c, g_net.now) < 50 ? 10 : 50;
        mb_conn_step(c, g_net.now);
    }
    assert_int_equal(g_net.n_socks, 2);
    assert_int_equal(out_mine.done, 1);
    assert_int_equal(out_mine.err, 0);
    assert_int_equal(out_mine.value, 7);
    assert_int_equal(g_ev.ready, 1);
    mb_conn_free(c, MSGBUS_ERR_STATE);
}

/* Timeouts of 2^31 ms and more are clamped: they never expire at once
 * (issue 12 item 5). */
static void test_long_timeout_does_not_expire(void **state)
{
    mb_conn *c = new_conn();
    mb_net_req r[2];
    rec out[2];
    (void)state;
    until_ready(c);
    prod(&r[0], &out[0], 1);
    r[0].timeout_ms = 0x80000000u;
    prod(&r[1], &out[1], 1);
    r[1].timeout_ms = 0xffffffffu;
    mb_conn_submit(c, &r[0], g_net.now);
    mb_conn_submit(c, &r[1], g_net.now);
    mb_conn_step(c, g_net.now);
    g_net.now += 1000;
    mb_conn_step(c, g_net.now);
    assert_int_equal(out[0].done, 0);
    assert_int_equal(out[1].done, 0);
    assert_int_equal(c->n_inflight, 2);
    assert_true(mb_conn_next_timer(c, g_net.now) > 0x7fff0000u);
    mb_conn_free(c, MSGBUS_ERR_STATE);
    assert_int_equal(out[0].err, MSGBUS_ERR_STATE);
    assert_int_equal(out[1].done, 1);
}

/* A request queued while the connection is still in its handshake times out
 * on time (the fuzzer found the loop spinning at 0 ms until the connect
 * timeout: the timer counted the request, the handshake step never expired it). */
static void test_queued_request_expires_during_handshake(void **state)
{
    mb_conn *c = new_conn();
    mb_net_req r;
    rec out;
    int i;
    (void)state;
    g_b.apiv_silent = 1;
    g_cfg.connect_timeout_ms = 10000;
    prod(&r, &out, 1);
    r.timeout_ms = 300;
    mb_conn_kick(c, g_net.now);
    mb_conn_submit(c, &r, g_net.now);
    for (i = 0; i < 5 && c->state != MB_CONN_HANDSHAKE; i++)
        mb_conn_step(c, g_net.now);
    assert_int_equal(c->state, MB_CONN_HANDSHAKE);
    g_net.now += 299;
    mb_conn_step(c, g_net.now);
    assert_int_equal(out.done, 0);
    assert_int_equal(mb_conn_next_timer(c, g_net.now), 1);
    g_net.now += 1;
    mb_conn_step(c, g_net.now);
    assert_int_equal(out.done, 1);
    assert_int_equal(out.err, MSGBUS_ERR_TIMEOUT);
    assert_int_equal(c->state, MB_CONN_HANDSHAKE); /* the connection itself goes on */
    assert_true(mb_conn_next_timer(c, g_net.now) > 9000);
    mb_conn_free(c, MSGBUS_ERR_STATE);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_connect_and_apiversions),
        T(test_apiversions_v3_to_v0),
        T(test_pipelining_with_correlation_ids),
        T(test_timeout),
        T(test_timeout_not_first_in_flight),
        T(test_malformed_frame),
        T(test_oversized_frame),
        T(test_reconnect_hands_requests_back),
        T(test_long_timeout_does_not_expire),
        T(test_queued_request_expires_during_handshake),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
