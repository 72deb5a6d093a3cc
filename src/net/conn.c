/*
 * conn.c - one broker connection (see conn.h).
 *
 * States: IDLE -> CONNECTING (TCP, then TLS when configured) -> HANDSHAKE
 * (ApiVersions) -> AUTH (SASL, when configured) -> READY; any failure
 * -> BACKOFF -> CONNECTING again after an exponential, jittered delay. Each
 * state has one small handler run from mb_conn_step().
 *
 * Which way calls go: the client calls in (mb_conn_*); this file calls down
 * into the transport, the codec and the SASL exchange (whose answers are
 * actions carried out here); it reports upward only through env->ev (ready,
 * failed, requeue, keep_bootstrap). It never sees the client's internals.
 */
#include "conn.h"

#include <string.h>

#include "msgbus/config_defaults.h"
#include "msgbus/port.h"
#include "proto/api_versions.h"
#include "sasl_auth.h"

#define MB_CONN_SEND_BUF_MIN 1024u

static const char *state_name(mb_conn_state s)
{
    static const char *names[] = {"idle", "backoff", "connecting", "handshake", "auth", "ready"};
    return names[s];
}

static int due(uint32_t now, uint32_t deadline)
{
    return msgbus_time_diff(now, deadline) >= 0;
}

/* ------------------------------------------------------------------------ */
/* Request lists                                                             */
/* ------------------------------------------------------------------------ */

static void list_push(mb_net_req **head, mb_net_req **tail, mb_net_req *r)
{
    r->next = NULL;
    if (*tail)
        (*tail)->next = r;
    else
        *head = r;
    *tail = r;
}

static mb_net_req *list_pop(mb_net_req **head, mb_net_req **tail)
{
    mb_net_req *r = *head;
    if (r) {
        *head = r->next;
        if (!*head)
            *tail = NULL;
        r->next = NULL;
    }
    return r;
}

/* Unlink @p r (found after @p prev, NULL if first) from a list. */
static void list_unlink(mb_net_req **head, mb_net_req **tail, mb_net_req *prev, mb_net_req *r)
{
    if (prev)
        prev->next = r->next;
    else
        *head = r->next;
    if (*tail == r)
        *tail = prev;
    r->next = NULL;
}

static void complete(mb_net_req *r, int err)
{
    r->done(r->ud, err, r->version, NULL);
}

