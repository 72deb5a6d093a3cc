/* test_net_client.c - connections, the request pipeline, reconnects and the
 * metadata cache, against the scripted transport and its fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/port.h"
#include "net/client_int.h"
#include "proto/api_versions.h"
#include "proto/metadata.h"
#include "scripted_transport.c"
#include "testutil.h"

/* ---- a scripted broker ---- */

typedef struct broker {
    int apiv_refuse_v3;   /* answer ApiVersions v1+ with UNSUPPORTED_VERSION */
    int16_t metadata_max; /* Metadata versions offered: 0..metadata_max */
    int silent_metadata;  /* never answer Metadata */
    int half_then_close;  /* deliver half the Metadata answer, then close */
    int extra_unmatched;  /* also send a response to correlation id 999999 */
    int huge_prefix;      /* answer Metadata with a 2 GB size prefix */
    int32_t leader;       /* leader of partition 0 */
    int apiv_seen[4];     /* ApiVersions requests seen, by version */
    int16_t md_version;   /* version of the last Metadata request */
    int md_seen;
    int offer_produce;   /* list Produce v3 in the ApiVersions answer */
    int produce_seen;    /* Produce-shaped requests answered */
    int produce_garbage; /* answer Produce with a frame of negative size */
    int garble;          /* 1 bad host, 2 negative node id, 3 leader no broker has */
    int garble_left;     /* Metadata answers still to garble */
    int huge_md;         /* answer Metadata with a 20 MiB hostile frame (test feeds it) */
} broker;

static void answer_apiversions(broker *b, msgbus_sock *s, const mb_req_hdr *h)
{
    mb_api_versions_key keys[3] = {
        {MB_API_API_VERSIONS, 0, 3}, {MB_API_METADATA, 0, 0}, {MB_API_PRODUCE, 3, 3}};
    mb_api_versions_resp resp;
    uint8_t body[256];
    mb_wr w;
    int16_t v = h->api_version;
    memset(&resp, 0, sizeof resp);
    keys[1].max_version = b->metadata_max;
    resp.api_keys = keys;
    resp.n_api_keys = b->offer_produce ? 3 : 2;
    resp.finalized_features_epoch = -1;
    if (b->apiv_refuse_v3 && v > 0) {
        resp.error_code = MSGBUS_KERR_UNSUPPORTED_VERSION;
        v = 0; /* the broker answers in the v0 layout */
    }
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_api_versions_resp_write(&w, v, &resp), 0);
    st_push_response(s, h->api_key, h->api_version, h->correlation_id, body, w.len);
}

static void answer_metadata(broker *b, msgbus_sock *s, const mb_req_hdr *h)
{
    mb_metadata_broker brokers[3] = {{1, {"127.0.0.1", 9}, 9092, MB_STR_NULL},
                                     {2, {"127.0.0.2", 9}, 9092, {"rack-b", 6}},
                                     {3, {"127.0.0.3", 9}, 9092, MB_STR_NULL}};
    int32_t reps[2] = {1, 2};
    mb_metadata_partition parts[2] = {{0, 0, 0, -1, reps, 2, reps, 2, NULL, 0},
                                      {0, 1, 2, -1, reps, 2, reps, 1, NULL, 0}};
    mb_metadata_topic topic = {0, {"orders", 6}, {{0}}, 0, parts, 2, MB_METADATA_AUTH_OPS_UNKNOWN};
    mb_metadata_resp resp = {0, brokers, 3, {"cluster-x", 9},
                             1, &topic,  1, MB_METADATA_AUTH_OPS_UNKNOWN};
    static uint8_t body[4096];
    mb_wr w;
    parts[0].leader_id = b->leader;
    if (b->garble_left > 0) {
        b->garble_left--;
        if (b->garble == 1)
            brokers[0].host = mb_str_c("bad host!");
        else if (b->garble == 2)
            brokers[0].node_id = -7;
        else
            parts[0].leader_id = 9;
    }
    if (b->huge_md) {
        uint8_t hdr[12] = {0x01, 0x40, 0x00, 0x08, 0, 0, 0, 0, 0x00, 0x0f, 0x42, 0x40};
        /* size 20 MiB + 8, the correlation id, then 1,000,000 brokers, and
         * the test sends the zeros that follow */
        hdr[4] = (uint8_t)(h->correlation_id >> 24);
        hdr[5] = (uint8_t)(h->correlation_id >> 16);
        hdr[6] = (uint8_t)(h->correlation_id >> 8);
        hdr[7] = (uint8_t)h->correlation_id;
        st_push(s, hdr, sizeof hdr);
        return;
    }
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_metadata_resp_write(&w, h->api_version, &resp), 0);
    if (b->huge_prefix) {
        st_push(s, "\x7f\xff\xff\xf0", 4);
        return;
    }
    if (b->half_then_close) {
        uint8_t full[4200];
        size_t n;
        st_push_response(s, h->api_key, h->api_version, h->correlation_id, body, w.len);
        n = s->in_len - s->in_off;
        memcpy(full, s->in + s->in_off, n);
        s->in_len = s->in_off + n / 2;
        s->peer_close = 1;
        return;
    }
    if (b->extra_unmatched)
        st_push_response(s, h->api_key, h->api_version, 999999, body, w.len);
    st_push_response(s, h->api_key, h->api_version, h->correlation_id, body, w.len);
}

