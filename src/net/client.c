/*
 * client.c - the network core: configuration, the connections, request
 * routing, the metadata refresh and the event-loop step (see client.h).
 *
 * Which way calls go: src/bus calls in (client.h); this file calls down into
 * the connections (conn.h), the metadata cache (cluster.h) and TLS; the
 * connections call back only through the event table given to them in
 * their environment (conn_events below), never into anything else here.
 */
#include "client_int.h"

#include <string.h>

#include "msgbus/config_defaults.h"
#include "msgbus/port.h"

/* ------------------------------------------------------------------------ */
/* Configuration                                                             */
/* ------------------------------------------------------------------------ */

void mb_client_config_init(mb_client_config *cfg)
{
    size_t i;
    memset(cfg, 0, sizeof *cfg);
    cfg->client_id = "msgbus";
    cfg->log_level = MB_LOG_INFO;
    cfg->connect_timeout_ms = 10000;
    cfg->request_timeout_ms = 30000;
    cfg->reconnect_backoff_ms = 100;
    cfg->reconnect_backoff_max_ms = 10000;
    cfg->connect_retries = 3;
    cfg->metadata_max_age_ms = 300000;
    cfg->max_in_flight = 5;
    cfg->max_frame_size = MSGBUS_CFG_MAX_FRAME_SIZE;
    cfg->send_buf_size = 64u * 1024u;
    cfg->recv_chunk_size = 16u * 1024u;
    cfg->recv_keep_bytes = 64u * 1024u;
    cfg->allow_auto_topic_creation = 1;
    for (i = 0; i < sizeof cfg->api_version_cap / sizeof cfg->api_version_cap[0]; i++)
        cfg->api_version_cap[i] = -1;
}

static uint32_t port_now(void *ud)
{
    (void)ud;
    return msgbus_port_now_ms();
}

static int port_random(void *ud, void *buf, size_t len)
{
    (void)ud;
    return msgbus_port_random(buf, len);
}

uint32_t mb_client_now(const mb_client *c)
{
    return c->cfg.now_ms(c->cfg.clock_ud);
}

/* Check the configuration; log what is wrong. */
static int check_config(const mb_client_config *cfg, mb_logger *log)
{
    const char *why = NULL;
    if (!cfg->transport)
        why = "no transport";
    else if (!cfg->bootstrap)
        why = "no bootstrap servers";
    else if (cfg->client_id && strlen(cfg->client_id) >= 128)
        why = "client id longer than 127 bytes";
    else if (cfg->max_in_flight < 1 || cfg->send_buf_size < 256 || cfg->recv_chunk_size < 64)
        why = "max_in_flight must be >= 1, send_buf_size >= 256 and recv_chunk_size >= 64";
    else if (cfg->max_frame_size < 8 || cfg->connect_timeout_ms == 0)
        why = "max_frame_size must be >= 8 and connect_timeout_ms > 0";
    if (why)
        MB_LOG(log, MB_LOG_ERROR, "invalid client configuration: %s", why);
    return why ? MSGBUS_ERR_INVALID_ARG : 0;
}

