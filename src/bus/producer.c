/*
 * producer.c - the public producer API: configuration, the event loop (on a
 * thread of its own or driven by msgbus_producer_poll()), sends, waiting for
 * deliveries, flush and close. The accumulator (accumulator.c) holds the
 * batches; the sender (sender.c) moves them to the brokers.
 *
 * The loop: a step does the ready work (sync topics, collect, dispatch),
 * waits for the network until the nearest producer timer or a wake-up (no
 * fixed tick), and while what arrived makes more work ready it runs again
 * without waiting. Application-driven, create returns at once and the loop
 * connects from msgbus_producer_poll() and the blocking calls.
 *
 * Calls go down to sender.c, accumulator.c and net/client.h (through
 * client_open.h); the sender calls back mb_prod_report().
 */
#include <string.h>

#include "msgbus/config_defaults.h"

#include "bus/client_open.h"
#include "bus/producer_int.h"
#include "msgbus/kafka_errors.h"

#if MSGBUS_CFG_PRODUCER

/* A topic the broker is still creating is asked about again this often (ms). */
#define MB_PROD_TOPIC_RETRY_MS 200
/* Most rounds of follow-up work one loop step runs without waiting. */
#define MB_PROD_STEP_ROUNDS 8

/* ------------------------------------------------------------------------ */
/* Configuration                                                             */
/* ------------------------------------------------------------------------ */

void msgbus_producer_config_init(msgbus_producer_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->acks = -1;
    cfg->idempotence = -1;
    cfg->linger_ms = 5;
    cfg->batch_size = 65536;
    cfg->queue_max_msgs = 100000;
    cfg->queue_max_bytes = 32u * 1024u * 1024u;
    cfg->max_message_size = 1048576;
    cfg->delivery_timeout_ms = 120000;
    cfg->request_timeout_ms = 30000;
    cfg->retry_backoff_ms = 100;
    cfg->max_in_flight = 5;
    cfg->metadata_wait_ms = 10000;
    cfg->connect_retries = 3;
    cfg->loop = MSGBUS_LOOP_AUTO;
    cfg->log_level = MSGBUS_LOG_WARN;
    cfg->net_send_buf_size = 64u * 1024u;
    cfg->net_recv_chunk_size = 16u * 1024u;
    msgbus_security_init(&cfg->security);
}