/* Complete every request of a list with @p err. */
static void fail_list(mb_net_req **head, mb_net_req **tail, int err)
{
    mb_net_req *r;
    while ((r = list_pop(head, tail)) != NULL)
        complete(r, err);
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */
/* ------------------------------------------------------------------------ */

static void *env_alloc(const mb_conn_env *env, size_t n)
{
    return env->al->alloc(env->al->ctx, n);
}

static void env_free(const mb_conn_env *env, void *p, size_t n)
{
    if (p)
        env->al->free(env->al->ctx, p, n);
}

static uint32_t conn_now(const mb_conn *c)
{
    return c->env->cfg->now_ms(c->env->cfg->clock_ud);
}

static uint32_t conn_rand(const mb_conn *c)
{
    uint32_t v = 0;
    if (c->env->cfg->random(c->env->cfg->clock_ud, &v, sizeof v))
        return 0;
    return v;
}

/* A fresh frame reader (after a close, the old one's buffers are gone). */
static void frame_reset(mb_conn *c)
{
    mb_frame_init_alloc(&c->fr, c->env->al, c->env->cfg->max_frame_size);
    c->fr.keep_max = c->env->cfg->recv_keep_bytes;
}

static void apiv_done(void *ud, int err, int16_t version, mb_rd *body);
static int apiv_encode(void *ud, mb_wr *w, int16_t version);
static void sasl_begin(mb_conn *c, uint32_t now);

mb_conn *mb_conn_new(const mb_conn_env *env, int32_t node_id, const mb_hostport *addr)
{
    const mb_client_config *cfg = env->cfg;
    mb_conn *c = env_alloc(env, sizeof *c);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->env = env;
    c->node_id = node_id;
    c->addr = *addr;
    frame_reset(c);
    c->sbuf = env_alloc(env, cfg->send_buf_size);
    c->rbuf = env_alloc(env, cfg->recv_chunk_size);
    c->iov = env_alloc(env, MB_CONN_IOV * sizeof *c->iov);
    if (!c->sbuf || !c->rbuf || !c->iov) {
        mb_conn_free(c, MSGBUS_ERR_NOMEM);
        return NULL;
    }
    mb_backoff_init(&c->backoff, cfg->reconnect_backoff_ms, cfg->reconnect_backoff_max_ms);
    memset(c->api_min, 0xff, sizeof c->api_min);
    memset(c->api_max, 0xff, sizeof c->api_max);
    c->apiv.api_key = MB_API_API_VERSIONS;
    c->apiv.expect_response = 1;
    c->apiv.encode = apiv_encode;
    c->apiv.done = apiv_done;
    c->apiv.ud = c;
    return c;
}

static void close_sock(mb_conn *c)
{
    const msgbus_transport *t = c->env->cfg->transport;
    if (MSGBUS_CFG_SASL)
        mb_sasl_end(&c->sasl);
    c->reauth_at = 0;
    if (c->sock) {
        t->close(t->ctx, c->sock);
        c->sock = NULL;
    }
    mb_frame_destroy(&c->fr);
    frame_reset(c);
}

/* Give every request that was sent (or half sent) back with @p err. */
static void fail_sent(mb_conn *c, int err)
{
    mb_net_req *s = c->sending;
    c->sending = NULL;
    c->n_inflight = 0;
    if (s && s != &c->apiv && s != &c->auth)
        complete(s, err);
    fail_list(&c->f_head, &c->f_tail, err);
}

void mb_conn_free(mb_conn *c, int err)
{
    const mb_conn_env *env = c->env;
    close_sock(c);
    mb_frame_destroy(&c->fr);
    fail_sent(c, err);
    fail_list(&c->q_head, &c->q_tail, err);
    env_free(env, c->sbuf, env->cfg->send_buf_size);
    env_free(env, c->rbuf, env->cfg->recv_chunk_size);
    env_free(env, c->iov, MB_CONN_IOV * sizeof *c->iov);
    env_free(env, c, sizeof *c);
}

/* Queued requests: MB_BROKER_ANY ones go back up (another broker may take
 * them); those for this broker stay and wait for the reconnect. */
static void hand_back_any(mb_conn *c)
{
    mb_net_req *r, *keep_h = NULL, *keep_t = NULL;
    while ((r = list_pop(&c->q_head, &c->q_tail)) != NULL) {
        if (r->broker_id == MB_BROKER_ANY)
            c->env->ev->requeue(c->env->ev_ud, r);
        else
            list_push(&keep_h, &keep_t, r);
    }
    c->q_head = keep_h;
    c->q_tail = keep_t;
}

/*
 * The connection failed: close it, fail what was sent or half sent with
 * MSGBUS_ERR_TRANSPORT whatever the cause (a timeout, a malformed or
 * oversized frame, a reset: each is retriable for the requests in flight),
 * give MB_BROKER_ANY requests back, and wait out a backoff.
 */
static void conn_fail(mb_conn *c, int err, uint32_t now, const char *why)
{
    int was_ready = c->state == MB_CONN_READY;
    uint32_t delay;
    if (c->state == MB_CONN_HANDSHAKE && c->apiv.version > 0)
        c->apiv_v0 = 1; /* a broker that drops an ApiVersions it cannot parse */
    close_sock(c);
    fail_sent(c, MSGBUS_ERR_TRANSPORT);
    hand_back_any(c);
    delay = mb_backoff_next(&c->backoff, conn_rand(c));
    MB_LOG(c->env->log, was_ready ? MB_LOG_WARN : MB_LOG_INFO,
           "broker %d %s:%u: %s (%s) while %s; reconnecting in %u ms", (int)c->node_id,
           c->addr.host, (unsigned)c->addr.port, why, msgbus_err_name(err), state_name(c->state),
           (unsigned)delay);
    c->state = MB_CONN_BACKOFF;
    c->deadline = now + delay;
    c->env->ev->failed(c->env->ev_ud, c, err, was_ready);
}

static void start_connect(mb_conn *c, uint32_t now)
{
    const msgbus_transport *t = c->env->cfg->transport;
    int rc = t->connect(t->ctx, c->addr.host, c->addr.port, &c->sock);
    c->env->stats->connects++;
    c->state = MB_CONN_CONNECTING;
    c->deadline = now + c->env->cfg->connect_timeout_ms;
    if (rc) {
        c->sock = NULL;
        conn_fail(c, rc, now, "cannot connect");
    }
}

void mb_conn_kick(mb_conn *c, uint32_t now)
{
    if (c->state == MB_CONN_IDLE)
        start_connect(c, now);
}

uint32_t mb_conn_deadline(const mb_conn_env *env, uint32_t now, uint32_t timeout_ms)
{
    uint32_t t = timeout_ms ? timeout_ms : env->cfg->request_timeout_ms;
    return now + (t > MSGBUS_CFG_MAX_TIMEOUT_MS ? (uint32_t)MSGBUS_CFG_MAX_TIMEOUT_MS : t);
}

void mb_conn_submit(mb_conn *c, mb_net_req *r, uint32_t now)
{
    r->version = -1;
    r->deadline = mb_conn_deadline(c->env, now, r->timeout_ms);
    mb_conn_enqueue(c, r, now);
}

void mb_conn_enqueue(mb_conn *c, mb_net_req *r, uint32_t now)
{
    list_push(&c->q_head, &c->q_tail, r);
    mb_conn_kick(c, now);
}

void mb_conn_set_addr(mb_conn *c, const mb_hostport *addr, uint32_t now)
{
    if (strcmp(c->addr.host, addr->host) == 0 && c->addr.port == addr->port)
        return;
    c->addr = *addr;
    if (c->sock)
        conn_fail(c, MSGBUS_ERR_TRANSPORT, now, "broker moved");
}

/* ------------------------------------------------------------------------ */
/* Versions                                                                  */
/* ------------------------------------------------------------------------ */

int16_t mb_conn_pick_version(const mb_conn *c, int16_t key, int16_t lo, int16_t hi)
{
    int16_t cap;
    if (key < 0 || key >= MB_CONN_API_KEYS || c->api_max[key] < 0)
        return -1;
    cap = c->env->cfg->api_version_cap[key];
    if (cap >= 0 && cap < hi)
        hi = cap;
    if (c->api_max[key] < hi)
        hi = c->api_max[key];
    if (c->api_min[key] > lo)
        lo = c->api_min[key];
    return hi >= lo ? hi : -1;
}

/* ------------------------------------------------------------------------ */
/* Sending                                                                   */
/* ------------------------------------------------------------------------ */

/* Encode @p r at its version into sbuf/iov, ready to send. */
static int encode_req(mb_conn *c, mb_net_req *r)
{
    mb_req_hdr h;
    mb_wr w;
    size_t pos;
    h.api_key = r->api_key;
    h.api_version = r->version;
    h.correlation_id = r->correlation_id = (*c->env->next_corr)++;
    if (*c->env->next_corr < 0)
        *c->env->next_corr = 0;
    h.client_id = mb_str_c(c->env->client_id);
    mb_wr_init_iov(&w, c->sbuf, c->env->cfg->send_buf_size, c->iov, MB_CONN_IOV);
    if (mb_req_begin(&w, &h, &pos) == 0 && r->encode(r->ud, &w, r->version) == 0)
        mb_frame_end(&w, pos);
    if (w.err == 0)
        mb_wr_finish_iov(&w);
    if (w.err)
        return w.err == MSGBUS_ERR_NO_ROOM ? MSGBUS_ERR_MSG_TOO_LARGE : w.err;
    c->iov_n = w.iov_n;
    c->iov_i = 0;
    c->sbuf_used = w.len;
    c->sending = r;
    return 0;
}

/* Take the next queued request that can be encoded and make it `sending`. */
static void fill(mb_conn *c)
{
    if (MSGBUS_CFG_SASL && c->reauth_at && due(conn_now(c), c->reauth_at))
        return; /* the SASL session ends: drain, then reconnect (step_io) */
    while (!c->sending && c->q_head && c->n_inflight < c->env->cfg->max_in_flight) {
        mb_net_req *r = list_pop(&c->q_head, &c->q_tail);
        int rc;
        r->version = mb_conn_pick_version(c, r->api_key, r->min_version, r->max_version);
        if (r->version < 0) {
            MB_LOG(c->env->log, MB_LOG_ERROR, "broker %d speaks no version %d-%d of API %d",
                   (int)c->node_id, r->min_version, r->max_version, r->api_key);
            complete(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
            continue;
        }
        rc = encode_req(c, r);
        if (rc)
            complete(r, rc);
    }
}

/* The request in `sending` went out whole. */
static void sent(mb_conn *c)
{
    mb_net_req *r = c->sending;
    c->sending = NULL;
    if (MSGBUS_CFG_SASL && r == &c->auth) /* it held the password or a SCRAM proof */
        mb_secure_zero(c->sbuf, c->sbuf_used);
    c->env->stats->requests_sent++;
    if (r->expect_response) {
        list_push(&c->f_head, &c->f_tail, r);
        c->n_inflight++;
    } else {
        r->done(r->ud, 0, r->version, NULL);
    }
}

/* Send as much as the transport takes. 0, or -1 if the connection failed. */
static int flush(mb_conn *c, uint32_t now)
{
    const msgbus_transport *t = c->env->cfg->transport;
    for (;;) {
        long n;
        if (c->state == MB_CONN_READY)
            fill(c);
        if (!c->sending)
            return 0;
        n = t->send(t->ctx, c->sock, c->iov + c->iov_i, c->iov_n - c->iov_i);
        if (n < 0) {
            conn_fail(c, MSGBUS_ERR_TRANSPORT, now, "send failed");
            return -1;
        }
        if (n == 0)
            return 0;
        while (n > 0 && c->iov_i < c->iov_n) {
            size_t take = (size_t)n < c->iov[c->iov_i].len ? (size_t)n : c->iov[c->iov_i].len;
            c->iov[c->iov_i].base = (const uint8_t *)c->iov[c->iov_i].base + take;
            c->iov[c->iov_i].len -= take;
            n -= (long)take;
            if (c->iov[c->iov_i].len == 0)
                c->iov_i++;
        }
        if (c->iov_i == c->iov_n)
            sent(c);
    }
}

/* ------------------------------------------------------------------------ */
/* Receiving                                                                 */
/* ------------------------------------------------------------------------ */

/* Hand one response frame to the request waiting for it. */
static int dispatch(mb_conn *c, const uint8_t *frame, size_t len, uint32_t now)
{
    mb_net_req *r, *prev = NULL;
    int32_t corr = 0;
    mb_rd rd;
    mb_rd_init(&rd, frame, len);
    if (mb_rd_i32(&rd, &corr)) {
        conn_fail(c, MSGBUS_ERR_MALFORMED, now, "response shorter than its header");
        return -1;
    }
    for (r = c->f_head; r && r->correlation_id != corr; r = r->next)
        prev = r;
    if (!r) {
        c->env->stats->unmatched_responses++;
        MB_LOG(c->env->log, MB_LOG_DEBUG, "broker %d: discarded a response to correlation id %d",
               (int)c->node_id, (int)corr);
        return 0;
    }
    list_unlink(&c->f_head, &c->f_tail, prev, r);
    c->n_inflight--;
    mb_rd_init(&rd, frame, len);
    if (mb_resp_hdr_read(&rd, mb_api_resp_hdr_version(r->api_key, r->version), &corr)) {
        complete(r, MSGBUS_ERR_TRANSPORT); /* retriable, as for the rest in flight */
        conn_fail(c, MSGBUS_ERR_MALFORMED, now, "malformed response header");
        return -1;
    }
    c->env->stats->responses++;
    r->done(r->ud, 0, r->version, &rd);
    return c->sock ? 0 : -1;
}

/* Feed @p n received bytes to the frame reader, dispatching whole frames. */
static int feed(mb_conn *c, const uint8_t *in, size_t n, uint32_t now)
{
    size_t off = 0;
    while (off < n) {
        size_t used = 0;
        const uint8_t *frame;
        size_t flen;
        int rc = mb_frame_feed(&c->fr, in + off, n - off, &used);
        off += used;
        if (rc < 0) {
            conn_fail(c, rc, now, "bad response frame");
            return -1;
        }
        if (rc != MB_FRAME_READY)
            continue;
        mb_frame_get(&c->fr, &frame, &flen);
        rc = dispatch(c, frame, flen, now);
        if (c->sock)
            mb_frame_release(&c->fr);
        if (rc)
            return -1;
    }
    return 0;
}

/* Receive until the transport has nothing more. 0, or -1 if the connection failed. */
static int receive(mb_conn *c, uint32_t now)
{
    const msgbus_transport *t = c->env->cfg->transport;
    for (;;) {
        long n = t->recv(t->ctx, c->sock, c->rbuf, c->env->cfg->recv_chunk_size);
        if (n < 0) {
            conn_fail(c, n == MSGBUS_ERR_TLS ? MSGBUS_ERR_TLS : MSGBUS_ERR_TRANSPORT, now,
                      "connection closed");
            return -1;
        }
        if (n == 0)
            return 0;
        if (feed(c, c->rbuf, (size_t)n, now))
            return -1;
    }
}

/* ------------------------------------------------------------------------ */
/* Handshake: ApiVersions                                                    */
/* ------------------------------------------------------------------------ */

static int apiv_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_api_versions_req req;
    (void)ud;
    req.client_software_name = mb_str_c("msgbus");
    req.client_software_version = mb_str_c("0.1.0");
    return mb_api_versions_req_write(w, version, &req);
}

static void send_apiversions(mb_conn *c, uint32_t now)
{
    int rc;
    c->state = MB_CONN_HANDSHAKE;
    c->deadline = now + c->env->cfg->connect_timeout_ms;
    c->apiv.version = c->apiv_v0 ? 0 : 3;
    c->apiv.deadline = c->deadline;
    rc = encode_req(c, &c->apiv);
    if (rc)
        conn_fail(c, rc, now, "cannot encode ApiVersions");
}

static void store_versions(mb_conn *c, const mb_api_versions_resp *resp)
{
    int32_t i;
    memset(c->api_min, 0xff, sizeof c->api_min);
    memset(c->api_max, 0xff, sizeof c->api_max);
    for (i = 0; i < resp->n_api_keys; i++) {
        const mb_api_versions_key *k = &resp->api_keys[i];
        if (k->api_key >= 0 && k->api_key < MB_CONN_API_KEYS && k->min_version <= k->max_version) {
            c->api_min[k->api_key] = k->min_version;
            c->api_max[k->api_key] = k->max_version;
        }
    }
}

static void set_ready(mb_conn *c)
{
    c->state = MB_CONN_READY;
    mb_backoff_reset(&c->backoff);
    MB_LOG(c->env->log, MB_LOG_INFO, "broker %d %s:%u ready", (int)c->node_id, c->addr.host,
           (unsigned)c->addr.port);
    c->env->ev->ready(c->env->ev_ud, c);
}

static void apiv_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_conn *c = ud;
    mb_api_versions_resp resp;
    mb_arena a;
    uint32_t now = conn_now(c);
    if (err)
        return; /* the connection failed; conn_fail handles it */
    mb_arena_init(&a, c->env->scratch, c->env->scratch_size);
    if (mb_api_versions_resp_read(body, version, &a, &resp)) {
        conn_fail(c, body->err, now, "malformed ApiVersions response");
        return;
    }
    if (resp.error_code == MSGBUS_KERR_UNSUPPORTED_VERSION && version > 0) {
        MB_LOG(c->env->log, MB_LOG_DEBUG, "broker %d: ApiVersions v%d refused, using v0",
               (int)c->node_id, version);
        c->apiv_v0 = 1;
        send_apiversions(c, now);
        return;
    }
    if (resp.error_code) {
        conn_fail(c, resp.error_code, now, "ApiVersions failed");
        return;
    }
    store_versions(c, &resp);
    MB_LOG(c->env->log, MB_LOG_DEBUG, "broker %d %s:%u: ApiVersions v%d, %d APIs", (int)c->node_id,
           c->addr.host, (unsigned)c->addr.port, version, (int)resp.n_api_keys);
    if (MSGBUS_CFG_SASL && c->env->sasl) /* 0: the SASL code drops out of the build */
        sasl_begin(c, now);
    else
        set_ready(c);
}

