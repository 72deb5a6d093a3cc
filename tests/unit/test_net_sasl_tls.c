/*
 * test_net_sasl_tls.c - the SASL exchange of test_net_sasl.c, but over TLS
 * (security protocol SASL_SSL), in one process and without sockets.
 *
 * The client is a real mb_client whose configured transport is an in-memory
 * one defined here; the client wraps it in its own TLS transport (tls.c).
 * The "broker" at the other end is an mbedTLS TLS server: its SSL context
 * reads and writes two byte queues per connection (memory BIO callbacks) and
 * runs inside the transport's own calls. Whenever the client sends
 * ciphertext, the server end drives its handshake, decrypts whatever whole
 * Kafka request frames arrived and answers each with an encrypted response,
 * which the client's next recv() finds. wait() never sleeps: it advances a
 * fake clock, as scripted_transport.c does.
 *
 * Checked: the client becomes ready; the broker saw ApiVersions, one
 * SaslHandshake and two SaslAuthenticate rounds carrying exactly the SCRAM
 * client-first and client-final messages of test_net_sasl.c's vectors (and
 * each decrypted request frame matches one built by hand from the protocol
 * description); nothing but ApiVersions and SASL went before the
 * authentication ended; TLS 1.2 or 1.3 was negotiated; the SCRAM messages
 * never crossed the wire in clear; the password never reached the log. A
 * broker whose certificate the CA did not sign fails the connection with
 * MSGBUS_ERR_CERT_UNTRUSTED before any Kafka request leaves the client.
 *
 * Without TLS or SASL in the build (e.g. the Cortex-M4 target, which has no
 * mbedTLS), the only test checks that SASL_SSL is refused with
 * MSGBUS_ERR_NOT_BUILT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/config_defaults.h"
#include "msgbus/error.h"
#include "msgbus/security.h"
#include "net/client.h"
#include "testutil.h"

#define USER "alice"
#define PASSWORD "s3cr3t-pw"

/*
 * Test certificates: EC P-256 keys, valid from 2000-01-01 to 2126-01-01 (the
 * start date is in the past so that a host whose clock lags behind the day
 * they were made still accepts them). Made once with OpenSSL 3.0:
 *
 *   cat > ca.cnf <<'EOF'
 *   [ca]
 *   default_ca = d
 *   [d]
 *   database = index
 *   serial = serial
 *   new_certs_dir = .
 *   default_md = sha256
 *   policy = p
 *   unique_subject = no
 *   [p]
 *   commonName = supplied
 *   [ca_ext]
 *   basicConstraints = critical,CA:TRUE
 *   keyUsage = critical,keyCertSign
 *   subjectKeyIdentifier = hash
 *   [server_ext]
 *   basicConstraints = CA:FALSE
 *   keyUsage = critical,digitalSignature
 *   extendedKeyUsage = serverAuth
 *   subjectAltName = DNS:localhost
 *   EOF
 *   touch index && echo 01 > serial
 *   D="-startdate 20000101000000Z -enddate 21260101000000Z"
 *   for k in ca server rogue; do
 *       openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $k.key; done
 *   openssl req -new -key ca.key -subj "/CN=msgbus test CA" -out ca.csr
 *   openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
 *   openssl req -new -key rogue.key -subj "/CN=localhost" -out rogue.csr
 *   openssl ca -batch -notext -config ca.cnf $D -selfsign -keyfile ca.key -in ca.csr \
 *       -extensions ca_ext -out ca.pem
 *   openssl ca -batch -notext -config ca.cnf $D -cert ca.pem -keyfile ca.key -in server.csr \
 *       -extensions server_ext -out server.pem
 *   openssl ca -batch -notext -config ca.cnf $D -selfsign -keyfile rogue.key -in rogue.csr \
 *       -extensions server_ext -out rogue.pem
 *
 * ca.pem is the CA the client trusts; server.pem (signed by it, with
 * server.key) is the broker's certificate; rogue.pem is self-signed (with
 * rogue.key), names the same host, and the CA does not sign it.
 */