/* One connection per bootstrap entry, parsed one at a time (a small stack). */
static int add_bootstrap(mb_client *c)
{
    const char *p = c->cfg.bootstrap;
    mb_hostport hp;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (c->n_conns == MB_CLIENT_MAX_BROKERS || mb_addr_parse(p, len, &hp)) {
            MB_LOG(&c->log, MB_LOG_ERROR,
                   "invalid bootstrap list \"%s\": want host:port[,host:port...], port 1-65535",
                   c->cfg.bootstrap);
            return MSGBUS_ERR_INVALID_ARG;
        }
        c->conns[c->n_conns] = mb_conn_new(&c->env, -1 - (int32_t)c->n_conns, &hp);
        if (!c->conns[c->n_conns])
            return MSGBUS_ERR_NOMEM;
        c->n_conns++;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

#if MSGBUS_CFG_TLS || MSGBUS_CFG_SASL
/* Random bytes from the client's source, for TLS. */
static int client_random(void *ud, void *buf, size_t len)
{
    mb_client *c = ud;
    return c->cfg.random(c->cfg.clock_ud, buf, len);
}

/* TLS over the configured transport, and the SASL credentials (copied). */
static int setup_security(mb_client *c, const msgbus_security *sec)
{
    int tls, sasl, rc;
    if (!sec || sec->protocol == MSGBUS_SECURITY_PLAINTEXT)
        return 0;
    tls = sec->protocol == MSGBUS_SECURITY_SSL || sec->protocol == MSGBUS_SECURITY_SASL_SSL;
    sasl = sec->protocol == MSGBUS_SECURITY_SASL_PLAINTEXT ||
           sec->protocol == MSGBUS_SECURITY_SASL_SSL;
    if (!tls && !sasl) {
        MB_LOG(&c->log, MB_LOG_ERROR, "unknown security protocol %d", (int)sec->protocol);
        return MSGBUS_ERR_INVALID_ARG;
    }
    if (sasl) {
        if (!MSGBUS_CFG_SASL) {
            MB_LOG(&c->log, MB_LOG_ERROR, "SASL asked for, but this build leaves SASL out");
            return MSGBUS_ERR_NOT_BUILT;
        }
        if (!sec->sasl_username || !sec->sasl_password || !sec->sasl_username[0] ||
            strlen(sec->sasl_username) >= sizeof c->sasl.user ||
            strlen(sec->sasl_password) >= sizeof c->sasl.pass) {
            MB_LOG(&c->log, MB_LOG_ERROR, "SASL needs a user name and a password (1-255 bytes)");
            return MSGBUS_ERR_INVALID_ARG;
        }
        switch (sec->sasl_mechanism) {
        case MSGBUS_SASL_PLAIN:
        case MSGBUS_SASL_SCRAM_SHA_256:
        case MSGBUS_SASL_SCRAM_SHA_512:
            break;
        default:
            MB_LOG(&c->log, MB_LOG_ERROR, "unknown SASL mechanism %d", (int)sec->sasl_mechanism);
            return MSGBUS_ERR_INVALID_ARG;
        }
        c->env.sasl = &c->sasl;
        c->sasl.mech = sec->sasl_mechanism;
        strcpy(c->sasl.user, sec->sasl_username);
        strcpy(c->sasl.pass, sec->sasl_password);
    }
    if (tls) {
        rc = mb_tls_new(&c->tls, sec, c->cfg.transport, &c->al, client_random, c, &c->log);
        if (rc)
            return rc;
        c->cfg.transport = mb_tls_transport(c->tls);
    }
    return 0;
}
#else
static int setup_security(mb_client *c, const msgbus_security *sec)
{
    if (!sec || sec->protocol == MSGBUS_SECURITY_PLAINTEXT)
        return 0;
    MB_LOG(&c->log, MB_LOG_ERROR, "TLS and SASL are left out of this build");
    return MSGBUS_ERR_NOT_BUILT;
}
#endif

static const mb_conn_events conn_events;

/* What every connection gets; setup_security adds the SASL credentials. */
static void init_env(mb_client *c)
{
    c->env.cfg = &c->cfg;
    c->env.al = &c->al;
    c->env.log = &c->log;
    c->env.client_id = c->client_id;
    c->env.next_corr = &c->next_corr;
    c->env.stats = &c->stats;
    c->env.scratch = c->scratch;
    c->env.scratch_size = sizeof c->scratch;
    c->env.sasl = NULL;
    c->env.ev = &conn_events;
    c->env.ev_ud = c;
}

int mb_client_create(mb_client **out, const mb_client_config *cfg)
{
    const msgbus_allocator *al = cfg->alloc ? cfg->alloc : msgbus_allocator_default();
    mb_logger log = {cfg->log, cfg->log_ud, cfg->log_level};
    mb_client *c;
    int rc;
    *out = NULL;
    if ((rc = check_config(cfg, &log)) != 0)
        return rc;
    c = al->alloc(al->ctx, sizeof *c);
    if (!c)
        return MSGBUS_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    c->al = *al;
    c->log = log;
    if (!c->cfg.now_ms)
        c->cfg.now_ms = port_now;
    if (!c->cfg.random)
        c->cfg.random = port_random;
    strcpy(c->client_id, cfg->client_id ? cfg->client_id : "msgbus");
    c->cfg.client_id = c->client_id;
    init_env(c);
    c->md_needed = 1;
    c->md_req_bytes = MB_MD_BASE_BYTES + strlen(c->client_id);
    c->last_err = MSGBUS_ERR_TRANSPORT;
    if ((rc = setup_security(c, cfg->security)) != 0 || (rc = add_bootstrap(c)) != 0) {
        c->cfg.bootstrap = NULL;
        mb_client_destroy(c);
        return rc;
    }
    c->cfg.bootstrap = NULL; /* parsed; the caller's string is not kept */
    c->cfg.security = NULL;  /* taken in by setup_security; not kept */
    *out = c;
    return 0;
}

void mb_client_destroy(mb_client *c)
{
    size_t i;
    mb_net_req *r;
    if (!c)
        return;
    c->destroying = 1;
    while ((r = c->any_head) != NULL) {
        c->any_head = r->next;
        r->done(r->ud, MSGBUS_ERR_STATE, r->version, NULL);
    }
    for (i = 0; i < c->n_conns; i++)
        mb_conn_free(c->conns[i], MSGBUS_ERR_STATE);
    mb_cluster_free(&c->cluster, &c->al);
    for (i = 0; i < c->n_wanted; i++)
        c->al.free(c->al.ctx, c->wanted[i], strlen(c->wanted[i]) + 1);
    if (c->wanted)
        c->al.free(c->al.ctx, c->wanted, c->cap_wanted * sizeof *c->wanted);
    mb_tls_free(c->tls);
    mb_secure_zero(c->sasl.pass, sizeof c->sasl.pass);
    c->al.free(c->al.ctx, c, sizeof *c);
}

/* ------------------------------------------------------------------------ */
/* Routing                                                                   */
/* ------------------------------------------------------------------------ */

static mb_conn *conn_by_id(const mb_client *c, int32_t id)
{
    size_t i;
    for (i = 0; i < c->n_conns; i++)
        if (c->conns[i]->node_id == id)
            return c->conns[i];
    return NULL;
}

/* Queue @p r (the client is @p ud) to wait for any ready connection; also
 * the connections' requeue event. */
static void requeue_any(void *ud, mb_net_req *r)
{
    mb_client *c = ud;
    r->next = NULL;
    if (c->any_tail)
        c->any_tail->next = r;
    else
        c->any_head = r;
    c->any_tail = r;
}

int mb_client_send(mb_client *c, int32_t broker_id, mb_net_req *req)
{
    uint32_t now;
    mb_conn *conn = NULL;
    if (!c || !req || !req->encode || !req->done || req->min_version > req->max_version ||
        (broker_id < 0 && broker_id != MB_BROKER_ANY))
        return MSGBUS_ERR_INVALID_ARG;
    if (c->destroying)
        return MSGBUS_ERR_STATE;
    if (broker_id != MB_BROKER_ANY && (conn = conn_by_id(c, broker_id)) == NULL)
        return MSGBUS_ERR_STATE;
    now = mb_client_now(c);
    req->broker_id = broker_id;
    if (conn) {
        mb_conn_submit(conn, req, now);
        return 0;
    }
    req->version = -1;
    req->deadline = mb_conn_deadline(&c->env, now, req->timeout_ms);
    requeue_any(c, req);
    return 0;
}

/* A ready connection with the fewest requests in flight, or NULL. */
static mb_conn *least_loaded(const mb_client *c)
{
    mb_conn *best = NULL;
    size_t i;
    for (i = 0; i < c->n_conns; i++) {
        mb_conn *k = c->conns[i];
        if (k->state == MB_CONN_READY && (!best || k->n_inflight < best->n_inflight))
            best = k;
    }
    return best;
}

/* With no connection ready or on its way, start the next idle one. */
static void kick_one(mb_client *c, uint32_t now)
{
    size_t i;
    for (i = 0; i < c->n_conns; i++)
        if (c->conns[i]->state == MB_CONN_CONNECTING || c->conns[i]->state == MB_CONN_HANDSHAKE ||
            c->conns[i]->state == MB_CONN_AUTH)
            return;
    for (i = 0; i < c->n_conns; i++)
        if (c->conns[i]->state == MB_CONN_IDLE) {
            mb_conn_kick(c->conns[i], now);
            return;
        }
}

/* Expire waiting MB_BROKER_ANY requests; hand the rest to a ready connection. */
static void route_any(mb_client *c, uint32_t now)
{
    mb_net_req *r, *prev = NULL, *next;
    mb_conn *target;
    for (r = c->any_head; r; r = next) {
        next = r->next;
        if (msgbus_time_diff(now, r->deadline) < 0) {
            prev = r;
            continue;
        }
        if (prev)
            prev->next = next;
        else
            c->any_head = next;
        if (c->any_tail == r)
            c->any_tail = prev;
        c->stats.timeouts++;
        r->done(r->ud, MSGBUS_ERR_TIMEOUT, r->version, NULL);
    }
    if (!c->any_head)
        return;
    target = least_loaded(c);
    if (!target) {
        kick_one(c, now);
        return;
    }
    while ((r = c->any_head) != NULL) {
        c->any_head = r->next;
        if (!c->any_head)
            c->any_tail = NULL;
        mb_conn_enqueue(target, r, now);
    }
}

/* ------------------------------------------------------------------------ */
/* Connection events                                                         */
/* ------------------------------------------------------------------------ */

static void on_conn_failed(void *ud, mb_conn *conn, int err, int was_ready)
{
    mb_client *c = ud;
    (void)conn;
    c->events++;
    if (was_ready) {
        c->stats.disconnects++;
        c->md_needed = 1; /* leaders may have moved */
    } else {
        c->stats.connect_failures++;
        c->failed_attempts++;
        c->last_err = err;
    }
}

static void on_conn_ready(void *ud, mb_conn *conn)
{
    mb_client *c = ud;
    (void)conn;
    c->events++;
    c->failed_attempts = 0;
}

/* A bootstrap entry reconnects only until the client has metadata. */
static int on_keep_bootstrap(void *ud, const mb_conn *conn)
{
    const mb_client *c = ud;
    (void)conn;
    return !c->cluster.valid;
}

static const mb_conn_events conn_events = {on_conn_ready, on_conn_failed, requeue_any,
                                           on_keep_bootstrap};

/* ------------------------------------------------------------------------ */
/* Metadata                                                                  */
/* ------------------------------------------------------------------------ */

/* The topic list lives in the scratch arena, which no callback is using while
 * a request is encoded; a client wanting more topics than fit asks for all. */
static int md_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_client *c = ud;
    mb_metadata_req_topic *topics = (mb_metadata_req_topic *)c->scratch;
    mb_metadata_req req;
    size_t i, n = c->n_wanted, cap = MB_CLIENT_SCRATCH / sizeof(mb_metadata_req_topic);
    memset(&req, 0, sizeof req);
    if (n > cap) {
        n = 0;
        c->md_all = 1;
    }
    memset(topics, 0, n * sizeof *topics);
    for (i = 0; i < n; i++)
        topics[i].name = mb_str_c(c->wanted[i]);
    req.topics = topics;
    req.n_topics = c->md_all ? -1 : (int32_t)n;
    /* below v4 every Metadata request may create topics; the field is absent */
    req.allow_auto_topic_creation =
        version >= 4 ? (int8_t)(c->cfg.allow_auto_topic_creation != 0) : 1;
    return mb_metadata_req_write(w, version, &req);
}

