/*
 * test_net_sasl.c - the SASL exchange of a connection, against a scripted
 * broker and its fake clock (the test broker speaks no SASL).
 *
 * Each request the client sends is compared byte for byte with a frame
 * built here by hand from Kafka's protocol description (SaslHandshake v1,
 * SaslAuthenticate v0 and v2), independently of msgbus's own encoder; the
 * SCRAM messages are the ones Python's hashlib and hmac compute for the
 * same user, password, nonces, salt and iteration count:
 *
 *   python3 -c 'import hashlib,hmac,base64; ...' (see scram_vectors below)
 *
 * It also checks: nothing but ApiVersions goes before authentication ends;
 * the exchange is repeated on every reconnect and before the session
 * lifetime the broker gave runs out; a refused mechanism, a failed
 * authentication and a forged server signature fail with MSGBUS_ERR_AUTH;
 * the password never reaches the log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/kafka_errors.h"
#include "msgbus/port.h"
#include "net/client_int.h"
#include "proto/api_versions.h"
#include "proto/metadata.h"
#include "proto/sasl.h"
#include "sasl_frames.h"
#include "scripted_transport.c"
#include "testutil.h"

/* ---- the scripted broker ---- */

typedef struct broker {
    int16_t auth_max;      /* SaslAuthenticate versions offered: 0..auth_max */
    int offer_sasl;        /* 0: ApiVersions lists no SASL API */
    const char *mechanism; /* the mechanism the client must name */
    int refuse_mechanism;  /* answer UNSUPPORTED_SASL_MECHANISM */
    int fail_auth;         /* answer SASL_AUTHENTICATION_FAILED */
    int forge_signature;   /* server-final with a wrong signature */
    int scram;             /* 0 PLAIN, 1 SCRAM-SHA-256, 2 SCRAM-SHA-512 */
    int64_t lifetime_ms;   /* session_lifetime_ms in the answers (v1+) */
    int handshakes, auths, metadata, authenticated_conns;
    int round;         /* per connection: SaslAuthenticate requests seen */
    int early_request; /* a request other than ApiVersions/SASL before auth ended */
    int authed;        /* this connection is authenticated */
} broker;

static void push_body(msgbus_sock *s, const mb_req_hdr *h, const uint8_t *b, size_t n)
{
    st_push_response(s, h->api_key, h->api_version, h->correlation_id, b, n);
}

static void answer_apiversions(broker *b, msgbus_sock *s, const mb_req_hdr *h)
{
    mb_api_versions_key keys[4] = {{MB_API_API_VERSIONS, 0, 3},
                                   {MB_API_METADATA, 0, 2},
                                   {MB_API_SASL_HANDSHAKE, 0, 1},
                                   {MB_API_SASL_AUTHENTICATE, 0, 0}};
    mb_api_versions_resp resp;
    uint8_t body[256];
    mb_wr w;
    memset(&resp, 0, sizeof resp);
    keys[3].max_version = b->auth_max;
    resp.api_keys = keys;
    resp.n_api_keys = b->offer_sasl ? 4 : 2;
    resp.finalized_features_epoch = -1;
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_api_versions_resp_write(&w, h->api_version, &resp), 0);
    push_body(s, h, body, w.len);
    b->authed = 0;
    b->round = 0;
}

static void answer_handshake(broker *b, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body)
{
    mb_str mechs[3] = {{"PLAIN", 5}, {"SCRAM-SHA-256", 13}, {"SCRAM-SHA-512", 13}};
    mb_sasl_handshake_req req;
    mb_sasl_handshake_resp resp;
    uint8_t out[128];
    mb_arena a;
    uint64_t mem[64];
    mb_wr w;
    mb_arena_init(&a, mem, sizeof mem);
    assert_int_equal(mb_sasl_handshake_req_read(body, h->api_version, &a, &req), 0);
    assert_int_equal(req.mechanism.len, (int32_t)strlen(b->mechanism));
    assert_memory_equal(req.mechanism.ptr, b->mechanism, strlen(b->mechanism));
    b->handshakes++;
    memset(&resp, 0, sizeof resp);
    resp.mechanisms = mechs;
    resp.n_mechanisms = b->refuse_mechanism ? 1 : 3;
    if (b->refuse_mechanism)
        resp.error_code = MSGBUS_KERR_UNSUPPORTED_SASL_MECHANISM;
    mb_wr_init(&w, out, sizeof out);
    assert_int_equal(mb_sasl_handshake_resp_write(&w, h->api_version, &resp), 0);
    push_body(s, h, out, w.len);
}