static const char k_ca_cert[] = "-----BEGIN CERTIFICATE-----\n"
                                "MIIBZTCCAQugAwIBAgIBATAKBggqhkjOPQQDAjAZMRcwFQYDVQQDDA5tc2didXMg\n"
                                "dGVzdCBDQTAgFw0wMDAxMDEwMDAwMDBaGA8yMTI2MDEwMTAwMDAwMFowGTEXMBUG\n"
                                "A1UEAwwObXNnYnVzIHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARF\n"
                                "Msvfip9KAFpHMVH95xJ/RGtTYXv0hSeszJvynU7fM92vQzhTfz1voXQvv8CPIH6F\n"
                                "o26ucMIdoW15ZPBOGz86o0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQE\n"
                                "AwICBDAdBgNVHQ4EFgQUiLTMTRon0LqGlwUBb9OaShBPAhkwCgYIKoZIzj0EAwID\n"
                                "SAAwRQIhANIiwtKlmc0dhc/EGMdZ22PushCHTTvuEoEPqVPY59dCAiB2pfV1YWW+\n"
                                "Ryd6hDy1iLGWnQ08ekIqOAXw+JuMJbvPug==\n"
                                "-----END CERTIFICATE-----\n";

/* ---- the log, shared by both builds ---- */

/* Random bytes 0, 1, 2, ...: the SCRAM client nonce is then CNONCE below. The
 * client's TLS DRBG is seeded from the same source, which a test can afford. */
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

/* SASL_SSL with SCRAM-SHA-256, trusting k_ca_cert given as bytes. */
static const msgbus_security *sasl_ssl(void)
{
    msgbus_security_init(&g_sec);
    g_sec.protocol = MSGBUS_SECURITY_SASL_SSL;
    g_sec.ca.data = (const unsigned char *)k_ca_cert;
    g_sec.ca.len = sizeof k_ca_cert; /* PEM: the NUL counted */
    g_sec.sasl_mechanism = MSGBUS_SASL_SCRAM_SHA_256;
    g_sec.sasl_username = USER;
    g_sec.sasl_password = PASSWORD;
    return &g_sec;
}

/* No secret ever reaches the log. */
static void check_log_clean(void)
{
    assert_false(tu_log_has(PASSWORD));
}

#if MSGBUS_CFG_TLS && MSGBUS_CFG_SASL

#include <stdlib.h>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/version.h"
#include "mbedtls/x509_crt.h"
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include "psa/crypto.h"
#endif

#include "proto/api.h"
#include "proto/api_versions.h"
#include "proto/metadata.h"
#include "proto/sasl.h"
#include "sasl_frames.h"

/* The broker's certificate, signed by k_ca_cert, and its key. */
static const char k_server_cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBqDCCAU6gAwIBAgIBAjAKBggqhkjOPQQDAjAZMRcwFQYDVQQDDA5tc2didXMg\n"
    "dGVzdCBDQTAgFw0wMDAxMDEwMDAwMDBaGA8yMTI2MDEwMTAwMDAwMFowFDESMBAG\n"
    "A1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAERqXxIBSp\n"
    "gUuHTK9/R91pqZxaWoKXpmBCn0V1Uu4JWNxJtFwUbBqO0ln+5rv1ItcMWqrO903k\n"
    "qJcE4hoodc6LqaOBiTCBhjAJBgNVHRMEAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNV\n"
    "HSUEDDAKBggrBgEFBQcDATAUBgNVHREEDTALgglsb2NhbGhvc3QwHQYDVR0OBBYE\n"
    "FEmfGl1GAn8/00UmkozXe0EAHpeoMB8GA1UdIwQYMBaAFIi0zE0aJ9C6hpcFAW/T\n"
    "mkoQTwIZMAoGCCqGSM49BAMCA0gAMEUCIQCg7o6P9lHLi3aEdWOBA6Tnezeq/3+k\n"
    "dd0zvFWlu1mRtAIgHxaDADsDqBQptz/6/gJ0/3oq9OH/7jr+Dwe2hKGsk8k=\n"
    "-----END CERTIFICATE-----\n";
static const char k_server_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgCRBQzw6apoVseYmo\n"
    "Z1y3c9p9eCPa3sXNSwRtyacf4UGhRANCAARGpfEgFKmBS4dMr39H3WmpnFpagpem\n"
    "YEKfRXVS7glY3Em0XBRsGo7SWf7mu/Ui1wxaqs73TeSolwTiGih1zoup\n"
    "-----END PRIVATE KEY-----\n";