/* Keep a connection per metadata broker, adopting bootstrap connections. */
static void follow_brokers(mb_client *c, uint32_t now)
{
    int32_t i;
    for (i = 0; i < c->cluster.n_brokers; i++) {
        const mb_broker_info *b = &c->cluster.brokers[i];
        mb_hostport hp;
        mb_conn *k = conn_by_id(c, b->node_id);
        size_t j;
        memcpy(hp.host, b->host, sizeof hp.host);
        hp.port = b->port;
        if (k) {
            mb_conn_set_addr(k, &hp, now);
            continue;
        }
        for (j = 0; j < c->n_conns && !k; j++)
            if (c->conns[j]->node_id < 0 && c->conns[j]->addr.port == hp.port &&
                strcmp(c->conns[j]->addr.host, hp.host) == 0)
                k = c->conns[j];
        if (k) {
            k->node_id = b->node_id; /* the bootstrap entry is this broker */
        } else if (c->n_conns < MB_CLIENT_MAX_BROKERS) {
            k = mb_conn_new(&c->env, b->node_id, &hp);
            if (k)
                c->conns[c->n_conns++] = k;
            else
                c->md_err = MSGBUS_ERR_NOMEM; /* told by wait_ready, should it time out */
        }
    }
}

/* A failed or incomplete answer: ask again, after a short pause. */
static void md_retry_later(mb_client *c, uint32_t now)
{
    c->md_needed = 1;
    c->md_due = now + c->cfg.reconnect_backoff_ms;
}