/* ------------------------------------------------------------------------ */
/* SASL: the exchange says what to do; this carries it out                   */
/* ------------------------------------------------------------------------ */

static int auth_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_conn *c = ud;
    return mb_sasl_encode(c->sasl, w, version);
}

/* The SASL session's end, from its lifetime: re-authenticate before it. */
static void note_lifetime(mb_conn *c, int64_t lifetime_ms, uint32_t now)
{
    uint32_t at;
    if (lifetime_ms <= 0 || lifetime_ms > MSGBUS_CFG_MAX_TIMEOUT_MS)
        return;
    at = now + (uint32_t)(lifetime_ms - lifetime_ms / 10);
    c->reauth_at = at ? at : 1;
}

/* Send the SASL request @p s names, at the best version both speak. */
static void auth_send(mb_conn *c, const mb_sasl_step *s, uint32_t now)
{
    int rc;
    c->auth.api_key = s->api_key;
    c->auth.version = mb_conn_pick_version(c, s->api_key, s->min_version, s->max_version);
    if (c->auth.version < 0) {
        MB_LOG(c->env->log, MB_LOG_ERROR, "broker %d speaks no %s v%d-%d: cannot authenticate",
               (int)c->node_id,
               s->api_key == MB_API_SASL_HANDSHAKE ? "SaslHandshake" : "SaslAuthenticate",
               s->min_version, s->max_version);
        conn_fail(c, MSGBUS_ERR_AUTH, now, "SASL not offered");
        return;
    }
    c->auth.deadline = c->deadline;
    if ((rc = encode_req(c, &c->auth)) != 0)
        conn_fail(c, rc, now, "cannot encode a SASL request");
}