/* A self-signed certificate for the same host, which the CA did not sign. */
static const char k_rogue_cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBgDCCASagAwIBAgIBAzAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlsb2NhbGhv\n"
    "c3QwIBcNMDAwMTAxMDAwMDAwWhgPMjEyNjAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM\n"
    "CWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIid/daUJ0udJ9hj\n"
    "sYVjexzlXTR8rEG4rflrz7yuA9r/W0mjecvBeGlf8T2VBCzI7GbB1/lyfDPGO93D\n"
    "ujvnkL6jZzBlMAkGA1UdEwQCMAAwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoG\n"
    "CCsGAQUFBwMBMBQGA1UdEQQNMAuCCWxvY2FsaG9zdDAdBgNVHQ4EFgQUExQW5WOa\n"
    "OD+T4m5wF0PITVSaN1cwCgYIKoZIzj0EAwIDSAAwRQIhAJGRhllNYMQ8oXXQlFsc\n"
    "xw7zbs9N1hyAMb/7dQaB5y1wAiBvBoEO8yEDO+70ogDEp10btgU13GEaR0buUtoc\n"
    "RUWKWg==\n"
    "-----END CERTIFICATE-----\n";
static const char k_rogue_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQga14T8OufsSOBanM3\n"
    "TgnZj6BXkwdLB4hyiiLObO3aZj2hRANCAASInf3WlCdLnSfYY7GFY3sc5V00fKxB\n"
    "uK35a8+8rgPa/1tJo3nLwXhpX/E9lQQsyOxmwdf5cnwzxjvdw7o755C+\n"
    "-----END PRIVATE KEY-----\n";

/* The host in the bootstrap list and in the certificates, and the port. */
#define HOST "localhost"
#define PORT 9092

/* ---- the in-memory transport and its TLS server end ---- */

#define MT_QCAP (1u << 15)   /* each ciphertext queue */
#define MT_PLAIN_CAP 8192    /* decrypted request bytes awaiting a whole frame */
#define MT_WIRE_CAP 8192     /* decrypted requests kept for check_wire() */
#define MT_CIPHER_CAP 32768  /* ciphertext kept for the clear-text check */
#define MT_TIME_CAP 120000u  /* fake ms: every test ends long before */
#define MT_WAIT_CAP 1000000L /* wait() calls: a client that never waits for time */

typedef struct mt_queue {
    uint8_t *b;
    size_t len, off;
} mt_queue;

typedef struct mt_net mt_net;

struct msgbus_sock {
    mt_net *net;
    int id;
    mt_queue c2s, s2c;       /* ciphertext: client to broker, broker to client */
    mbedtls_ssl_context ssl; /* the broker's end */
    int hs_done;             /* the broker's handshake completed */
    int dead;                /* the broker's end failed or was closed */
    uint8_t plain[MT_PLAIN_CAP];
    size_t plain_len;
    int round;  /* SaslAuthenticate requests on this connection */
    int authed; /* this connection finished SASL */
};

struct mt_net {
    msgbus_transport t;
    uint32_t now, start; /* the fake clock */
    long waits;
    /* the broker's TLS settings */
    int server_on;
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt crt;
    mbedtls_pk_context key;
    unsigned seed;
    /* what the broker saw */
    int connects, open_socks;
    int tls_done, tls_failed;
    int requests, api_versions, handshakes, auths, metadata, early_request, authenticated;
    char version[32]; /* TLS version of the last completed handshake */
    uint8_t wire[MT_WIRE_CAP];
    size_t wire_len;
    uint8_t cipher[MT_CIPHER_CAP];
    size_t cipher_len;
};

static mt_net g_net;

static void keep(uint8_t *dst, size_t cap, size_t *len, const void *p, size_t n)
{
    if (n > cap - *len)
        n = cap - *len;
    memcpy(dst + *len, p, n);
    *len += n;
}

static void q_push(mt_queue *q, const void *p, size_t n)
{
    if (q->off == q->len) {
        q->off = q->len = 0;
    } else if (q->len + n > MT_QCAP) {
        memmove(q->b, q->b + q->off, q->len - q->off);
        q->len -= q->off;
        q->off = 0;
    }
    if (q->len + n > MT_QCAP)
        fail_msg("in-memory queue overflow (%zu + %zu bytes)", q->len, n);
    memcpy(q->b + q->len, p, n);
    q->len += n;
}