static void answer_authenticate(broker *b, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body)
{
    mb_sasl_authenticate_req req;
    mb_sasl_authenticate_resp resp;
    uint8_t out[512];
    mb_arena a;
    uint64_t mem[64];
    mb_wr w;
    const char *reply = "";
    int last = 0;
    mb_arena_init(&a, mem, sizeof mem);
    assert_int_equal(mb_sasl_authenticate_req_read(body, h->api_version, &a, &req), 0);
    b->auths++;
    b->round++;
    memset(&resp, 0, sizeof resp);
    if (b->scram == 0) {
        static const char plain[] = "\0" USER "\0" PASSWORD;
        assert_int_equal(req.auth_bytes.len, (int32_t)sizeof plain - 1);
        assert_memory_equal(req.auth_bytes.ptr, plain, sizeof plain - 1);
        last = 1;
    } else if (b->round == 1) {
        assert_int_equal(req.auth_bytes.len, (int32_t)strlen(CLIENT_FIRST));
        assert_memory_equal(req.auth_bytes.ptr, CLIENT_FIRST, strlen(CLIENT_FIRST));
        reply = SERVER_FIRST;
    } else {
        const char *want = k_client_final[b->scram - 1];
        assert_int_equal(b->round, 2);
        assert_int_equal(req.auth_bytes.len, (int32_t)strlen(want));
        assert_memory_equal(req.auth_bytes.ptr, want, strlen(want));
        reply = b->forge_signature ? "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
                                   : k_server_final[b->scram - 1];
        last = 1;
    }
    if (b->fail_auth) {
        resp.error_code = MSGBUS_KERR_SASL_AUTHENTICATION_FAILED;
        resp.error_message = mb_str_c("Authentication failed: Invalid username or password");
        reply = "";
    }
    resp.auth_bytes.ptr = (const uint8_t *)reply;
    resp.auth_bytes.len = (int32_t)strlen(reply);
    resp.session_lifetime_ms = h->api_version >= 1 ? b->lifetime_ms : 0;
    mb_wr_init(&w, out, sizeof out);
    assert_int_equal(mb_sasl_authenticate_resp_write(&w, h->api_version, &resp), 0);
    push_body(s, h, out, w.len);
    if (last && !b->fail_auth && !b->forge_signature) {
        b->authed = 1;
        b->authenticated_conns++;
    }
}

static void answer_metadata(msgbus_sock *s, const mb_req_hdr *h)
{
    mb_metadata_broker brokers[1] = {{1, {"127.0.0.1", 9}, 9092, MB_STR_NULL}};
    mb_metadata_resp resp = {0, brokers, 1, {"c", 1}, 1, NULL, 0, MB_METADATA_AUTH_OPS_UNKNOWN};
    uint8_t body[256];
    mb_wr w;
    mb_wr_init(&w, body, sizeof body);
    assert_int_equal(mb_metadata_resp_write(&w, h->api_version, &resp), 0);
    push_body(s, h, body, w.len);
}

static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    broker *b = ud;
    (void)net;
    switch (h->api_key) {
    case MB_API_API_VERSIONS:
        answer_apiversions(b, s, h);
        break;
    case MB_API_SASL_HANDSHAKE:
        answer_handshake(b, s, h, body);
        break;
    case MB_API_SASL_AUTHENTICATE:
        answer_authenticate(b, s, h, body);
        break;
    default:
        if (!b->authed)
            b->early_request++;
        if (h->api_key == MB_API_METADATA) {
            b->metadata++;
            answer_metadata(s, h);
        }
        break;
    }
}