static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    broker *b = ud;
    (void)net;
    (void)body;
    if (h->api_key == MB_API_API_VERSIONS) {
        b->apiv_seen[h->api_version]++;
        answer_apiversions(b, s, h);
    } else if (h->api_key == MB_API_METADATA) {
        b->md_seen++;
        b->md_version = h->api_version;
        if (!b->silent_metadata)
            answer_metadata(b, s, h);
    } else if (h->api_key == MB_API_PRODUCE) {
        static const uint8_t four[4] = {0, 0, 0, 0};
        b->produce_seen++;
        if (b->produce_garbage) {
            st_push(s, "\xff\xff\xff\xf0", 4);
            return;
        }
        st_push_response(s, h->api_key, h->api_version, h->correlation_id, four, 4);
    }
}

/* ---- fixtures ---- */

static st_net g_net;
static broker g_b;
static void config(const char *bootstrap, mb_client_config *out)
{
    mb_client_config cfg;
    mb_client_config_init(&cfg);
    cfg.bootstrap = bootstrap;
    cfg.transport = &g_net.t;
    cfg.now_ms = st_now;
    cfg.random = st_random;
    cfg.clock_ud = &g_net;
    cfg.log = tu_log_capture;
    cfg.log_level = MB_LOG_DEBUG;
    cfg.request_timeout_ms = 2000;
    *out = cfg;
}

static mb_client *make(const char *bootstrap)
{
    mb_client_config cfg;
    mb_client *c = NULL;
    config(bootstrap, &cfg);
    assert_int_equal(mb_client_create(&c, &cfg), 0);
    return c;
}