static size_t q_pop(mt_queue *q, void *buf, size_t len)
{
    size_t n = q->len - q->off;
    if (n > len)
        n = len;
    memcpy(buf, q->b + q->off, n);
    q->off += n;
    return n;
}

/* The broker's BIO: what it sends goes to the client, it reads what the client sent. */
static int srv_send(void *ctx, const unsigned char *buf, size_t len)
{
    msgbus_sock *s = ctx;
    q_push(&s->s2c, buf, len);
    return (int)len;
}

static int srv_recv(void *ctx, unsigned char *buf, size_t len)
{
    msgbus_sock *s = ctx;
    size_t n = q_pop(&s->c2s, buf, len);
    return n ? (int)n : MBEDTLS_ERR_SSL_WANT_READ;
}

/* Encrypt one whole response frame to the client. */
static void srv_write(msgbus_sock *s, const uint8_t *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        int rc = mbedtls_ssl_write(&s->ssl, p + done, n - done);
        if (rc <= 0)
            fail_msg("server mbedtls_ssl_write: -0x%04x", (unsigned)-rc);
        done += (size_t)rc;
    }
}

/* ---- the broker's answers ---- */

/* A response frame: size, header for the request @p h, then the body the caller writes. */
static void frame_begin(mb_wr *w, uint8_t *buf, size_t cap, const mb_req_hdr *h, size_t *pos)
{
    mb_wr_init(w, buf, cap);
    assert_int_equal(mb_wr_reserve(w, 4, pos), 0);
    assert_int_equal(mb_resp_hdr_write(w, mb_api_resp_hdr_version(h->api_key, h->api_version),
                                       h->correlation_id),
                     0);
}

static void frame_end(msgbus_sock *s, mb_wr *w, size_t pos)
{
    assert_int_equal(mb_wr_patch_i32(w, pos, (int32_t)(w->len - 4)), 0);
    srv_write(s, w->buf, w->len);
}

static void answer_apiversions(msgbus_sock *s, const mb_req_hdr *h)
{
    mb_api_versions_key keys[4] = {{MB_API_API_VERSIONS, 0, 3},
                                   {MB_API_METADATA, 0, 2},
                                   {MB_API_SASL_HANDSHAKE, 0, 1},
                                   {MB_API_SASL_AUTHENTICATE, 0, 2}};
    mb_api_versions_resp resp;
    uint8_t out[256];
    size_t pos;
    mb_wr w;
    memset(&resp, 0, sizeof resp);
    resp.api_keys = keys;
    resp.n_api_keys = 4;
    resp.finalized_features_epoch = -1;
    frame_begin(&w, out, sizeof out, h, &pos);
    assert_int_equal(mb_api_versions_resp_write(&w, h->api_version, &resp), 0);
    frame_end(s, &w, pos);
    s->net->api_versions++;
}

static void answer_handshake(msgbus_sock *s, const mb_req_hdr *h, mb_rd *body)
{
    mb_str mechs[3] = {{"PLAIN", 5}, {"SCRAM-SHA-256", 13}, {"SCRAM-SHA-512", 13}};
    mb_sasl_handshake_req req;
    mb_sasl_handshake_resp resp;
    uint8_t out[128];
    uint64_t mem[64];
    mb_arena a;
    size_t pos;
    mb_wr w;
    mb_arena_init(&a, mem, sizeof mem);
    assert_int_equal(mb_sasl_handshake_req_read(body, h->api_version, &a, &req), 0);
    assert_int_equal(req.mechanism.len, 13);
    assert_memory_equal(req.mechanism.ptr, "SCRAM-SHA-256", 13);
    s->net->handshakes++;
    memset(&resp, 0, sizeof resp);
    resp.mechanisms = mechs;
    resp.n_mechanisms = 3;
    frame_begin(&w, out, sizeof out, h, &pos);
    assert_int_equal(mb_sasl_handshake_resp_write(&w, h->api_version, &resp), 0);
    frame_end(s, &w, pos);
}