/* ---- fixtures ---- */

static st_net g_net;
static broker g_b;
/* Random bytes 0, 1, 2, ...: the client nonce is then CNONCE. */
static int fixed_random(void *ud, void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t i;
    (void)ud;
    for (i = 0; i < len; i++)
        p[i] = (uint8_t)i;
    return 0;
}

static msgbus_security g_sec;

static mb_client *make(int scram, int expect_rc)
{
    mb_client_config cfg;
    mb_client *c = NULL;
    mb_client_config_init(&cfg);
    cfg.bootstrap = "127.0.0.1:9092";
    cfg.transport = &g_net.t;
    cfg.now_ms = st_now;
    cfg.random = fixed_random;
    cfg.clock_ud = &g_net;
    cfg.log = tu_log_capture;
    cfg.log_level = MB_LOG_DEBUG;
    cfg.request_timeout_ms = 2000;
    cfg.connect_retries = 2;
    msgbus_security_init(&g_sec);
    g_sec.protocol = MSGBUS_SECURITY_SASL_PLAINTEXT;
    g_sec.sasl_mechanism = scram == 2   ? MSGBUS_SASL_SCRAM_SHA_512
                           : scram == 1 ? MSGBUS_SASL_SCRAM_SHA_256
                                        : MSGBUS_SASL_PLAIN;
    g_sec.sasl_username = USER;
    g_sec.sasl_password = PASSWORD;
    cfg.security = &g_sec;
    g_b.scram = scram;
    g_b.mechanism = scram == 2 ? "SCRAM-SHA-512" : scram == 1 ? "SCRAM-SHA-256" : "PLAIN";
    assert_int_equal(mb_client_create(&c, &cfg), expect_rc);
    return c;
}