static void sasl_act(mb_conn *c, const mb_sasl_step *s, uint32_t now)
{
    switch (s->act) {
    case MB_SASL_SEND:
        auth_send(c, s, now);
        break;
    case MB_SASL_READY:
        mb_sasl_end(&c->sasl);
        note_lifetime(c, s->lifetime_ms, now);
        set_ready(c);
        break;
    case MB_SASL_FAIL:
        conn_fail(c, s->err, now, s->why);
        break;
    }
}

static void auth_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_conn *c = ud;
    mb_sasl_step s;
    if (err || !c->sasl)
        return; /* the connection failed: conn_fail handles it */
    mb_sasl_answer(c->sasl, version, body, &s);
    sasl_act(c, &s, conn_now(c));
}

static void sasl_begin(mb_conn *c, uint32_t now)
{
    mb_sasl_step s;
    c->state = MB_CONN_AUTH;
    c->auth.expect_response = 1;
    c->auth.encode = auth_encode;
    c->auth.done = auth_done;
    c->auth.ud = c;
    mb_sasl_begin(&c->sasl, c->env, c->node_id, &s);
    sasl_act(c, &s, now);
}

/* ------------------------------------------------------------------------ */
/* Timers and the step                                                       */
/* ------------------------------------------------------------------------ */