static void answer_authenticate(msgbus_sock *s, const mb_req_hdr *h, mb_rd *body)
{
    mb_sasl_authenticate_req req;
    mb_sasl_authenticate_resp resp;
    uint8_t out[512];
    uint64_t mem[64];
    const char *want, *reply;
    mb_arena a;
    size_t pos;
    mb_wr w;
    mb_arena_init(&a, mem, sizeof mem);
    assert_int_equal(mb_sasl_authenticate_req_read(body, h->api_version, &a, &req), 0);
    s->net->auths++;
    s->round++;
    assert_true(s->round <= 2);
    want = s->round == 1 ? CLIENT_FIRST : k_client_final[0];
    reply = s->round == 1 ? SERVER_FIRST : k_server_final[0];
    assert_int_equal(req.auth_bytes.len, (int32_t)strlen(want));
    assert_memory_equal(req.auth_bytes.ptr, want, strlen(want));
    memset(&resp, 0, sizeof resp);
    resp.auth_bytes.ptr = (const uint8_t *)reply;
    resp.auth_bytes.len = (int32_t)strlen(reply);
    frame_begin(&w, out, sizeof out, h, &pos);
    assert_int_equal(mb_sasl_authenticate_resp_write(&w, h->api_version, &resp), 0);
    frame_end(s, &w, pos);
    if (s->round == 2) {
        s->authed = 1;
        s->net->authenticated++;
    }
}

static void answer_metadata(msgbus_sock *s, const mb_req_hdr *h)
{
    mb_metadata_broker brokers[1] = {{1, {HOST, 9}, PORT, MB_STR_NULL}};
    mb_metadata_resp resp = {0, brokers, 1, {"c", 1}, 1, NULL, 0, MB_METADATA_AUTH_OPS_UNKNOWN};
    uint8_t out[256];
    size_t pos;
    mb_wr w;
    frame_begin(&w, out, sizeof out, h, &pos);
    assert_int_equal(mb_metadata_resp_write(&w, h->api_version, &resp), 0);
    frame_end(s, &w, pos);
}

/* One whole decrypted request frame (without its size prefix). */
static void answer(msgbus_sock *s, const uint8_t *p, size_t size)
{
    mt_net *net = s->net;
    mb_req_hdr h;
    mb_rd r;
    int16_t key, ver;
    assert_true(size >= 4);
    key = (int16_t)(p[0] << 8 | p[1]);
    ver = (int16_t)(p[2] << 8 | p[3]);
    mb_rd_init(&r, p, size);
    assert_int_equal(mb_req_hdr_read(&r, mb_api_req_hdr_version(key, ver), &h), 0);
    net->requests++;
    switch (h.api_key) {
    case MB_API_API_VERSIONS:
        answer_apiversions(s, &h);
        break;
    case MB_API_SASL_HANDSHAKE:
        answer_handshake(s, &h, &r);
        break;
    case MB_API_SASL_AUTHENTICATE:
        answer_authenticate(s, &h, &r);
        break;
    default:
        if (!s->authed)
            net->early_request++;
        if (h.api_key == MB_API_METADATA) {
            net->metadata++;
            answer_metadata(s, &h);
        }
        break;
    }
}

/* The broker's end: handshake, then decrypt and answer every whole request. */
static void serve(msgbus_sock *s)
{
    mt_net *net = s->net;
    int rc;
    if (s->dead)
        return;
    if (!s->hs_done) {
        rc = mbedtls_ssl_handshake(&s->ssl);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
            return;
        if (rc != 0) { /* e.g. the client's alert: it does not trust us */
            s->dead = 1;
            net->tls_failed++;
            return;
        }
        s->hs_done = 1;
        net->tls_done++;
        snprintf(net->version, sizeof net->version, "%s", mbedtls_ssl_get_version(&s->ssl));
    }
    for (;;) {
        size_t off = 0;
        assert_true(s->plain_len < sizeof s->plain);
        rc = mbedtls_ssl_read(&s->ssl, s->plain + s->plain_len, sizeof s->plain - s->plain_len);
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
            return;
        if (rc <= 0) { /* close_notify or a failure */
            s->dead = 1;
            return;
        }
        if (s->id == 0)
            keep(net->wire, sizeof net->wire, &net->wire_len, s->plain + s->plain_len, (size_t)rc);
        s->plain_len += (size_t)rc;
        while (s->plain_len - off >= 4) {
            const uint8_t *p = s->plain + off;
            size_t size = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
            assert_true(size <= sizeof s->plain - 4);
            if (s->plain_len - off - 4 < size)
                break;
            answer(s, p + 4, size);
            off += 4 + size;
        }
        memmove(s->plain, s->plain + off, s->plain_len - off);
        s->plain_len -= off;
    }
}