static int setup(void **state)
{
    (void)state;
    memset(&g_b, 0, sizeof g_b);
    g_b.auth_max = 2;
    g_b.offer_sasl = 1;
    tu_log_clear();
    st_init(&g_net, respond, &g_b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_false(tu_log_has(PASSWORD)); /* no secret ever reaches the log */
    st_free(&g_net);
    return 0;
}

#if MSGBUS_CFG_SASL

/* The next frame the client sent on @p s after @p *off: its bytes (no size prefix). */
static const uint8_t *next_frame(msgbus_sock *s, size_t *off, size_t *len)
{
    const uint8_t *p = s->out + *off;
    assert_true(*off + 4 <= s->out_len);
    *len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    assert_true(*off + 4 + *len <= s->out_len);
    *off += 4 + *len;
    return p + 4;
}

/* Walk what the client sent on its first connection and compare each SASL frame. */
static void check_wire(int scram, int16_t auth_version)
{
    msgbus_sock *s = g_net.socks[0];
    size_t off = 0, len;
    const uint8_t *f = next_frame(s, &off, &len);
    assert_int_equal(f[1], MB_API_API_VERSIONS);
    f = next_frame(s, &off, &len);
    expect_handshake(f, len, g_b.mechanism);
    f = next_frame(s, &off, &len);
    if (scram == 0) {
        static const char plain[] = "\0" USER "\0" PASSWORD;
        expect_authenticate(f, len, auth_version, plain, sizeof plain - 1);
    } else {
        expect_authenticate(f, len, auth_version, CLIENT_FIRST, strlen(CLIENT_FIRST));
        f = next_frame(s, &off, &len);
        expect_authenticate(f, len, auth_version, k_client_final[scram - 1],
                            strlen(k_client_final[scram - 1]));
    }
    f = next_frame(s, &off, &len); /* only now: the client's own requests */
    assert_int_equal(f[1], MB_API_METADATA);
}

/* ---- tests ---- */

static void run_ok(int scram, int16_t auth_max)
{
    mb_client *c;
    g_b.auth_max = auth_max;
    c = make(scram, 0);
    mb_client_refresh_metadata(c, 1);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(g_b.handshakes, 1);
    assert_int_equal(g_b.auths, scram ? 2 : 1);
    assert_int_equal(g_b.authenticated_conns, 1);
    assert_int_equal(g_b.early_request, 0);
    assert_true(g_b.metadata >= 1);
    check_wire(scram, auth_max);
    assert_true(tu_log_has("authenticated with SASL"));
    mb_client_destroy(c);
}

static void test_plain_v0(void **state)
{
    (void)state;
    run_ok(0, 0);
}

static void test_plain_v2(void **state)
{
    (void)state;
    run_ok(0, 2);
}

static void test_scram_sha256_v1(void **state)
{
    (void)state;
    run_ok(1, 1);
}

static void test_scram_sha256_v2(void **state)
{
    (void)state;
    run_ok(1, 2);
}

static void test_scram_sha512_v0(void **state)
{
    (void)state;
    run_ok(2, 0);
}

static void test_scram_sha512_v2(void **state)
{
    (void)state;
    run_ok(2, 2);
}

/* A reconnect authenticates again, before any other request. */
static void test_reauth_on_reconnect(void **state)
{
    mb_client *c;
    msgbus_sock *s;
    (void)state;
    c = make(1, 0);
    mb_client_refresh_metadata(c, 1);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(g_b.authenticated_conns, 1);
    s = st_live(&g_net);
    assert_non_null(s);
    s->peer_close = 1; /* the broker drops the connection */
    mb_client_refresh_metadata(c, 1);
    while (g_b.authenticated_conns < 2 && g_net.now < 20000)
        assert_int_equal(mb_client_poll(c, 100), 0);
    assert_int_equal(g_b.authenticated_conns, 2);
    assert_int_equal(g_b.handshakes, 2);
    assert_int_equal(g_b.early_request, 0);
    mb_client_destroy(c);
}

/* session_lifetime_ms: the client reconnects and re-authenticates before it ends. */
static void test_session_lifetime(void **state)
{
    mb_client *c;
    uint32_t t0;
    (void)state;
    g_b.lifetime_ms = 10000;
    c = make(2, 0);
    mb_client_refresh_metadata(c, 1);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    t0 = g_net.now;
    while (g_b.authenticated_conns < 2 && g_net.now - t0 < 30000)
        assert_int_equal(mb_client_poll(c, 200), 0);
    assert_int_equal(g_b.authenticated_conns, 2);
    assert_true(g_net.now - t0 >= 8900 && g_net.now - t0 < 10000);
    assert_int_equal(g_b.early_request, 0);
    mb_client_destroy(c);
}

static void fails_with_auth(void)
{
    mb_client *c = make(g_b.scram, 0);
    mb_client_stats st;
    mb_client_refresh_metadata(c, 1);
    assert_int_equal(mb_client_wait_ready(c, 10000), MSGBUS_ERR_AUTH);
    mb_client_get_stats(c, &st);
    assert_true(st.connect_failures >= 2); /* retried, then gave up with the cause */
    assert_int_equal(g_b.metadata, 0);     /* nothing reached the broker unauthenticated */
    assert_int_equal(g_b.early_request, 0);
    mb_client_destroy(c);
}

static void test_mechanism_refused(void **state)
{
    (void)state;
    g_b.refuse_mechanism = 1;
    g_b.scram = 2;
    fails_with_auth();
    assert_true(tu_log_has("refuses SASL SCRAM-SHA-512"));
    assert_true(tu_log_has("it offers: PLAIN"));
}

static void test_authentication_failed(void **state)
{
    (void)state;
    g_b.fail_auth = 1;
    g_b.scram = 1;
    fails_with_auth();
    assert_true(tu_log_has("Invalid username or password"));
}

static void test_forged_server_signature(void **state)
{
    (void)state;
    g_b.forge_signature = 1;
    g_b.scram = 1;
    fails_with_auth();
    assert_true(tu_log_has("does not prove it knows the password"));
}

static void test_broker_without_sasl(void **state)
{
    (void)state;
    g_b.offer_sasl = 0;
    fails_with_auth();
    assert_true(tu_log_has("speaks no SaslHandshake"));
}

static void test_bad_settings(void **state)
{
    mb_client_config cfg;
    mb_client *c = NULL;
    msgbus_security sec;
    (void)state;
    mb_client_config_init(&cfg);
    cfg.bootstrap = "127.0.0.1:9092";
    cfg.transport = &g_net.t;
    cfg.now_ms = st_now;
    cfg.clock_ud = &g_net;
    msgbus_security_init(&sec);
    sec.protocol = MSGBUS_SECURITY_SASL_PLAINTEXT;
    cfg.security = &sec;
    assert_int_equal(mb_client_create(&c, &cfg), MSGBUS_ERR_INVALID_ARG); /* no user */
    sec.sasl_username = "u";
    assert_int_equal(mb_client_create(&c, &cfg), MSGBUS_ERR_INVALID_ARG); /* no password */
    sec.sasl_password = "p";
    sec.sasl_mechanism = (msgbus_sasl_mechanism)7;
    assert_int_equal(mb_client_create(&c, &cfg), MSGBUS_ERR_INVALID_ARG);
    sec.protocol = (msgbus_security_protocol)9;
    assert_int_equal(mb_client_create(&c, &cfg), MSGBUS_ERR_INVALID_ARG);
    assert_null(c);
}

/* 1 if @p needle (@p n bytes) occurs anywhere in @p hay (@p len bytes). */
static int contains(const uint8_t *hay, size_t len, const void *needle, size_t n)
{
    size_t i;
    for (i = 0; n <= len && i <= len - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

/* After authenticating, no connection's send buffer holds the password
 * (PLAIN's token) or the SCRAM client proof (issue 12 item 15). */
static void check_wiped(int scram)
{
    mb_client *c;
    const uint8_t *buf;
    size_t len;
    const char *proof;
    c = make(scram, 0);
    mb_client_refresh_metadata(c, 1);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    assert_int_equal(g_b.authenticated_conns, 1);
    buf = c->conns[0]->sbuf;
    len = c->cfg.send_buf_size;
    assert_false(contains(buf, len, PASSWORD, strlen(PASSWORD)));
    if (scram) {
        proof = strstr(k_client_final[scram - 1], ",p=");
        assert_non_null(proof);
        assert_false(contains(buf, len, proof, strlen(proof)));
    }
    mb_client_destroy(c);
}

static void test_secrets_wiped_from_send_buffer(void **state)
{
    check_wiped(0);
    teardown(state);
    setup(state);
    check_wiped(1);
}

static void test_names(void **state)
{
    msgbus_security_protocol p;
    msgbus_sasl_mechanism m;
    (void)state;
    assert_int_equal(msgbus_security_protocol_parse("SASL_SSL", &p), 0);
    assert_int_equal(p, MSGBUS_SECURITY_SASL_SSL);
    assert_int_equal(msgbus_security_protocol_parse("plaintext", &p), 0);
    assert_int_equal(p, MSGBUS_SECURITY_PLAINTEXT);
    assert_int_equal(msgbus_security_protocol_parse("tls", &p), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_sasl_mechanism_parse("scram-sha-512", &m), 0);
    assert_int_equal(m, MSGBUS_SASL_SCRAM_SHA_512);
    assert_int_equal(msgbus_sasl_mechanism_parse("GSSAPI", &m), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_sasl_mechanism_parse(NULL, &m), MSGBUS_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_v0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scram_sha256_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scram_sha256_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scram_sha512_v0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scram_sha512_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reauth_on_reconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_lifetime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mechanism_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authentication_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged_server_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_without_sasl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_wiped_from_send_buffer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* SASL left out of this build: the settings are refused up front */

static void test_not_built(void **state)
{
    (void)state;
    assert_null(make(1, MSGBUS_ERR_NOT_BUILT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_not_built, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