/* Fail queued requests whose deadline passed. */
static void expire_queued(mb_conn *c, uint32_t now)
{
    mb_net_req *r, *prev = NULL, *next;
    for (r = c->q_head; r; r = next) {
        next = r->next;
        if (due(now, r->deadline)) {
            list_unlink(&c->q_head, &c->q_tail, prev, r);
            c->env->stats->timeouts++;
            complete(r, MSGBUS_ERR_TIMEOUT);
        } else {
            prev = r;
        }
    }
}

/* A sent request whose deadline passed closes the connection: it gets
 * TIMEOUT, the rest in flight TRANSPORT. 0, or -1 if the connection failed. */
static int expire(mb_conn *c, uint32_t now)
{
    mb_net_req *r, *prev = NULL;
    expire_queued(c, now);
    for (r = c->f_head; r && !due(now, r->deadline); r = r->next)
        prev = r;
    if (!r && !(c->sending && c->sending != &c->apiv && due(now, c->sending->deadline)))
        return 0;
    c->env->stats->timeouts++;
    if (r) {
        list_unlink(&c->f_head, &c->f_tail, prev, r); /* not the first in flight, maybe */
        c->n_inflight--;
    } else {
        r = c->sending;
        c->sending = NULL;
    }
    complete(r, MSGBUS_ERR_TIMEOUT);
    conn_fail(c, MSGBUS_ERR_TIMEOUT, now, "request timed out");
    return -1;
}

