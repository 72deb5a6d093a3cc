/*
 * fuzz_net_client.c - libFuzzer target for the whole connection/client state
 * machine: a client (SASL on or off) on the scripted transport with a fake
 * clock, every broker answer chosen by the input: a valid skeleton of the
 * answer asked for (ApiVersions, SaslHandshake, SaslAuthenticate, Metadata)
 * with bytes flipped, raw bytes under a correct header, raw bytes with their
 * own size prefix, or silence; received in pieces of an input-chosen size.
 *
 * Invariants: no sanitizer report; memory bounded (the allocator fails past
 * a cap and the test aborts if live memory ever passes it); every request
 * the test sends completes exactly once (done() by destroy at the latest).
 */
#include <stdlib.h>
#include <string.h>

#include "../tests/unit/scripted_transport.c"
#include "msgbus/security.h"
#include "net/client.h"
#include "proto/api_versions.h"
#include "proto/metadata.h"
#include "proto/sasl.h"

#define FZ_MEM_CAP (48u * 1024u * 1024u)
#define FZ_REQS 4

typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in;

static uint8_t take(fz_in *in)
{
    uint8_t b = 0;
    if (in->n) {
        b = *in->p++;
        in->n--;
    }
    return b;
}

/* ---- a bounded allocator ---- */

static size_t g_live;

static void *fz_alloc(void *ctx, size_t n)
{
    (void)ctx;
    if (n > FZ_MEM_CAP - g_live)
        return NULL;
    g_live += n;
    return malloc(n);
}

static void fz_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    if (n > g_live)
        abort();
    g_live -= n;
    free(p);
}

/* ---- a random source that starts over with each input (reproducible runs) ---- */

static uint32_t g_seed;

static int fz_random(void *ud, void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t i;
    (void)ud;
    for (i = 0; i < len; i++) {
        g_seed = g_seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(g_seed >> 16);
    }
    return 0;
}

/* ---- skeleton answers ---- */

static size_t skel_apiversions(uint8_t *out, size_t cap, int16_t v)
{
    mb_api_versions_key keys[5] = {{MB_API_API_VERSIONS, 0, 3},
                                   {MB_API_METADATA, 0, 12},
                                   {MB_API_SASL_HANDSHAKE, 0, 1},
                                   {MB_API_SASL_AUTHENTICATE, 0, 2},
                                   {MB_API_PRODUCE, 3, 9}};
    mb_api_versions_resp r;
    mb_wr w;
    memset(&r, 0, sizeof r);
    r.api_keys = keys;
    r.n_api_keys = 5;
    r.finalized_features_epoch = -1;
    mb_wr_init(&w, out, cap);
    return mb_api_versions_resp_write(&w, v, &r) ? 0 : w.len;
}

static size_t skel_handshake(uint8_t *out, size_t cap, int16_t v)
{
    mb_str mech = mb_str_c("PLAIN");
    mb_sasl_handshake_resp r;
    mb_wr w;
    memset(&r, 0, sizeof r);
    r.mechanisms = &mech;
    r.n_mechanisms = 1;
    mb_wr_init(&w, out, cap);
    return mb_sasl_handshake_resp_write(&w, v, &r) ? 0 : w.len;
}

static size_t skel_authenticate(uint8_t *out, size_t cap, int16_t v)
{
    mb_sasl_authenticate_resp r;
    mb_wr w;
    memset(&r, 0, sizeof r);
    r.auth_bytes.ptr = (const uint8_t *)"";
    r.session_lifetime_ms = 60000;
    mb_wr_init(&w, out, cap);
    return mb_sasl_authenticate_resp_write(&w, v, &r) ? 0 : w.len;
}

static size_t skel_metadata(uint8_t *out, size_t cap, int16_t v)
{
    mb_metadata_broker b[2] = {{1, {"127.0.0.1", 9}, 9092, MB_STR_NULL},
                               {2, {"127.0.0.2", 9}, 9092, MB_STR_NULL}};
    int32_t reps[2] = {1, 2};
    mb_metadata_partition parts[2] = {{0, 0, 1, -1, reps, 2, reps, 2, NULL, 0},
                                      {0, 1, 2, -1, reps, 2, reps, 1, NULL, 0}};
    mb_metadata_topic t = {0, {"t", 1}, {{0}}, 0, parts, 2, MB_METADATA_AUTH_OPS_UNKNOWN};
    mb_metadata_resp r = {0, b, 2, {"c", 1}, 1, &t, 1, MB_METADATA_AUTH_OPS_UNKNOWN};
    mb_wr w;
    mb_wr_init(&w, out, cap);
    return mb_metadata_resp_write(&w, v, &r) ? 0 : w.len;
}