/* The answer could not be used: say why, keep the reason for wait_ready. */
static void md_refused(mb_client *c, int rc, const char *why, uint32_t now)
{
    MB_LOG(&c->log, MB_LOG_WARN, "Metadata response refused: %s%s%s; asking again in %u ms",
           msgbus_strerror(rc), why ? ": " : "", why ? why : "",
           (unsigned)c->cfg.reconnect_backoff_ms);
    c->md_err = rc;
    c->md_failures++;
    md_retry_later(c, now);
}

/*
 * Decode a Metadata answer of @p left bytes into an arena sized from what it
 * holds: the first try is about the answer's size, each retry doubles, never
 * above MSGBUS_CFG_METADATA_ARENA_MAX (a hostile 20 MiB frame costs no more).
 */
static int md_decode(mb_client *c, const mb_rd *body, int16_t version, mb_metadata_resp *resp,
                     void **mem, size_t *size)
{
    size_t cap = (size_t)MSGBUS_CFG_METADATA_ARENA_MAX;
    size_t n = body->left < cap / 2 ? body->left * 2u + 4096u : cap;
    for (;;) {
        mb_rd rd = *body;
        mb_arena a;
        int rc;
        if (n > cap)
            n = cap;
        *mem = c->al.alloc(c->al.ctx, n);
        *size = n;
        if (!*mem)
            return MSGBUS_ERR_NOMEM;
        mb_arena_init(&a, *mem, n);
        rc = mb_metadata_resp_read(&rd, version, &a, resp);
        if (rc != MSGBUS_ERR_NO_ROOM || n == cap)
            return rc;
        c->al.free(c->al.ctx, *mem, n);
        *mem = NULL;
        n *= 2;
    }
}