static int setup(void **state)
{
    (void)state;
    memset(&g_b, 0, sizeof g_b);
    g_b.metadata_max = 2;
    g_b.leader = 1;
    tu_log_clear();
    st_init(&g_net, respond, &g_b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    st_free(&g_net);
    return 0;
}

/* ---- tests ---- */

static void test_bootstrap_handshake_metadata(void **state)
{
    mb_client *c = make("127.0.0.1:9092");
    mb_cluster_view v;
    mb_client_stats st;
    (void)state;
    assert_int_equal(mb_client_want_topic(c, "orders"), 0);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(g_b.apiv_seen[3], 1);
    assert_int_equal(g_b.md_version, 2); /* highest both speak */
    mb_client_cluster(c, &v);
    assert_true(v.valid);
    assert_int_equal(v.n_brokers, 3);
    assert_string_equal(v.brokers[1].host, "127.0.0.2");
    assert_string_equal(v.brokers[1].rack, "rack-b");
    assert_string_equal(v.cluster_id, "cluster-x");
    assert_int_equal(v.n_topics, 1);
    assert_string_equal(v.topics[0].name, "orders");
    assert_int_equal(v.topics[0].n_partitions, 2);
    assert_int_equal(mb_client_leader(c, "orders", 1), 2);
    assert_int_equal(mb_client_leader(c, "orders", 7), -1);
    /* the bootstrap connection was adopted as broker 1: no second connection */
    assert_int_equal(g_net.n_socks, 1);
    assert_int_equal(mb_client_api_version(c, 1, MB_API_METADATA), 2);
    mb_client_get_stats(c, &st);
    assert_int_equal(st.metadata_refreshes, 1);
    assert_int_equal(st.connects, 1);
    mb_client_destroy(c);
}

static void test_apiversions_fallback_to_v0(void **state)
{
    mb_client *c;
    (void)state;
    g_b.apiv_refuse_v3 = 1;
    c = make("127.0.0.1:9092");
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(g_b.apiv_seen[3], 1);
    assert_int_equal(g_b.apiv_seen[0], 1);
    assert_int_equal(g_net.n_socks, 1); /* on the same connection */
    assert_true(tu_log_has("ApiVersions v3 refused"));
    mb_client_destroy(c);
}

static void test_version_cap(void **state)
{
    mb_client_config cfg;
    mb_client *c = NULL;
    (void)state;
    config("127.0.0.1:9092", &cfg);
    cfg.api_version_cap[MB_API_METADATA] = 1;
    assert_int_equal(mb_client_create(&c, &cfg), 0);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(g_b.md_version, 1);
    mb_client_destroy(c);
}

static void test_partial_writes_and_would_block(void **state)
{
    mb_client *c;
    (void)state;
    g_net.next.send_chunk = 3;
    g_net.next.would_block = 25;
    g_net.next.connect_polls = 4;
    c = make("127.0.0.1:9092");
    assert_int_equal(mb_client_want_topic(c, "orders"), 0);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(mb_client_leader(c, "orders", 0), 1);
    mb_client_destroy(c);
}

static void test_response_one_byte_at_a_time(void **state)
{
    mb_client *c;
    mb_client_stats st;
    (void)state;
    g_net.next.recv_chunk = 1;
    c = make("127.0.0.1:9092");
    assert_int_equal(mb_client_want_topic(c, "orders"), 0);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    mb_client_get_stats(c, &st);
    assert_int_equal(st.responses, 2);
    assert_int_equal(mb_client_leader(c, "orders", 1), 2);
    mb_client_destroy(c);
}

static void test_unknown_correlation_id_discarded(void **state)
{
    mb_client *c;
    mb_client_stats st;
    (void)state;
    g_b.extra_unmatched = 1;
    c = make("127.0.0.1:9092");
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    mb_client_get_stats(c, &st);
    assert_int_equal(st.unmatched_responses, 1);
    assert_int_equal(st.disconnects, 0);
    assert_false(g_net.socks[0]->closed);
    mb_client_destroy(c);
}

static void test_silent_broker_times_out_and_reconnects(void **state)
{
    mb_client *c;
    mb_client_stats st;
    uint32_t t0;
    (void)state;
    g_b.silent_metadata = 1;
    c = make("127.0.0.1:9092");
    t0 = g_net.now;
    assert_int_equal(mb_client_wait_ready(c, 4500), MSGBUS_ERR_TIMEOUT);
    mb_client_get_stats(c, &st);
    assert_true(st.timeouts >= 1);
    assert_true(g_net.socks[0]->closed);                    /* the silent connection was dropped */
    assert_true(g_net.n_socks >= 2);                        /* and made again */
    assert_true(g_net.socks[1]->connect_time - t0 >= 2000); /* after the 2 s timeout */
    assert_true(g_b.md_seen >= 2);
    assert_true(tu_log_has("request timed out"));
    mb_client_destroy(c);
}

static void test_reset_mid_frame(void **state)
{
    mb_client *c;
    uint32_t gap;
    (void)state;
    g_b.half_then_close = 1;
    c = make("127.0.0.1:9092");
    while (g_net.n_socks < 2 && g_net.now < 10000)
        mb_client_poll(c, 100);
    assert_true(g_net.n_socks >= 2);
    assert_true(g_net.socks[0]->closed);
    gap = g_net.socks[1]->connect_time - g_net.socks[0]->connect_time;
    assert_true(gap >= 80 && gap <= 500); /* first backoff: 100 ms +/- 20% (plus a poll) */
    g_b.half_then_close = 0;
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    mb_client_destroy(c);
}

static void test_close_on_accept_backoff_and_retries(void **state)
{
    mb_client_config cfg;
    mb_client *c = NULL;
    int i;
    (void)state;
    config("127.0.0.1:9092", &cfg);
    g_net.next.close_on_accept = 1;
    cfg.connect_retries = 5;
    assert_int_equal(mb_client_create(&c, &cfg), 0);
    assert_int_equal(mb_client_wait_ready(c, 60000), MSGBUS_ERR_TRANSPORT);
    assert_int_equal(g_net.n_socks, 5);
    /* each delay about doubles: 100, 200, 400, 800 ms, each within +/-20% */
    for (i = 1; i < 5; i++) {
        uint32_t gap = g_net.socks[i]->connect_time - g_net.socks[i - 1]->connect_time;
        uint32_t base = 100u << (i - 1);
        assert_true(gap >= base * 4 / 5);
        assert_true(gap <= base * 6 / 5 + 100);
    }
    mb_client_destroy(c);
}

static void test_refused_then_second_bootstrap(void **state)
{
    mb_client *c;
    int i;
    (void)state;
    g_net.refuse_host = "127.0.0.9";
    c = make("127.0.0.9:9092, 127.0.0.1:9092");
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_string_equal(g_net.socks[0]->host, "127.0.0.9"); /* tried first, refused */
    assert_true(g_net.socks[0]->sc.refuse);
    for (i = 0; i < g_net.n_socks; i++) /* metadata came through the second entry */
        if (!g_net.socks[i]->sc.refuse)
            assert_string_equal(g_net.socks[i]->host, "127.0.0.1");
    mb_client_destroy(c);
}

static void test_leader_change_followed(void **state)
{
    mb_client *c;
    (void)state;
    c = make("127.0.0.1:9092");
    assert_int_equal(mb_client_want_topic(c, "orders"), 0);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(mb_client_leader(c, "orders", 0), 1);
    g_b.leader = 3;
    mb_client_refresh_metadata(c, 0);
    while (mb_client_leader(c, "orders", 0) != 3 && g_net.now < 20000)
        mb_client_poll(c, 100);
    assert_int_equal(mb_client_leader(c, "orders", 0), 3);
    /* a partition without a leader makes the client ask again by itself */
    g_b.leader = -1;
    mb_client_refresh_metadata(c, 0);
    while (mb_client_leader(c, "orders", 0) != -1 && g_net.now < 30000)
        mb_client_poll(c, 100);
    g_b.leader = 2;
    while (mb_client_leader(c, "orders", 0) != 2 && g_net.now < 40000)
        mb_client_poll(c, 100);
    assert_int_equal(mb_client_leader(c, "orders", 0), 2);
    mb_client_destroy(c);
}

static void test_periodic_refresh(void **state)
{
    mb_client_config cfg;
    mb_client *c = NULL;
    mb_client_stats st;
    uint32_t until;
    (void)state;
    config("127.0.0.1:9092", &cfg);
    cfg.metadata_max_age_ms = 1000;
    assert_int_equal(mb_client_create(&c, &cfg), 0);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    until = g_net.now + 5500;
    while (msgbus_time_diff(g_net.now, until) < 0)
        mb_client_poll(c, 100);
    mb_client_get_stats(c, &st);
    assert_true(st.metadata_refreshes >= 5 && st.metadata_refreshes <= 7);
    mb_client_destroy(c);
}

static void test_huge_size_prefix_closes_connection(void **state)
{
    mb_client *c;
    (void)state;
    g_b.huge_prefix = 1;
    c = make("127.0.0.1:9092");
    mb_client_poll(c, 10);
    assert_int_equal(g_net.n_socks, 1);
    while (!g_net.socks[0]->closed && g_net.now < 10000)
        mb_client_poll(c, 100);
    assert_true(g_net.socks[0]->closed);
    assert_true(tu_log_has("MSGBUS_ERR_FRAME_TOO_LARGE"));
    mb_client_destroy(c);
}

/* A request for an API the broker does not speak. */
static int enc_nothing(void *ud, mb_wr *w, int16_t version)
{
    (void)ud;
    (void)version;
    return mb_wr_i32(w, 0);
}

static int g_done_err = 1;

static void done_record(void *ud, int err, int16_t version, mb_rd *body)
{
    (void)ud;
    (void)version;
    (void)body;
    g_done_err = err;
}

static void test_no_common_version(void **state)
{
    mb_client *c;
    mb_net_req r;
    (void)state;
    c = make("127.0.0.1:9092");
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    memset(&r, 0, sizeof r);
    r.api_key = MB_API_PRODUCE; /* the scripted broker lists only ApiVersions and Metadata */
    r.min_version = 3;
    r.max_version = 9;
    r.expect_response = 1;
    r.encode = enc_nothing;
    r.done = done_record;
    g_done_err = 1;
    assert_int_equal(mb_client_send(c, 1, &r), 0);
    mb_client_poll(c, 10);
    assert_int_equal(g_done_err, MSGBUS_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(mb_client_send(c, 42, &r), MSGBUS_ERR_STATE); /* unknown broker */
    r.encode = NULL;
    assert_int_equal(mb_client_send(c, 1, &r), MSGBUS_ERR_INVALID_ARG);
    mb_client_destroy(c);
}

/* ---- ready work runs in the same step (issue 14) ---- */

/* A Produce-shaped request of the test's own: four bytes out, any answer. */
static int g_prod_done, g_prod_err;

static void prod_done(void *ud, int err, int16_t version, mb_rd *body)
{
    (void)ud;
    (void)version;
    (void)body;
    g_prod_done++;
    g_prod_err = err;
}

static void prod_req(mb_net_req *r)
{
    memset(r, 0, sizeof *r);
    r->api_key = MB_API_PRODUCE;
    r->min_version = 3;
    r->max_version = 3;
    r->expect_response = 1;
    r->encode = enc_nothing;
    r->done = prod_done;
}

/* What a producer does: once the leader is known, queue one request for it;
 * poll with a long timeout. Return the number of polls it took. */
static int produce_once(mb_client *c, mb_net_req *r)
{
    int polls = 0, queued = 0;
    g_prod_done = 0;
    g_prod_err = 1;
    while (!g_prod_done && polls < 4) {
        int32_t leader = mb_client_leader(c, "orders", 0);
        if (!queued && leader >= 0) {
            prod_req(r);
            assert_int_equal(mb_client_send(c, leader, r), 0);
            queued = 1;
        }
        assert_int_equal(mb_client_poll(c, 1000), 0);
        polls++;
    }
    return polls;
}

/* Cold start: connect -> ApiVersions -> Metadata -> Produce, no time passes. */
static void test_same_step_cold_start(void **state)
{
    mb_client *c = make("127.0.0.1:9092");
    mb_net_req r;
    uint32_t t0 = g_net.now;
    (void)state;
    g_b.offer_produce = 1;
    assert_int_equal(mb_client_want_topic(c, "orders"), 0);
    assert_int_equal(mb_client_poll(c, 1000), 0);
    /* one poll: connected, versions known, metadata arrived */
    assert_int_equal(g_b.apiv_seen[3], 1);
    assert_int_equal(g_b.md_seen, 1);
    assert_int_equal(mb_client_leader(c, "orders", 0), 1);
    assert_int_equal(g_net.now, t0);
    assert_true(produce_once(c, &r) <= 1);
    assert_int_equal(g_prod_err, 0);
    assert_int_equal(g_b.produce_seen, 1);
    assert_int_equal(g_net.now, t0); /* the clock never moved: no timer was waited for */
    mb_client_destroy(c);
}

/* A topic wanted right after the bootstrap answer is asked for at once, not
 * after the reconnect backoff (the cause of the 100 ms first-message stall). */
static void test_same_step_topic_after_bootstrap(void **state)
{
    mb_client *c = make("127.0.0.1:9092");
    mb_net_req r;
    uint32_t t0;
    (void)state;
    g_b.offer_produce = 1;
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(g_b.md_seen, 1);
    t0 = g_net.now;
    assert_int_equal(mb_client_want_topic(c, "orders"), 0);
    assert_true(produce_once(c, &r) <= 2);
    assert_int_equal(g_b.md_seen, 2);
    assert_int_equal(g_prod_err, 0);
    assert_int_equal(g_b.produce_seen, 1);
    assert_int_equal(g_net.now, t0);
    mb_client_destroy(c);
}

/* Port/none: the application's poll(0) after a state change does the
 * follow-up at once (here: a topic wanted after the bootstrap answer). */
static void test_poll_zero_does_follow_up(void **state)
{
    mb_client *c = make("127.0.0.1:9092");
    uint32_t t0;
    (void)state;
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    t0 = g_net.now;
    assert_int_equal(mb_client_want_topic(c, "orders"), 0);
    assert_int_equal(mb_client_poll(c, 0), 0);
    assert_int_equal(g_b.md_seen, 2);
    assert_int_equal(mb_client_leader(c, "orders", 0), 1);
    assert_int_equal(g_net.now, t0);
    mb_client_destroy(c);
}

/* ---- hostile answers (issue 12) ---- */

/* Item 8: an unusable Metadata answer is refused with its reason logged, and
 * a further request goes out after the backoff. */
static void garbled_then_good(int garble)
{
    mb_client *c;
    setup(NULL);
    g_b.garble = garble;
    g_b.garble_left = 2;
    c = make("127.0.0.1:9092");
    assert_int_equal(mb_client_want_topic(c, "orders"), 0);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(g_b.md_seen, 3);
    assert_true(tu_log_has("Metadata response refused"));
    assert_int_equal(mb_client_leader(c, "orders", 0), 1);
    mb_client_destroy(c);
    teardown(NULL);
}

static void test_garbled_metadata_asks_again(void **state)
{
    (void)state;
    garbled_then_good(1);
    assert_true(tu_log_has("not a host name or address"));
    garbled_then_good(2);
    assert_true(tu_log_has("negative node id"));
}

/* A leader no broker in the answer has is no leader: ask again. */
static void test_leader_without_broker_refreshes(void **state)
{
    mb_client *c;
    (void)state;
    g_b.garble = 3;
    g_b.garble_left = 1;
    c = make("127.0.0.1:9092");
    assert_int_equal(mb_client_want_topic(c, "orders"), 0);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(mb_client_leader(c, "orders", 0), -1); /* not 9 */
    while (mb_client_leader(c, "orders", 0) != 1 && g_net.now < 10000)
        mb_client_poll(c, 1000);
    assert_int_equal(mb_client_leader(c, "orders", 0), 1);
    assert_int_equal(g_b.md_seen, 2);
    mb_client_destroy(c);
}

/* Answers that are never usable: waiting ends with the reason, soon. */
static void test_garbled_metadata_wait_says_why(void **state)
{
    mb_client *c;
    uint32_t t0 = g_net.now;
    (void)state;
    g_b.garble = 1;
    g_b.garble_left = 1000;
    c = make("127.0.0.1:9092");
    assert_int_equal(mb_client_wait_ready(c, 10000), MSGBUS_ERR_MALFORMED);
    assert_true(g_net.now - t0 < 2000);
    assert_true(g_b.md_seen >= 3);
    mb_client_destroy(c);
}

/* Item 4: a malformed frame fails every request in flight with a retriable error. */
static void test_malformed_frame_is_retriable(void **state)
{
    mb_client *c = make("127.0.0.1:9092");
    mb_net_req r;
    (void)state;
    g_b.offer_produce = 1;
    g_b.produce_garbage = 1;
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    prod_req(&r);
    g_prod_done = 0;
    assert_int_equal(mb_client_send(c, 1, &r), 0);
    mb_client_poll(c, 0);
    assert_int_equal(g_prod_done, 1);
    assert_int_equal(g_prod_err, MSGBUS_ERR_TRANSPORT);
    assert_true(msgbus_err_retriable(g_prod_err));
    assert_true(g_net.socks[0]->closed);
    mb_client_destroy(c);
}

/* Item 5: a wait of 2^31 ms or more does not end at once. */
static void test_long_wait_does_not_expire_at_once(void **state)
{
    mb_client *c;
    (void)state;
    g_net.refuse_host = "127.0.0.1";
    c = make("127.0.0.1:9092");
    /* it ends when the connect retries are spent, not with TIMEOUT at once */
    assert_int_equal(mb_client_wait_ready(c, 0x80000000u), MSGBUS_ERR_TRANSPORT);
    assert_int_equal(g_net.n_socks, 3);
    mb_client_destroy(c);
}

/* ---- an allocator that keeps count ---- */

static size_t g_live, g_peak, g_biggest;

static void *count_alloc(void *ctx, size_t n)
{
    (void)ctx;
    g_live += n;
    if (g_live > g_peak)
        g_peak = g_live;
    if (n > g_biggest)
        g_biggest = n;
    return malloc(n);
}

static void count_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    g_live -= n;
    free(p);
}

/* Item 13: a 20 MiB hostile Metadata frame (a million brokers of zeros)
 * costs the frame plus at most MSGBUS_CFG_METADATA_ARENA_MAX, not 8x. */
static void test_huge_metadata_frame_bounded(void **state)
{
    static const msgbus_allocator counting = {count_alloc, count_free, NULL};
    static uint8_t zeros[60000];
    const size_t frame = 20u * 1024u * 1024u;
    mb_client_config cfg;
    mb_client *c = NULL;
    msgbus_sock *s;
    size_t sent = 0; /* zeros sent after the broker count */
    int i;
    const msgbus_allocator *heap = msgbus_allocator_default();
    size_t need = frame + (size_t)MSGBUS_CFG_METADATA_ARENA_MAX;
    void *probe = heap->alloc(heap->ctx, need);
    (void)state;
    if (!probe) /* a small target (the emulated Cortex-M4) cannot hold such a frame at all */
        skip();
    heap->free(heap->ctx, probe, need);
    config("127.0.0.1:9092", &cfg);
    cfg.alloc = &counting;
    g_live = g_peak = g_biggest = 0;
    g_b.huge_md = 1;
    assert_int_equal(mb_client_create(&c, &cfg), 0);
    for (i = 0; i < 2000 && sent < frame; i++) {
        mb_client_poll(c, 0);
        s = st_live(&g_net);
        if (s && s->in_off == s->in_len && g_b.md_seen == 1) {
            size_t n = frame - sent < sizeof zeros ? frame - sent : sizeof zeros;
            st_push(s, zeros, n);
            sent += n;
        }
    }
    assert_int_equal(sent, frame);
    mb_client_poll(c, 0);
    assert_true(tu_log_has("Metadata response refused"));
    assert_true(g_biggest <= frame + 64);
    assert_true(g_peak <= frame + (size_t)MSGBUS_CFG_METADATA_ARENA_MAX + 1024u * 1024u);
    mb_client_destroy(c);
    assert_int_equal(g_live, 0);
}

/* An allocator that refuses blocks of 4 KiB and more once armed. */
static int g_refuse_big;

static void *picky_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return g_refuse_big && n >= 4096 ? NULL : malloc(n);
}