static size_t skeleton(const mb_req_hdr *h, uint8_t *out, size_t cap)
{
    switch (h->api_key) {
    case MB_API_API_VERSIONS:
        return skel_apiversions(out, cap, h->api_version);
    case MB_API_SASL_HANDSHAKE:
        return skel_handshake(out, cap, h->api_version);
    case MB_API_SASL_AUTHENTICATE:
        return skel_authenticate(out, cap, h->api_version);
    case MB_API_METADATA:
        return skel_metadata(out, cap, h->api_version);
    default:
        return 0;
    }
}

/* Answer one request as the input says. */
static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    fz_in *in = ud;
    uint8_t buf[2048];
    uint8_t mode = take(in);
    size_t n, i;
    (void)net;
    (void)body;
    if (s->in_len - s->in_off > ST_BUF - 4096)
        return; /* the client is not reading: keep the transport's buffer bounded */
    switch (mode & 3) {
    case 0: /* a valid skeleton with a few bytes flipped */
        n = skeleton(h, buf, sizeof buf);
        for (i = (mode >> 2) & 3; i > 0 && n > 0; i--)
            buf[take(in) % n] ^= take(in);
        st_push_response(s, h->api_key, h->api_version, h->correlation_id, buf, n);
        break;
    case 1: /* raw body bytes under a correct header */
        n = take(in);
        n = n < in->n ? n : in->n;
        st_push_response(s, h->api_key, h->api_version, h->correlation_id, in->p, n);
        in->p += n;
        in->n -= n;
        break;
    case 2: /* raw bytes, size prefix included */
        n = take(in);
        n = n < in->n ? n : in->n;
        st_push(s, in->p, n);
        in->p += n;
        in->n -= n;
        break;
    default: /* silence */
        break;
    }
}

/* ---- the test's own requests ---- */

static int g_done[FZ_REQS];

static int enc(void *ud, mb_wr *w, int16_t version)
{
    (void)ud;
    (void)version;
    return mb_wr_i32(w, 1);
}

static void done(void *ud, int err, int16_t version, mb_rd *body)
{
    (void)err;
    (void)version;
    (void)body;
    g_done[(int *)ud - g_done]++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const msgbus_allocator al = {fz_alloc, fz_free, NULL};
    static st_net net;
    fz_in in = {data, size};
    mb_client_config cfg;
    msgbus_security sec;
    mb_client *c = NULL;
    mb_net_req reqs[FZ_REQS];
    uint8_t flags = take(&in);
    int i, sent = 0;
    st_init(&net, respond, &in);
    net.next.recv_chunk = take(&in);
    mb_client_config_init(&cfg);
    cfg.bootstrap = "127.0.0.1:9092";
    cfg.transport = &net.t;
    cfg.now_ms = st_now;
    cfg.random = fz_random;
    cfg.clock_ud = &net;
    cfg.alloc = &al;
    cfg.max_frame_size = 1024u * 1024u;
    cfg.request_timeout_ms = 300;
    cfg.connect_timeout_ms = 300;
    if (flags & 1) {
        msgbus_security_init(&sec);
        sec.protocol = MSGBUS_SECURITY_SASL_PLAINTEXT;
        sec.sasl_mechanism = (flags & 2) ? MSGBUS_SASL_SCRAM_SHA_256 : MSGBUS_SASL_PLAIN;
        sec.sasl_username = "u";
        sec.sasl_password = "p";
        cfg.security = &sec;
    }
    memset(g_done, 0, sizeof g_done);
    g_live = 0;
    g_seed = 12345u;
    if (mb_client_create(&c, &cfg) == 0) {
        mb_client_want_topic(c, "t");
        for (i = 0; i < 60; i++) {
            if (sent < FZ_REQS && (take(&in) & 1)) {
                mb_net_req *r = &reqs[sent];
                int32_t leader = mb_client_leader(c, "t", 0);
                memset(r, 0, sizeof *r);
                r->api_key = MB_API_PRODUCE;
                r->min_version = 3;
                r->max_version = 9;
                r->expect_response = 1;
                r->encode = enc;
                r->done = done;
                r->ud = &g_done[sent];
                if (mb_client_send(c, leader >= 0 ? leader : MB_BROKER_ANY, r) == 0)
                    sent++;
            }
            mb_client_poll(c, (uint32_t)take(&in) * 4u);
            if (g_live > FZ_MEM_CAP)
                abort();
        }
        mb_client_destroy(c);
    }
    for (i = 0; i < sent; i++)
        if (g_done[i] != 1)
            abort(); /* every request sent completes exactly once */
    if (g_live != 0)
        abort(); /* everything freed */
    st_free(&net);
    return 0;
}