static void md_apply(mb_client *c, mb_rd *body, int16_t version, uint32_t now)
{
    mb_metadata_resp resp;
    const char *why = NULL;
    void *mem = NULL;
    size_t size = 0;
    int rc = md_decode(c, body, version, &resp, &mem, &size);
    if (rc == MSGBUS_ERR_NOMEM) {
        MB_LOG(&c->log, MB_LOG_ERROR, "no memory to decode a Metadata response");
        why = "no memory";
    }
    if (rc == 0)
        rc = mb_cluster_update(&c->cluster, &c->al, &resp, now, &why);
    if (mem)
        c->al.free(c->al.ctx, mem, size);
    if (rc) {
        md_refused(c, rc, why, now);
        return;
    }
    c->md_err = 0;
    c->md_failures = 0;
    c->stats.metadata_refreshes++;
    c->events++;
    /* md_needed was cleared when the request went out; a topic wanted since
     * keeps it set. Partitions without usable leaders: ask again, after a pause. */
    if (mb_cluster_needs_refresh(&c->cluster))
        md_retry_later(c, now);
    follow_brokers(c, now);
}

static void md_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_client *c = ud;
    uint32_t now;
    if (c->destroying)
        return;
    now = mb_client_now(c);
    c->md_inflight = 0;
    c->md_due = now; /* a usable, complete answer: the next refresh may go at once */
    if (err) {
        md_retry_later(c, now);
        MB_LOG(&c->log, MB_LOG_INFO, "Metadata request failed: %s", msgbus_err_name(err));
        return;
    }
    md_apply(c, body, version, now);
}

static void md_tick(mb_client *c, uint32_t now)
{
    int aged = c->cluster.valid &&
               msgbus_time_diff(now, c->cluster.updated_ms) >= (int32_t)c->cfg.metadata_max_age_ms;
    if (c->md_inflight || (!c->md_needed && !aged) || msgbus_time_diff(now, c->md_due) < 0)
        return;
    memset(&c->md_req, 0, sizeof c->md_req);
    c->md_req.api_key = MB_API_METADATA;
    c->md_req.min_version = 1;
    c->md_req.max_version = 12;
    c->md_req.expect_response = 1;
    c->md_req.encode = md_encode;
    c->md_req.done = md_done;
    c->md_req.ud = c;
    if (mb_client_send(c, MB_BROKER_ANY, &c->md_req) == 0) {
        c->md_inflight = 1;
        c->md_needed = 0;
    }
}