/* ---- the msgbus_transport functions (the client's side) ---- */

static int mt_connect(void *ctx, const char *host, uint16_t port, msgbus_sock **out)
{
    mt_net *net = ctx;
    msgbus_sock *s;
    assert_string_equal(host, HOST);
    assert_int_equal(port, PORT);
    assert_true(net->server_on);
    s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->net = net;
    s->id = net->connects++;
    s->c2s.b = malloc(MT_QCAP);
    s->s2c.b = malloc(MT_QCAP);
    assert_true(s->c2s.b && s->s2c.b);
    mbedtls_ssl_init(&s->ssl);
    assert_int_equal(mbedtls_ssl_setup(&s->ssl, &net->conf), 0);
    mbedtls_ssl_set_bio(&s->ssl, s, srv_send, srv_recv, NULL);
    net->open_socks++;
    *out = s;
    return 0;
}

static int mt_connect_check(void *ctx, msgbus_sock *s)
{
    (void)ctx;
    (void)s;
    return 1;
}

static long mt_send(void *ctx, msgbus_sock *s, const msgbus_iovec *iov, size_t iovcnt)
{
    mt_net *net = ctx;
    size_t i, total = 0;
    if (s->dead)
        return MSGBUS_ERR_TRANSPORT;
    for (i = 0; i < iovcnt; i++) {
        q_push(&s->c2s, iov[i].base, iov[i].len);
        if (s->id == 0)
            keep(net->cipher, sizeof net->cipher, &net->cipher_len, iov[i].base, iov[i].len);
        total += iov[i].len;
    }
    serve(s);
    return (long)total;
}

static long mt_recv(void *ctx, msgbus_sock *s, void *buf, size_t len)
{
    size_t n = q_pop(&s->s2c, buf, len);
    (void)ctx;
    if (n)
        return (long)n;
    return s->dead ? MSGBUS_ERR_TRANSPORT : 0;
}

static void mt_close(void *ctx, msgbus_sock *s)
{
    mt_net *net = ctx;
    mbedtls_ssl_free(&s->ssl);
    free(s->c2s.b);
    free(s->s2c.b);
    free(s);
    net->open_socks--;
}

/* Nothing happens by itself here: pass the time the client asked to wait. */
static int mt_wait(void *ctx, msgbus_poll_item *items, size_t n, uint32_t timeout_ms)
{
    mt_net *net = ctx;
    size_t i;
    int ready = 0;
    net->waits++;
    if (net->now - net->start > MT_TIME_CAP || net->waits > MT_WAIT_CAP)
        fail_msg("the client is still polling after %u fake ms and %ld waits",
                 (unsigned)(net->now - net->start), net->waits);
    for (i = 0; i < n; i++) {
        msgbus_sock *s = items[i].sock;
        items[i].ready = 0;
        if ((items[i].want & MSGBUS_POLL_IN) && (s->s2c.off < s->s2c.len || s->dead))
            items[i].ready |= MSGBUS_POLL_IN;
        if (items[i].want & MSGBUS_POLL_OUT)
            items[i].ready |= MSGBUS_POLL_OUT;
        ready += items[i].ready != 0;
    }
    if (!ready)
        net->now += timeout_ms;
    return ready;
}

static uint32_t mt_now(void *ud)
{
    return ((mt_net *)ud)->now;
}

/* ---- the broker's TLS configuration ---- */

static int server_entropy(void *ctx, unsigned char *out, size_t len)
{
    mt_net *net = ctx;
    size_t i;
    for (i = 0; i < len; i++)
        out[i] = (unsigned char)(net->seed++ * 167u + 13u);
    return 0;
}