static void step_connecting(mb_conn *c, uint32_t now)
{
    const msgbus_transport *t = c->env->cfg->transport;
    int rc = t->connect_check(t->ctx, c->sock);
    if (rc < 0)
        conn_fail(c, rc, now, "connection refused or failed");
    else if (rc > 0)
        send_apiversions(c, now);
    else if (due(now, c->deadline))
        conn_fail(c, MSGBUS_ERR_TIMEOUT, now, "connect timed out");
}

static void step_io(mb_conn *c, uint32_t now)
{
    if ((c->state == MB_CONN_HANDSHAKE || c->state == MB_CONN_AUTH) && due(now, c->deadline)) {
        conn_fail(c, MSGBUS_ERR_TIMEOUT, now,
                  c->state == MB_CONN_AUTH ? "SASL timed out" : "ApiVersions timed out");
        return;
    }
    if (c->state != MB_CONN_READY) /* requests queued behind the handshake time out too */
        expire_queued(c, now);
    if (flush(c, now) || receive(c, now))
        return;
    if (MSGBUS_CFG_SASL && c->state == MB_CONN_READY && c->reauth_at && due(now, c->reauth_at) &&
        !c->sending && c->n_inflight == 0) {
        /* Re-authenticating means a new connection: SASL runs on each. */
        conn_fail(c, MSGBUS_ERR_TRANSPORT, now, "SASL session lifetime over, re-authenticating");
        return;
    }
    if (c->state == MB_CONN_READY && !expire(c, now))
        flush(c, now);
}