int mb_topic_name_valid(const char *topic, size_t len)
{
    size_t i;
    if (!topic || len == 0 || len > 249)
        return 0;
    if ((len == 1 && topic[0] == '.') || (len == 2 && topic[0] == '.' && topic[1] == '.'))
        return 0;
    for (i = 0; i < len; i++)
        if (!((topic[i] >= 'a' && topic[i] <= 'z') || (topic[i] >= 'A' && topic[i] <= 'Z') ||
              (topic[i] >= '0' && topic[i] <= '9') || topic[i] == '.' || topic[i] == '_' ||
              topic[i] == '-'))
            return 0;
    return 1;
}

int mb_client_want_topic(mb_client *c, const char *topic)
{
    size_t i, len;
    char *copy;
    if (!topic || !mb_topic_name_valid(topic, len = strlen(topic)))
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < c->n_wanted; i++)
        if (strcmp(c->wanted[i], topic) == 0)
            return 0;
    /* Every Metadata request names every wanted topic: it must fit the
     * connection's encode buffer (a bound: name, length, topic id, tags). */
    if (c->md_req_bytes + len + MB_MD_TOPIC_BYTES > c->cfg.send_buf_size) {
        MB_LOG(&c->log, MB_LOG_ERROR,
               "topic %s: a Metadata request for %u topics would not fit the %u-byte "
               "connection send buffer (send_buf_size)",
               topic, (unsigned)c->n_wanted + 1, (unsigned)c->cfg.send_buf_size);
        return MSGBUS_ERR_MSG_TOO_LARGE;
    }
    if (c->n_wanted == c->cap_wanted) {
        size_t cap = c->cap_wanted ? c->cap_wanted * 2 : 8;
        char **w = c->al.alloc(c->al.ctx, cap * sizeof *w);
        if (!w)
            return MSGBUS_ERR_NOMEM;
        if (c->wanted) {
            memcpy(w, c->wanted, c->n_wanted * sizeof *w);
            c->al.free(c->al.ctx, c->wanted, c->cap_wanted * sizeof *w);
        }
        c->wanted = w;
        c->cap_wanted = cap;
    }
    copy = c->al.alloc(c->al.ctx, len + 1);
    if (!copy)
        return MSGBUS_ERR_NOMEM;
    memcpy(copy, topic, len + 1);
    c->wanted[c->n_wanted++] = copy;
    c->md_req_bytes += len + MB_MD_TOPIC_BYTES;
    c->md_needed = 1;
    return 0;
}

void mb_client_refresh_metadata(mb_client *c, int all)
{
    c->md_needed = 1;
    if (all)
        c->md_all = 1;
}

void mb_client_cluster(const mb_client *c, mb_cluster_view *view)
{
    mb_cluster_view_of(&c->cluster, view);
}