/* Check @p c; the log says what is wrong. */
static int config_check(const msgbus_producer_config *c, mb_logger *lg)
{
    const char *bad = NULL;
    if (!c->bootstrap || !*c->bootstrap || strlen(c->bootstrap) >= 1024)
        bad = "bootstrap must list at least one host:port (under 1024 characters)";
    else if (c->client_id && strlen(c->client_id) >= 128)
        bad = "client_id is longer than 127 characters";
    else if (c->acks != 0 && c->acks != 1 && c->acks != -1)
        bad = "acks must be 0, 1 or -1";
    else if (c->idempotence == 1 && c->acks != -1)
        bad = "idempotence needs acks -1";
    else if (c->idempotence == 1 && c->max_in_flight > 5)
        bad = "idempotence allows at most 5 requests in flight";
    else if (c->batch_size < 1024 || c->batch_size > 64u * 1024u * 1024u)
        bad = "batch_size must be 1 KiB to 64 MiB";
    else if (c->queue_max_msgs == 0 || c->queue_max_bytes < c->batch_size)
        bad = "queue_max_msgs must be positive and queue_max_bytes at least batch_size";
    else if (c->max_message_size == 0 || c->max_message_size > MSGBUS_CFG_MAX_BYTES_LEN)
        bad = "max_message_size must be 1 to MSGBUS_CFG_MAX_BYTES_LEN";
    else if (c->max_in_flight == 0 || c->max_in_flight > 1000)
        bad = "max_in_flight must be 1 to 1000";
    else if (c->delivery_timeout_ms == 0 || c->request_timeout_ms == 0 ||
             c->delivery_timeout_ms > 0x7fffffffu ||
             c->request_timeout_ms > MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS)
        bad = "delivery_timeout_ms must be 1 to 2^31-1, request_timeout_ms 1 to "
              "MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS";
    else if (c->linger_ms > 0x7fffffffu || c->retry_backoff_ms > 0x7fffffffu)
        bad = "linger_ms and retry_backoff_ms are too large";
    else if (c->loop != MSGBUS_LOOP_AUTO && c->loop != MSGBUS_LOOP_THREAD &&
             c->loop != MSGBUS_LOOP_APP)
        bad = "loop must be MSGBUS_LOOP_AUTO, _THREAD or _APP";
    else if (c->net_send_buf_size < 1024 || c->net_send_buf_size > 64u * 1024u * 1024u ||
             c->net_recv_chunk_size < 64 || c->net_recv_chunk_size > 64u * 1024u * 1024u)
        bad = "net_send_buf_size must be 1 KiB to 64 MiB and net_recv_chunk_size 64 B to 64 MiB";
#if !MSGBUS_PORT_HAS_THREADS
    else if (c->loop == MSGBUS_LOOP_THREAD)
        bad = "this port has no threads: use MSGBUS_LOOP_APP";
#endif
    if (bad) {
        MB_LOG(lg, MB_LOG_ERROR, "producer config: %s", bad);
        return MSGBUS_ERR_INVALID_ARG;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Helpers shared with the accumulator and sender                            */
/* ------------------------------------------------------------------------ */

uint32_t mb_prod_now(mb_producer *p)
{
    return p->now_ms ? p->now_ms(p->clock_ud) : msgbus_port_now_ms();
}

uint32_t mb_prod_left(uint32_t start, uint32_t dur, uint32_t now)
{
    uint32_t age = MB_AGE(now, start);
    if (age >= dur)
        return 0;
    return dur - age < MB_PROD_MAX_SLEEP_MS ? dur - age : MB_PROD_MAX_SLEEP_MS;
}

void mb_prod_wake_locked(mb_producer *p)
{
    if (!p->wake_pending) {
        p->wake_pending = 1;
        if (p->threaded)
            mb_client_wakeup(p->cl);
    }
}

/*
 * A record a synchronous send waits for carries this in its opaque slot: its
 * result goes to the waiter, not to on_delivery. An address inside the
 * producer, which no application can pass as its own opaque.
 */
#define MB_SYNC_MARK(p) ((void *)&(p)->waiters)

/* Resolve the sync waiters on @p b (lock held). */
static void resolve_waiters(mb_producer *p, mb_pbatch *b, int err, int64_t base)
{
    mb_sync_wait **pp = &p->waiters;
    while (*pp) {
        mb_sync_wait *w = *pp;
        if (w->batch != b) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->err = err;
        w->partition = b->part->id;
        w->offset = err == 0 && base >= 0 ? base + w->index : -1;
        w->done = 1;
    }
}

void mb_prod_report(mb_producer *p, mb_pbatch *b, int err, int64_t base)
{
    int32_t i, n = b->b.count;
    msgbus_delivery d;
    if (b->sync) {
        msgbus_port_mutex_lock(&p->lock);
        resolve_waiters(p, b, err, base);
        msgbus_port_cond_broadcast(&p->cond);
        msgbus_port_mutex_unlock(&p->lock);
    }
    if (p->cfg.on_delivery) {
        d.err = err;
        d.topic = b->part->topic->name;
        d.partition = b->part->id;
        for (i = 0; i < n; i++) {
            d.opaque = mb_acc_opaque(b, i);
            if (d.opaque == MB_SYNC_MARK(p))
                continue; /* its sender had the result */
            d.offset = err == 0 && base >= 0 ? base + i : -1;
            p->cfg.on_delivery(p->cfg.delivery_ud, &d);
        }
    }
    msgbus_port_mutex_lock(&p->lock);
    p->queued -= (uint32_t)n;
    if (err)
        p->st.msgs_failed += (uint64_t)n;
    else
        p->st.msgs_delivered += (uint64_t)n;
    mb_acc_recycle(p, b);
    msgbus_port_cond_broadcast(&p->cond);
    msgbus_port_mutex_unlock(&p->lock);
}

/* ------------------------------------------------------------------------ */
/* The event loop                                                            */
/* ------------------------------------------------------------------------ */

/* How many metadata answers the client has applied (a generation that moves
 * even when two answers arrive within one millisecond). */
static uint64_t md_generation(const mb_producer *p)
{
    mb_client_stats st;
    mb_client_get_stats(p->cl, &st);
    return st.metadata_refreshes;
}

/*
 * Tell the client about new topics and take in new metadata (lock held).
 * Returns the ms until a topic still being created is asked about again.
 */
static uint32_t sync_topics(mb_producer *p, uint32_t now)
{
    mb_cluster_view v;
    size_t i;
    int unknown = 0;
    if (p->new_topics) {
        p->new_topics = 0;
        for (i = 0; i < p->n_topics; i++) {
            if (!p->topics[i]->wanted) {
                int rc = mb_client_want_topic(p->cl, p->topics[i]->name);
                p->topics[i]->wanted = 1;
                if (rc) { /* e.g. no room for one more topic: its sends fail */
                    p->topics[i]->error = (int16_t)rc;
                    msgbus_port_cond_broadcast(&p->cond);
                }
            }
        }
    }
    mb_client_cluster(p->cl, &v);
    if (v.valid && md_generation(p) != p->md_seen) {
        /* a count, not the clock: two answers can land in one millisecond */
        p->md_seen = md_generation(p);
        if (mb_acc_apply_metadata(p, &v) != 0)
            MB_LOG(&p->log, MB_LOG_ERROR, "out of memory applying metadata");
        msgbus_port_cond_broadcast(&p->cond);
    }
    for (i = 0; i < p->n_topics; i++)
        unknown |= p->topics[i]->n_parts == 0;
    if (!unknown || !v.valid)
        return MB_PROD_MAX_SLEEP_MS; /* the metadata's arrival ends the loop's wait */
    /* A topic still being created: ask again soon. */
    if (msgbus_time_diff(now, v.updated_ms) >= MB_PROD_TOPIC_RETRY_MS) {
        mb_client_refresh_metadata(p->cl, 0);
        return MB_PROD_TOPIC_RETRY_MS;
    }
    return (uint32_t)(MB_PROD_TOPIC_RETRY_MS - msgbus_time_diff(now, v.updated_ms));
}

/* Fail the expired batches of @p expired (lock not held). */
static void report_expired(mb_producer *p, mb_pbatch *expired)
{
    while (expired) {
        mb_pbatch *b = expired;
        expired = b->next;
        MB_LOG(&p->log, MB_LOG_WARN, "%s [%d]: %d messages timed out", b->part->topic->name,
               (int)b->part->id, (int)b->b.count);
        mb_prod_report(p, b, MSGBUS_ERR_TIMEOUT, -1);
    }
}

/* Collect and hand over the ready work; the ms until a producer timer is due. */
static uint32_t run_ready(mb_producer *p)
{
    uint32_t wait, w2, now;
    mb_pbatch *expired;
    mb_preq *reqs;
    msgbus_port_mutex_lock(&p->lock);
    /* read under the lock: a batch an application thread created just before
     * must not look younger than now (its age would wrap to "expired") */
    now = mb_prod_now(p);
    p->wake_pending = 0;
    wait = sync_topics(p, now);
    w2 = mb_snd_collect(p, now, &expired, &reqs);
    msgbus_port_mutex_unlock(&p->lock);
    report_expired(p, expired);
    wait = wait < w2 ? wait : w2;
    w2 = mb_snd_pid_tick(p, now);
    mb_snd_dispatch(p, reqs);
    return wait < w2 ? wait : w2;
}

/*
 * One event-loop step: send what is ready, wait at most @p max_wait ms (less
 * when a producer timer is due first) for the network, and as long as what
 * arrived makes more work ready (a response frees the window, metadata or a
 * producer id arrives), do it in the same step,
 * without waiting again: at most MB_PROD_STEP_ROUNDS rounds.
 */
static int step(mb_producer *p, uint32_t max_wait)
{
    int round, rc;
    for (round = 0; round < MB_PROD_STEP_ROUNDS; round++) {
        uint32_t wait = run_ready(p), seen = p->events;
        uint64_t md = md_generation(p);
        rc = mb_client_poll(p->cl, round > 0 ? 0 : wait < max_wait ? wait : max_wait);
        if (rc || (p->events == seen && md_generation(p) == md))
            return rc;
    }
    return 0;
}

#if MSGBUS_PORT_HAS_THREADS
static int loop_running(mb_producer *p)
{
    int run;
    msgbus_port_mutex_lock(&p->lock);
    run = p->run;
    msgbus_port_mutex_unlock(&p->lock);
    return run;
}

static void loop_thread(void *arg)
{
    mb_producer *p = arg;
    while (loop_running(p)) {
        /* no tick: the nearest deadline or a wake-up (a send, flush, close) ends the wait */
        int rc = step(p, MB_PROD_MAX_SLEEP_MS);
        if (rc) {
            MB_LOG(&p->log, MB_LOG_ERROR, "event loop: %s", msgbus_strerror(rc));
            if (p->cfg.on_error)
                p->cfg.on_error(p->cfg.error_ud, rc, "event loop failed");
            msgbus_port_mutex_lock(&p->lock);
            p->fatal = rc;
            msgbus_port_cond_broadcast(&p->cond);
            msgbus_port_mutex_unlock(&p->lock);
            break;
        }
    }
}
#endif

/*
 * Wait (lock held) until woken or until @p timeout_ms from @p start have
 * passed: on the condition with a loop thread, else by running the loop.
 * Returns MSGBUS_ERR_TIMEOUT once they have. The age since @p start is
 * unsigned, so a timeout of 2^31 ms or more is as long as it says.
 */
static int wait_locked(mb_producer *p, uint32_t start, uint32_t timeout_ms)
{
    uint32_t left = mb_prod_left(start, timeout_ms, mb_prod_now(p));
    int rc;
    if (left == 0)
        return MSGBUS_ERR_TIMEOUT;
    if (p->threaded) {
        msgbus_port_cond_wait(&p->cond, &p->lock, left);
        return p->fatal ? p->fatal : 0;
    }
    msgbus_port_mutex_unlock(&p->lock);
    rc = step(p, left);
    msgbus_port_mutex_lock(&p->lock);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Create and close                                                          */
/* ------------------------------------------------------------------------ */

/*
 * Open the network client. With a loop thread of its own the producer waits
 * (at most MSGBUS_CFG_CONNECT_WAIT_MS) for the cluster here, so a
 * wrong address fails create; application-driven, it returns at once and
 * connects in msgbus_producer_poll() (and a send's wait for its topic).
 */
static int client_open(mb_producer *p, int threaded)
{
    mb_client_config cc;
    mb_client_config_init(&cc);
    cc.bootstrap = p->bootstrap;
    cc.client_id = p->client_id[0] ? p->client_id : NULL;
    cc.transport = p->cfg.transport;
    cc.alloc = &p->al;
    cc.now_ms = p->now_ms;
    cc.random = p->random;
    cc.clock_ud = p->clock_ud;
    cc.log = p->cfg.log;
    cc.log_ud = p->cfg.log_ud;
    cc.log_level = p->cfg.log_level;
    cc.security = &p->cfg.security;
    cc.connect_retries = p->cfg.connect_retries;
    cc.send_buf_size = p->cfg.net_send_buf_size;
    cc.recv_chunk_size = p->cfg.net_recv_chunk_size;
    cc.request_timeout_ms = p->cfg.request_timeout_ms + 1000;
    cc.max_in_flight = p->cfg.max_in_flight;
    return mb_client_open(&p->cl, &cc, threaded ? MSGBUS_CFG_CONNECT_WAIT_MS : 0, &p->own_transport,
                          &p->owns_transport);
}

static void producer_free(mb_producer *p)
{
    if (p->cl)
        mb_client_destroy(p->cl);
    p->cl = NULL;
    if (p->owns_transport)
        msgbus_port_transport_destroy(&p->own_transport);
    mb_acc_free_all(p);
    mb_snd_free(p);
    msgbus_port_cond_destroy(&p->cond);
    msgbus_port_mutex_destroy(&p->lock);
    p->al.free(p->al.ctx, p, sizeof *p);
}

int msgbus_producer_create(msgbus_producer **out, const msgbus_producer_config *cfg)
{
    return mb_producer_create_clock(out, cfg, NULL, NULL, NULL);
}

int mb_producer_create_clock(msgbus_producer **out, const msgbus_producer_config *cfg,
                             uint32_t (*now_ms)(void *ud),
                             int (*random)(void *ud, void *buf, size_t len), void *ud)
{
    const msgbus_allocator *al;
    mb_logger lg;
    mb_producer *p;
    int rc, threaded;
    if (!out || !cfg)
        return MSGBUS_ERR_INVALID_ARG;
    *out = NULL;
    lg.fn = cfg->log;
    lg.ud = cfg->log_ud;
    lg.level = cfg->log_level;
    rc = config_check(cfg, &lg);
    if (rc)
        return rc;
    al = cfg->alloc ? cfg->alloc : msgbus_allocator_default();
    p = al->alloc(al->ctx, sizeof *p);
    if (!p)
        return MSGBUS_ERR_NOMEM;
    memset(p, 0, sizeof *p);
    p->al = *al;
    p->cfg = *cfg;
    p->log = lg;
    p->now_ms = now_ms;
    p->random = random;
    p->clock_ud = ud;
    strcpy(p->bootstrap, cfg->bootstrap);
    if (cfg->client_id)
        strcpy(p->client_id, cfg->client_id);
    p->cfg.bootstrap = p->bootstrap;
    p->cfg.client_id = p->client_id;
    p->idempotent = cfg->acks == -1 ? cfg->idempotence : 0;
    if (p->idempotent && p->cfg.max_in_flight > 5)
        p->cfg.max_in_flight = 5;
    p->pid_state = p->idempotent ? MB_PID_NONE : MB_PID_OFF;
    if (msgbus_port_random(&p->rng, sizeof p->rng) != 0 || p->rng == 0)
        p->rng = 0x9e3779b9u ^ msgbus_port_now_ms();
    if (msgbus_port_mutex_init(&p->lock) != 0 || msgbus_port_cond_init(&p->cond) != 0) {
        p->al.free(p->al.ctx, p, sizeof *p);
        return MSGBUS_ERR_NOMEM;
    }
    threaded = cfg->loop == MSGBUS_LOOP_THREAD ||
               (cfg->loop == MSGBUS_LOOP_AUTO && MSGBUS_PORT_HAS_THREADS);
    rc = client_open(p, threaded);
    if (rc) {
        producer_free(p);
        return rc;
    }
    p->threaded = threaded;
#if MSGBUS_PORT_HAS_THREADS
    if (p->threaded) {
        p->run = 1; /* no other thread yet */
        rc = msgbus_port_thread_create(&p->thread, loop_thread, p);
        if (rc) {
            producer_free(p);
            return rc;
        }
    }
#endif
    *out = p;
    return 0;
}

/* Report every queued batch as failed with @p err (loop stopped). */
static void fail_queued(mb_producer *p, int err)
{
    size_t i;
    int32_t j;
    for (i = 0; i < p->n_topics; i++) {
        mb_ptopic *t = p->topics[i];
        for (j = 0; j < t->n_parts; j++) {
            mb_ppart *part = t->parts[j];
            while (part->head)
                mb_prod_report(p, mb_acc_pop(part), err, -1);
        }
    }
}

int msgbus_producer_close(msgbus_producer *p, uint32_t timeout_ms)
{
    int rc;
    if (!p)
        return MSGBUS_ERR_INVALID_ARG;
    rc = msgbus_producer_flush(p, timeout_ms);
    msgbus_port_mutex_lock(&p->lock);
    p->closing = 1;
    msgbus_port_mutex_unlock(&p->lock);
#if MSGBUS_PORT_HAS_THREADS
    if (p->threaded) {
        msgbus_port_mutex_lock(&p->lock);
        p->run = 0;
        msgbus_port_mutex_unlock(&p->lock);
        mb_client_wakeup(p->cl);
        msgbus_port_thread_join(&p->thread);
        p->threaded = 0;
    }
#endif
    /* In-flight requests fail with STATE as the client goes; then what was never sent. */
    mb_client_destroy(p->cl);
    p->cl = NULL;
    fail_queued(p, MSGBUS_ERR_STATE);
    producer_free(p);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Sending                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Application-driven, the first connect happens in the application's calls:
 * once its retries have all failed, the error (lock held; 0 otherwise).
 */
static int connect_failed(mb_producer *p)
{
    int rc;
    if (p->threaded) /* the loop thread owns the client; create waited for it */
        return 0;
    rc = mb_client_wait_ready(p->cl, 0); /* timeout 0: only asks, never polls */
    /* Only a connect error ends the wait: a bad metadata answer may be retried. */
    return rc == MSGBUS_ERR_TRANSPORT || rc == MSGBUS_ERR_RESOLVE ? rc : 0;
}

/* The topic of @p m with its partitions known, waiting for metadata if needed (lock held). */
static int topic_ready(mb_producer *p, const msgbus_message *m, mb_ptopic **out)
{
    size_t len = strlen(m->topic);
    uint32_t start = mb_prod_now(p);
    int created, rc = 0;
    mb_ptopic *t;
    if (!mb_topic_name_valid(m->topic, len))
        return MSGBUS_ERR_INVALID_ARG;
    t = mb_acc_topic(p, m->topic, len, &created);
    if (!t)
        return MSGBUS_ERR_NOMEM;
    if (created) {
        p->new_topics = 1;
        mb_prod_wake_locked(p);
    }
    while (t->n_parts == 0 && rc == 0) {
        if (t->error && !msgbus_err_retriable(t->error))
            return t->error;
        if ((rc = connect_failed(p)) != 0)
            return rc;
        rc = wait_locked(p, start, p->cfg.metadata_wait_ms);
    }
    if (t->n_parts == 0)
        return rc == MSGBUS_ERR_TIMEOUT && t->error ? t->error : rc;
    *out = t;
    return 0;
}

static int send_locked(mb_producer *p, const msgbus_message *m, mb_pbatch **b, int32_t *index)
{
    mb_ptopic *t = NULL;
    int64_t ts;
    int rc;
    if (p->closing || p->fatal)
        return MSGBUS_ERR_STATE;
    rc = topic_ready(p, m, &t);
    if (rc)
        return rc;
    ts = m->timestamp_ms ? m->timestamp_ms : msgbus_port_wallclock_ms();
    return mb_acc_append(p, t, m, ts, b, index);
}

int msgbus_producer_send(msgbus_producer *p, const msgbus_message *m)
{
    mb_pbatch *b;
    int32_t index;
    int rc;
    if (!p || !m || !m->topic)
        return MSGBUS_ERR_INVALID_ARG;
    msgbus_port_mutex_lock(&p->lock);
    rc = send_locked(p, m, &b, &index);
    msgbus_port_mutex_unlock(&p->lock);
    return rc;
}

int msgbus_producer_send_sync(msgbus_producer *p, const msgbus_message *m, int32_t *partition,
                              int64_t *offset, uint32_t timeout_ms)
{
    mb_sync_wait w, **pp;
    uint32_t start;
    int rc;
    if (!p || !m || !m->topic)
        return MSGBUS_ERR_INVALID_ARG;
    memset(&w, 0, sizeof w);
    msgbus_port_mutex_lock(&p->lock);
    start = mb_prod_now(p);
    rc = send_locked(p, m, &w.batch, &w.index);
    if (rc == 0) {
        w.next = p->waiters;
        p->waiters = &w;
        w.batch->sync = 1;
        mb_acc_set_opaque(w.batch, w.index, MB_SYNC_MARK(p));
        mb_prod_wake_locked(p);
        while (!w.done && rc == 0)
            rc = wait_locked(p, start, timeout_ms);
        if (!w.done) { /* given up: the record's report goes to on_delivery after all */
            for (pp = &p->waiters; *pp && *pp != &w; pp = &(*pp)->next)
                ;
            if (*pp)
                *pp = w.next;
            mb_acc_set_opaque(w.batch, w.index, m->opaque);
        } else {
            rc = w.err;
        }
    }
    msgbus_port_mutex_unlock(&p->lock);
    if (rc == 0) {
        if (partition)
            *partition = w.partition;
        if (offset)
            *offset = w.offset;
    }
    return rc;
}

int msgbus_producer_flush(msgbus_producer *p, uint32_t timeout_ms)
{
    uint32_t start, left;
    int rc = 0;
    if (!p)
        return MSGBUS_ERR_INVALID_ARG;
    msgbus_port_mutex_lock(&p->lock);
    start = mb_prod_now(p);
    p->flushing++;
    mb_prod_wake_locked(p);
    while (p->queued > 0 && rc == 0)
        rc = wait_locked(p, start, timeout_ms);
    p->flushing--;
    left = p->queued; /* read under the lock: the loop thread changes it */
    msgbus_port_mutex_unlock(&p->lock);
    return left > 0 ? (rc ? rc : MSGBUS_ERR_TIMEOUT) : 0;
}

int msgbus_producer_poll(msgbus_producer *p, uint32_t timeout_ms)
{
    int rc;
    if (!p)
        return MSGBUS_ERR_INVALID_ARG;
    if (!p->threaded)
        return step(p, timeout_ms);
    msgbus_port_mutex_lock(&p->lock);
    rc = p->fatal;
    if (!rc && timeout_ms)
        msgbus_port_cond_wait(&p->cond, &p->lock, timeout_ms);
    msgbus_port_mutex_unlock(&p->lock);
    return rc;
}

uint32_t msgbus_producer_queued(msgbus_producer *p)
{
    uint32_t n;
    if (!p)
        return 0;
    msgbus_port_mutex_lock(&p->lock);
    n = p->queued;
    msgbus_port_mutex_unlock(&p->lock);
    return n;
}

void msgbus_producer_stats_get(msgbus_producer *p, msgbus_producer_stats *st)
{
    if (!p || !st)
        return;
    msgbus_port_mutex_lock(&p->lock);
    *st = p->st;
    st->queued_msgs = p->queued;
    st->buffer_bytes = p->buf_bytes;
    msgbus_port_mutex_unlock(&p->lock);
}

#else  /* MSGBUS_CFG_PRODUCER 0: the calls answer MSGBUS_ERR_NOT_BUILT */

void msgbus_producer_config_init(msgbus_producer_config *cfg)
{
    if (cfg)
        memset(cfg, 0, sizeof *cfg);
}

int msgbus_producer_create(msgbus_producer **out, const msgbus_producer_config *cfg)
{
    (void)cfg;
    if (out)
        *out = NULL;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_producer_send(msgbus_producer *p, const msgbus_message *m)
{
    (void)p;
    (void)m;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_producer_send_sync(msgbus_producer *p, const msgbus_message *m, int32_t *partition,
                              int64_t *offset, uint32_t timeout_ms)
{
    (void)p;
    (void)m;
    (void)partition;
    (void)offset;
    (void)timeout_ms;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_producer_flush(msgbus_producer *p, uint32_t timeout_ms)
{
    (void)p;
    (void)timeout_ms;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_producer_poll(msgbus_producer *p, uint32_t timeout_ms)
{
    (void)p;
    (void)timeout_ms;
    return MSGBUS_ERR_NOT_BUILT;
}

uint32_t msgbus_producer_queued(msgbus_producer *p)
{
    (void)p;
    return 0;
}

void msgbus_producer_stats_get(msgbus_producer *p, msgbus_producer_stats *st)
{
    (void)p;
    if (st)
        memset(st, 0, sizeof *st);
}

int msgbus_producer_close(msgbus_producer *p, uint32_t timeout_ms)
{
    (void)p;
    (void)timeout_ms;
    return MSGBUS_ERR_NOT_BUILT;
}
#endif /* MSGBUS_CFG_PRODUCER */