static void picky_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    (void)n;
    free(p);
}

/* No memory for the Metadata answer: waiting says NOMEM, not just TIMEOUT. */
static void test_metadata_without_memory(void **state)
{
    static const msgbus_allocator picky = {picky_alloc, picky_free, NULL};
    mb_client_config cfg;
    mb_client *c = NULL;
    (void)state;
    config("127.0.0.1:9092", &cfg);
    cfg.alloc = &picky;
    g_refuse_big = 0;
    assert_int_equal(mb_client_create(&c, &cfg), 0);
    g_refuse_big = 1;
    assert_int_equal(mb_client_wait_ready(c, 3000), MSGBUS_ERR_NOMEM);
    assert_true(tu_log_has("no memory to decode a Metadata response"));
    g_refuse_big = 0;
    assert_int_equal(mb_client_wait_ready(c, 3000), 0); /* and it recovers */
    mb_client_destroy(c);
}

static void test_bad_configuration(void **state)
{
    static const char *bad[] = {"",          "localhost", "host:0",   "host:65536", "host:-1",
                                "host:12ab", "[::1:9092", "a b:9092", "h:1,,h:2",   ":9092"};
    mb_client_config cfg;
    mb_client *c = (mb_client *)&cfg;
    size_t i;
    (void)state;
    config("127.0.0.1:9092", &cfg);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg.bootstrap = bad[i];
        assert_int_equal(mb_client_create(&c, &cfg), MSGBUS_ERR_INVALID_ARG);
        assert_null(c);
    }
    assert_true(tu_log_has("invalid bootstrap list"));
    cfg.bootstrap = "[::1]:9092,localhost:9093";
    assert_int_equal(mb_client_create(&c, &cfg), 0);
    mb_client_destroy(c);
    cfg.transport = NULL;
    assert_int_equal(mb_client_create(&c, &cfg), MSGBUS_ERR_INVALID_ARG);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_bootstrap_handshake_metadata),
        T(test_apiversions_fallback_to_v0),
        T(test_version_cap),
        T(test_partial_writes_and_would_block),
        T(test_response_one_byte_at_a_time),
        T(test_unknown_correlation_id_discarded),
        T(test_silent_broker_times_out_and_reconnects),
        T(test_reset_mid_frame),
        T(test_close_on_accept_backoff_and_retries),
        T(test_refused_then_second_bootstrap),
        T(test_leader_change_followed),
        T(test_periodic_refresh),
        T(test_huge_size_prefix_closes_connection),
        T(test_no_common_version),
        T(test_same_step_cold_start),
        T(test_same_step_topic_after_bootstrap),
        T(test_poll_zero_does_follow_up),
        T(test_garbled_metadata_asks_again),
        T(test_leader_without_broker_refreshes),
        T(test_garbled_metadata_wait_says_why),
        T(test_malformed_frame_is_retriable),
        T(test_long_wait_does_not_expire_at_once),
        T(test_huge_metadata_frame_bounded),
        T(test_metadata_without_memory),
        T(test_bad_configuration),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