int32_t mb_client_leader(const mb_client *c, const char *topic, int32_t partition)
{
    const mb_topic_info *t = mb_cluster_topic(&c->cluster, topic);
    int32_t i;
    if (!t)
        return -1;
    for (i = 0; i < t->n_partitions; i++)
        if (t->partitions[i].partition == partition)
            return mb_cluster_has_broker(&c->cluster, t->partitions[i].leader)
                       ? t->partitions[i].leader
                       : -1;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* The event loop                                                            */
/* ------------------------------------------------------------------------ */

/* Progress that can make more work ready: connections ready or lost,
 * responses handled, metadata applied, requests expired. */
static uint64_t progress(const mb_client *c)
{
    return c->events + c->stats.responses + c->stats.timeouts;
}

static void step_once(mb_client *c, uint32_t now)
{
    size_t i;
    md_tick(c, now);
    route_any(c, now);
    for (i = 0; i < c->n_conns; i++) /* n_conns may grow while stepping */
        mb_conn_step(c->conns[i], now);
    route_any(c, now);
}

/* Step until a step makes no more work ready (bounded): what a state change
 * makes possible (ready -> Metadata -> requests for the new leaders) is done
 * now, not when the next timer fires. */
static void step_all(mb_client *c, uint32_t now)
{
    int i;
    for (i = 0; i < MB_CLIENT_MAX_STEPS; i++) {
        uint64_t before = progress(c);
        step_once(c, now);
        if (progress(c) == before)
            return;
    }
}

/* Milliseconds from @p now to @p deadline, 0 if passed, capped at @p limit. */
static uint32_t min_until(uint32_t now, uint32_t deadline, uint32_t limit)
{
    int32_t d = msgbus_time_diff(deadline, now);
    uint32_t u = d > 0 ? (uint32_t)d : 0;
    return u < limit ? u : limit;
}

/* The earliest real deadline: connection timers, request deadlines, the
 * metadata retry or its maximum age. */
static uint32_t next_timer(const mb_client *c, uint32_t now, uint32_t limit)
{
    const mb_net_req *r;
    size_t i;
    for (i = 0; i < c->n_conns; i++) {
        uint32_t t = mb_conn_next_timer(c->conns[i], now);
        if (t < limit)
            limit = t;
    }
    for (r = c->any_head; r; r = r->next)
        limit = min_until(now, r->deadline, limit);
    if (!c->md_inflight && c->md_needed)
        limit = min_until(now, c->md_due, limit);
    else if (!c->md_inflight && c->cluster.valid)
        limit = min_until(now, c->cluster.updated_ms + c->cfg.metadata_max_age_ms, limit);
    return limit;
}

int mb_client_poll(mb_client *c, uint32_t timeout_ms)
{
    const msgbus_transport *t = c->cfg.transport;
    uint32_t now = mb_client_now(c);
    size_t i, n = 0;
    uint64_t seen = progress(c) + c->stats.disconnects;
    int rc;
    step_all(c, now);
    /* Responses handled just now may be what the caller waits for: do not sleep. */
    if (progress(c) + c->stats.disconnects != seen)
        timeout_ms = 0;
    for (i = 0; i < c->n_conns; i++) {
        unsigned want = mb_conn_poll_want(c->conns[i]);
        if (!want)
            continue;
        c->items[n].sock = c->conns[i]->sock;
        c->items[n].want = want;
        c->items[n].ready = 0;
        n++;
    }
    rc = t->wait(t->ctx, c->items, n, next_timer(c, now, timeout_ms));
    if (rc < 0)
        return rc;
    step_all(c, mb_client_now(c));
    return 0;
}

void mb_client_wakeup(mb_client *c)
{
    if (c->cfg.transport->wakeup)
        c->cfg.transport->wakeup(c->cfg.transport->ctx);
}

int mb_client_wait_ready(mb_client *c, uint32_t timeout_ms)
{
    uint32_t start = mb_client_now(c);
    int retries = c->cfg.connect_retries, md_base = c->md_failures;
    if (timeout_ms > MSGBUS_CFG_MAX_TIMEOUT_MS) /* (int32_t) below must stay positive */
        timeout_ms = (uint32_t)MSGBUS_CFG_MAX_TIMEOUT_MS;
    for (;;) {
        int32_t left = (int32_t)timeout_ms - msgbus_time_diff(mb_client_now(c), start);
        int rc;
        if (c->cluster.valid)
            return 0;
        if (retries > 0 && c->failed_attempts >= retries)
            return c->last_err;
        if (retries > 0 && c->md_failures - md_base >= retries) /* answers came, none usable */
            return c->md_err;
        if (left <= 0) /* why the metadata never came, when the client knows */
            return c->md_err ? c->md_err : MSGBUS_ERR_TIMEOUT;
        if ((rc = mb_client_poll(c, (uint32_t)left)) != 0)
            return rc;
    }
}

int16_t mb_client_api_version(const mb_client *c, int32_t broker_id, int16_t api_key)
{
    const mb_conn *k = conn_by_id(c, broker_id);
    const mb_api_info *info = mb_api_lookup(api_key);
    if (!k || !info || k->state != MB_CONN_READY)
        return -1;
    return mb_conn_pick_version(k, api_key, info->min_version, info->max_version);
}

void mb_client_get_stats(const mb_client *c, mb_client_stats *st)
{
    *st = c->stats;
}