/* CONNECTING: once the transport (and TLS) is through, ApiVersions goes at once. */
static void step_connect(mb_conn *c, uint32_t now)
{
    expire(c, now);
    step_connecting(c, now);
    if (c->state == MB_CONN_HANDSHAKE)
        step_io(c, now);
}

/* BACKOFF: when it ends, reconnect and go as far as the transport allows. */
static void step_backoff(mb_conn *c, uint32_t now)
{
    expire(c, now);
    if (!due(now, c->deadline))
        return;
    /* A broker reconnects by itself; a bootstrap entry only while it is
     * still needed (no metadata yet, or requests wait on it). */
    if (c->node_id < 0 && !c->q_head && !c->env->ev->keep_bootstrap(c->env->ev_ud, c)) {
        c->state = MB_CONN_IDLE;
        return;
    }
    start_connect(c, now);
    if (c->state == MB_CONN_CONNECTING)
        step_connect(c, now);
}

void mb_conn_step(mb_conn *c, uint32_t now)
{
    switch (c->state) {
    case MB_CONN_IDLE:
        expire(c, now);
        break;
    case MB_CONN_BACKOFF:
        step_backoff(c, now);
        break;
    case MB_CONN_CONNECTING:
        step_connect(c, now);
        break;
    case MB_CONN_HANDSHAKE:
    case MB_CONN_AUTH:
    case MB_CONN_READY:
        step_io(c, now);
        break;
    }
}

static uint32_t until(uint32_t now, uint32_t deadline)
{
    int32_t d = msgbus_time_diff(deadline, now);
    return d > 0 ? (uint32_t)d : 0;
}

uint32_t mb_conn_next_timer(const mb_conn *c, uint32_t now)
{
    uint32_t best = UINT32_MAX;
    const mb_net_req *r;
    if (c->state == MB_CONN_BACKOFF || c->state == MB_CONN_CONNECTING ||
        c->state == MB_CONN_HANDSHAKE || c->state == MB_CONN_AUTH)
        best = until(now, c->deadline);
    for (r = c->q_head; r; r = r->next)
        if (until(now, r->deadline) < best)
            best = until(now, r->deadline);
    for (r = c->f_head; r; r = r->next)
        if (until(now, r->deadline) < best)
            best = until(now, r->deadline);
    return best;
}

unsigned mb_conn_poll_want(const mb_conn *c)
{
    unsigned want;
    if (!c->sock)
        return 0;
    if (c->state == MB_CONN_CONNECTING)
        return MSGBUS_POLL_OUT;
    want = MSGBUS_POLL_IN;
    if (c->sending ||
        (c->state == MB_CONN_READY && c->q_head && c->n_inflight < c->env->cfg->max_in_flight))
        want |= MSGBUS_POLL_OUT;
    return want;
}