/* The broker presents @p cert_pem with @p key_pem; it asks for no client certificate. */
static void server_init(const char *cert_pem, const char *key_pem)
{
    static const unsigned char pers[] = "msgbus test broker";
    mt_net *net = &g_net;
    mbedtls_ssl_config_init(&net->conf);
    mbedtls_ctr_drbg_init(&net->drbg);
    mbedtls_x509_crt_init(&net->crt);
    mbedtls_pk_init(&net->key);
    net->server_on = 1;
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
    assert_int_equal(psa_crypto_init(), PSA_SUCCESS);
#endif
    assert_int_equal(mbedtls_ctr_drbg_seed(&net->drbg, server_entropy, net, pers, sizeof pers - 1),
                     0);
    assert_int_equal(
        mbedtls_x509_crt_parse(&net->crt, (const unsigned char *)cert_pem, strlen(cert_pem) + 1),
        0);
#if MBEDTLS_VERSION_MAJOR >= 3
    assert_int_equal(mbedtls_pk_parse_key(&net->key, (const unsigned char *)key_pem,
                                          strlen(key_pem) + 1, NULL, 0, mbedtls_ctr_drbg_random,
                                          &net->drbg),
                     0);
#else
    assert_int_equal(mbedtls_pk_parse_key(&net->key, (const unsigned char *)key_pem,
                                          strlen(key_pem) + 1, NULL, 0),
                     0);
#endif
    assert_int_equal(mbedtls_ssl_config_defaults(&net->conf, MBEDTLS_SSL_IS_SERVER,
                                                 MBEDTLS_SSL_TRANSPORT_STREAM,
                                                 MBEDTLS_SSL_PRESET_DEFAULT),
                     0);
    mbedtls_ssl_conf_rng(&net->conf, mbedtls_ctr_drbg_random, &net->drbg);
    mbedtls_ssl_conf_authmode(&net->conf, MBEDTLS_SSL_VERIFY_NONE);
    assert_int_equal(mbedtls_ssl_conf_own_cert(&net->conf, &net->crt, &net->key), 0);
}

static void server_free(void)
{
    mt_net *net = &g_net;
    if (!net->server_on)
        return;
    mbedtls_ssl_config_free(&net->conf);
    mbedtls_ctr_drbg_free(&net->drbg);
    mbedtls_x509_crt_free(&net->crt);
    mbedtls_pk_free(&net->key);
    net->server_on = 0;
}

/* ---- fixtures ---- */

static int setup(void **state)
{
    (void)state;
    memset(&g_net, 0, sizeof g_net);
    g_net.t.ctx = &g_net;
    g_net.t.connect = mt_connect;
    g_net.t.connect_check = mt_connect_check;
    g_net.t.send = mt_send;
    g_net.t.recv = mt_recv;
    g_net.t.close = mt_close;
    g_net.t.wait = mt_wait;
    g_net.t.wakeup = NULL;
    g_net.now = g_net.start = 1000;
    tu_log_clear();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    check_log_clean();
    server_free();
    return 0;
}

static mb_client *make(void)
{
    mb_client_config cfg;
    mb_client *c = NULL;
    mb_client_config_init(&cfg);
    cfg.bootstrap = HOST ":9092";
    cfg.transport = &g_net.t;
    cfg.now_ms = mt_now;
    cfg.random = fixed_random;
    cfg.clock_ud = &g_net;
    cfg.log = tu_log_capture;
    cfg.log_level = MB_LOG_DEBUG;
    cfg.request_timeout_ms = 2000;
    cfg.connect_retries = 2;
    cfg.security = sasl_ssl();
    assert_int_equal(mb_client_create(&c, &cfg), 0);
    assert_non_null(c);
    return c;
}

/* The next request frame the broker decrypted after @p *off: its bytes (no size prefix). */
static const uint8_t *next_frame(size_t *off, size_t *len)
{
    const uint8_t *p = g_net.wire + *off;
    assert_true(*off + 4 <= g_net.wire_len);
    *len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    assert_true(*off + 4 + *len <= g_net.wire_len);
    *off += 4 + *len;
    return p + 4;
}

/* Walk what the broker decrypted on the first connection, frame by frame. */
static void check_wire(void)
{
    size_t off = 0, len;
    const uint8_t *f = next_frame(&off, &len);
    assert_int_equal(f[1], MB_API_API_VERSIONS);
    f = next_frame(&off, &len);
    expect_handshake(f, len, "SCRAM-SHA-256");
    f = next_frame(&off, &len);
    expect_authenticate(f, len, 2, CLIENT_FIRST, strlen(CLIENT_FIRST));
    f = next_frame(&off, &len);
    expect_authenticate(f, len, 2, k_client_final[0], strlen(k_client_final[0]));
    f = next_frame(&off, &len); /* only now: the client's own requests */
    assert_int_equal(f[0], 0);
    assert_int_equal(f[1], MB_API_METADATA);
}

static int contains(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; k <= n && i <= n - k; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return 1;
    return 0;
}

/* ---- tests ---- */

static void test_scram_over_tls(void **state)
{
    char line[96];
    mb_client *c;
    (void)state;
    server_init(k_server_cert, k_server_key);
    c = make();
    mb_client_refresh_metadata(c, 1);
    assert_int_equal(mb_client_wait_ready(c, 5000), 0);
    /* one connection, one TLS handshake, then SASL, then the client's requests */
    assert_int_equal(g_net.connects, 1);
    assert_int_equal(g_net.tls_done, 1);
    assert_int_equal(g_net.tls_failed, 0);
    assert_int_equal(g_net.api_versions, 1);
    assert_int_equal(g_net.handshakes, 1);
    assert_int_equal(g_net.auths, 2);
    assert_int_equal(g_net.authenticated, 1);
    assert_int_equal(g_net.early_request, 0);
    assert_true(g_net.metadata >= 1);
    check_wire();
    assert_true(tu_log_has("authenticated with SASL"));
    /* TLS 1.2 or 1.3, and the client logged the same version */
    print_message("negotiated %s with mbedTLS %s\n", g_net.version, MBEDTLS_VERSION_STRING);
    assert_true(strcmp(g_net.version, "TLSv1.2") == 0 || strcmp(g_net.version, "TLSv1.3") == 0);
    snprintf(line, sizeof line, "TLS with " HOST ": %s", g_net.version);
    assert_true(tu_log_has(line));
    /* the SCRAM messages were on the wire only encrypted */
    assert_true(contains(g_net.wire, g_net.wire_len, CLIENT_FIRST));
    assert_true(g_net.cipher_len > 0 && g_net.cipher_len < sizeof g_net.cipher);
    assert_false(contains(g_net.cipher, g_net.cipher_len, "n=" USER));
    assert_false(contains(g_net.cipher, g_net.cipher_len, CNONCE));
    assert_false(contains(g_net.cipher, g_net.cipher_len, "SCRAM-SHA-256"));
    mb_client_destroy(c);
    assert_int_equal(g_net.open_socks, 0);
}

static void test_untrusted_certificate(void **state)
{
    mb_client_stats st;
    mb_client *c;
    (void)state;
    server_init(k_rogue_cert, k_rogue_key);
    c = make();
    mb_client_refresh_metadata(c, 1);
    assert_int_equal(mb_client_wait_ready(c, 10000), MSGBUS_ERR_CERT_UNTRUSTED);
    mb_client_get_stats(c, &st);
    assert_true(st.connect_failures >= 2); /* retried, then gave up with the cause */
    assert_true(g_net.connects >= 2);
    /* the client never finished a handshake, so no Kafka request left it */
    assert_int_equal(g_net.tls_done, 0);
    assert_int_equal(g_net.requests, 0);
    assert_int_equal(g_net.wire_len, 0);
    assert_int_equal(g_net.handshakes, 0);
    assert_int_equal(g_net.auths, 0);
    assert_int_equal(g_net.metadata, 0);
    assert_true(tu_log_has("TLS handshake with " HOST " failed"));
    mb_client_destroy(c);
    assert_int_equal(g_net.open_socks, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scram_over_tls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untrusted_certificate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* TLS or SASL left out of this build: SASL_SSL is refused up front */

#include "scripted_transport.c"

static st_net g_net;

static int setup(void **state)
{
    (void)state;
    tu_log_clear();
    st_init(&g_net, NULL, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    check_log_clean();
    st_free(&g_net);
    return 0;
}

static void test_not_built(void **state)
{
    mb_client_config cfg;
    mb_client *c = NULL;
    (void)state;
    mb_client_config_init(&cfg);
    cfg.bootstrap = "localhost:9092";
    cfg.transport = &g_net.t;
    cfg.now_ms = st_now;
    cfg.random = fixed_random;
    cfg.clock_ud = &g_net;
    cfg.log = tu_log_capture;
    cfg.log_level = MB_LOG_DEBUG;
    cfg.security = sasl_ssl();
    assert_int_equal(mb_client_create(&c, &cfg), MSGBUS_ERR_NOT_BUILT);
    assert_null(c);
    assert_int_equal(g_net.n_socks, 0);
#if MSGBUS_CFG_LOG /* and it says why */
    assert_true(tu_log_has("this build"));
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_not_built, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
