/*
 * bus.c - the bus facade: maps a msgbus_config (the Go msgbus shape) onto a
 * producer bound to one topic (a writer) or a consumer of one topic (a
 * reader), and gives writes and reads the blocking or non-blocking meaning
 * the config asks for.
 *
 * Calls go one way: application -> bus.c -> producer.c / consumer.c. The
 * only calls back up are the application's callbacks (the reader callback,
 * on_delivery, on_error), which bus.c runs without holding its lock and
 * inside a marker (cb_of, per thread) so that a call from a callback into
 * its own bus that would wait for that callback, or for the loop running it,
 * returns MSGBUS_ERR_STATE instead of deadlocking.
 *
 * Waits longer than 2^31 ms: reads and msgbus_poll() count the time left in
 * 64 bits and wait in slices; waits handed to the producer are clamped to
 * MSGBUS_CFG_BUS_MAX_WAIT_MS.
 */
#include <string.h>

#include "msgbus/config_defaults.h"
#include "msgbus/msgbus.h"
#include "msgbus/port.h"
#include "net/client.h"
#include "net/log.h"
#include "local/bus_local.h" /* technology local */

#if MSGBUS_PORT_HAS_THREADS
#include <stdatomic.h>
#endif

struct msgbus {
    const mb_bus_ops *ops; /* another technology's calls (NULL: Kafka) */
    void *impl;            /* its connection state */
    msgbus_config cfg;
    msgbus_allocator al;
    char topic[256];
    char bootstrap[1024];
    char group_id[64];     /* generated when the config has none */
    msgbus_producer *prod; /* writer */
    msgbus_consumer *cons; /* reader */
    mb_logger log;
    /* everything below is read and written under lock */
    msgbus_port_mutex_t lock; /* the consumer: read calls vs the callback thread */
    msgbus_port_cond_t idle;  /* signalled when a callback call ends */
    /* msgbus_poll() beside a callback thread waits on these, not on lock, so
     * that it never queues for the lock the callback thread polls under */
    msgbus_port_mutex_t wait_mu;
    msgbus_port_cond_t wake; /* signalled (under wait_mu) when a callback call ends */
    msgbus_record pending;   /* read but not yet taken (a value too long for the buffer) */
    int has_pending;
    msgbus_read_fn cb; /* NULL: none registered (a callback thread ends when it sees NULL) */
    void *cb_ud;
    int cb_thread;    /* 1: a thread of the bus runs the callback (else msgbus_poll) */
    unsigned cb_busy; /* callback calls in progress */
#if MSGBUS_PORT_HAS_THREADS
    msgbus_port_thread_t thread;
    atomic_uint lock_wanted; /* threads waiting for lock: the callback thread steps aside */
#endif
    int open;
};

/*
 * The bus whose callback the calling thread is running (NULL: none). Per
 * thread where the port has threads: another thread's calls are not
 * re-entrant and may wait for the callback to end.
 */
#if MSGBUS_PORT_HAS_THREADS
static _Thread_local const msgbus *cb_of;
#else
static const msgbus *cb_of;
#endif

static int in_callback(const msgbus *bus)
{
    return cb_of == bus;
}

/*
 * Take the bus lock from an application thread. The callback thread polls
 * under the lock and takes it again at once; a mutex is not fair, so it
 * could keep an application call waiting for as long as records (or empty
 * fetch answers) keep coming. Saying that a thread wants the lock makes the
 * callback thread step aside (cb_step_aside) after its current poll.
 */
static void bus_lock(msgbus *bus)
{
#if MSGBUS_PORT_HAS_THREADS
    atomic_fetch_add(&bus->lock_wanted, 1u);
    msgbus_port_mutex_lock(&bus->lock);
    atomic_fetch_sub(&bus->lock_wanted, 1u);
#else
    msgbus_port_mutex_lock(&bus->lock);
#endif
}

static int sync_init_wait(msgbus *bus)
{
    int rc = msgbus_port_mutex_init(&bus->wait_mu);
    if (rc == 0 && (rc = msgbus_port_cond_init(&bus->wake)) != 0)
        msgbus_port_mutex_destroy(&bus->wait_mu);
    return rc;
}

static void sync_destroy(msgbus *bus)
{
    msgbus_port_cond_destroy(&bus->wake);
    msgbus_port_mutex_destroy(&bus->wait_mu);
    msgbus_port_cond_destroy(&bus->idle);
    msgbus_port_mutex_destroy(&bus->lock);
}

/* Tell a msgbus_poll() waiting beside the callback thread that a call ended. */
static void wake_pollers(msgbus *bus)
{
    msgbus_port_mutex_lock(&bus->wait_mu);
    msgbus_port_cond_broadcast(&bus->wake);
    msgbus_port_mutex_unlock(&bus->wait_mu);
}

/* A wait of up to 2^64 ms counted down in 64 bits from the wrapping clock. */
typedef struct wait_left {
    uint64_t left; /* ms still to wait */
    uint32_t mark; /* the clock reading @c left counts from */
    int forever;   /* never over */
} wait_left;

static void wait_start(wait_left *w, uint64_t ms, int forever)
{
    w->left = ms;
    w->mark = msgbus_port_now_ms();
    w->forever = forever;
}

/* Take the time passed since the last reading off w->left. */
static void wait_update(wait_left *w)
{
    uint32_t now = msgbus_port_now_ms();
    int32_t d = msgbus_time_diff(now, w->mark);
    if (d > 0) {
        w->left -= (uint64_t)d < w->left ? (uint64_t)d : w->left;
        w->mark = now;
    }
}

/* The next slice to wait: at most MSGBUS_CFG_BUS_WAIT_SLICE_MS. */
static uint32_t wait_slice(wait_left *w)
{
    wait_update(w);
    if (w->forever || w->left > MSGBUS_CFG_BUS_WAIT_SLICE_MS)
        return MSGBUS_CFG_BUS_WAIT_SLICE_MS;
    return (uint32_t)w->left;
}

static int wait_over(wait_left *w)
{
    wait_update(w);
    return !w->forever && w->left == 0;
}

/* A wait handed to the producer, which counts in 32-bit differences. */
static uint32_t clamp_wait(uint32_t ms)
{
    return ms > (uint32_t)MSGBUS_CFG_BUS_MAX_WAIT_MS ? (uint32_t)MSGBUS_CFG_BUS_MAX_WAIT_MS : ms;
}

static msgbus_log_fn g_log;
static void *g_log_ud;
static int g_log_level;

void msgbus_set_logger(msgbus_log_fn fn, void *ud, int level)
{
    g_log = fn;
    g_log_ud = ud;
    g_log_level = level;
}

void msgbus_config_init(msgbus_config *cfg)
{
    msgbus_producer_config pc;
    if (!cfg)
        return;
    msgbus_producer_config_init(&pc);
    memset(cfg, 0, sizeof *cfg);
    cfg->tech = MSGBUS_TECH_KAFKA;
    cfg->host = "localhost";
    cfg->port = 9092;
    cfg->blocking = MSGBUS_BLOCKING;
    cfg->direction = MSGBUS_WRITER;
    cfg->connect_retries = pc.connect_retries;
    cfg->net_send_buf_size = pc.net_send_buf_size;
    cfg->net_recv_chunk_size = pc.net_recv_chunk_size;
    cfg->acks = pc.acks;
    cfg->linger_ms = pc.linger_ms;
    cfg->batch_size = pc.batch_size;
    cfg->queue_max_msgs = pc.queue_max_msgs;
    cfg->queue_max_bytes = pc.queue_max_bytes;
    cfg->write_timeout_ms = 30000;
    cfg->log_level = MSGBUS_LOG_WARN;
    cfg->loop = MSGBUS_LOOP_AUTO;
    cfg->start = MSGBUS_START_COMMITTED;
    cfg->auto_commit_interval_ms = 5000;
    cfg->session_timeout_ms = 10000;
    cfg->read_queue_max_bytes = 16u << 20;
    cfg->read_queue_max_msgs = 100000;
    msgbus_security_init(&cfg->security);
}

/*
 * Append @p s to the string of @p cap bytes at @p dst, which holds *@p n;
 * -1 if it does not fit. (No printf here: small targets keep it out.)
 */
static int append(char *dst, size_t cap, size_t *n, const char *s)
{
    size_t len = strlen(s);
    if (len >= cap - *n)
        return -1;
    memcpy(dst + *n, s, len + 1);
    *n += len;
    return 0;
}

static int append_uint(char *dst, size_t cap, size_t *n, unsigned v)
{
    char tmp[12];
    int i = 11;
    tmp[11] = '\0';
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    return append(dst, cap, n, tmp + i);
}

/* A switch rather than a range check: an enum may be unsigned (ARM EABI). */
static int start_valid(msgbus_start s)
{
    switch (s) {
    case MSGBUS_START_COMMITTED:
    case MSGBUS_START_EARLIEST:
    case MSGBUS_START_LATEST:
    case MSGBUS_START_OFFSET:
    case MSGBUS_START_TIME:
    case MSGBUS_START_DELTA:
        return 1;
    }
    return 0;
}

/* Check @p c and build the bootstrap list into @p b; the log says what is wrong. */
static int config_check(msgbus *b, const msgbus_config *c, mb_logger *lg)
{
    const char *bad = NULL;
    int rc = 0;
    if (c->tech != MSGBUS_TECH_KAFKA)
        bad = "tech must be MSGBUS_TECH_KAFKA";
    else if (c->direction != MSGBUS_WRITER && c->direction != MSGBUS_READER)
        bad = "direction must be MSGBUS_WRITER or MSGBUS_READER";
    else if (c->blocking != MSGBUS_BLOCKING && c->blocking != MSGBUS_NONBLOCKING)
        bad = "blocking must be MSGBUS_BLOCKING or MSGBUS_NONBLOCKING";
    else if (!c->topic || !mb_topic_name_valid(c->topic, strlen(c->topic)))
        bad = "topic must be 1-249 characters of [a-zA-Z0-9._-]";
    else if (!c->bootstrap && (!c->host || !*c->host || c->port < 1 || c->port > 65535))
        bad = "host must be set and port must be 1-65535 (or give bootstrap)";
    else if (c->write_timeout_ms == 0)
        bad = "write_timeout_ms must be positive";
    else if (c->direction == MSGBUS_READER &&
             (!start_valid(c->start) || (c->start == MSGBUS_START_OFFSET && c->start_offset < 0) ||
              (c->start == MSGBUS_START_TIME && c->start_time_ms < 0) ||
              (c->start == MSGBUS_START_DELTA && c->start_delta_ms < 0)))
        bad = "start must be MSGBUS_START_*, with a non-negative offset, time or delta";
    if (!bad) {
        size_t n = 0;
        int v6 = !c->bootstrap && strchr(c->host, ':') != NULL;
        if (c->bootstrap)
            rc = append(b->bootstrap, sizeof b->bootstrap, &n, c->bootstrap);
        else
            rc = append(b->bootstrap, sizeof b->bootstrap, &n, v6 ? "[" : "") ||
                 append(b->bootstrap, sizeof b->bootstrap, &n, c->host) ||
                 append(b->bootstrap, sizeof b->bootstrap, &n, v6 ? "]:" : ":") ||
                 append_uint(b->bootstrap, sizeof b->bootstrap, &n, (unsigned)c->port);
        if (rc)
            bad = "host or bootstrap is too long";
    }
    if (bad) {
        MB_LOG(lg, MB_LOG_ERROR, "msgbus config: %s", bad);
        return MSGBUS_ERR_INVALID_ARG;
    }
    return 0;
}

/* The application's callbacks, run inside the marker that in_callback() reads. */
static void bus_delivery(void *ud, const msgbus_delivery *d)
{
    msgbus *b = ud;
    const msgbus *outer = cb_of;
    cb_of = b;
    b->cfg.on_delivery(b->cfg.delivery_ud, d);
    cb_of = outer;
}

static void bus_error(void *ud, int err, const char *reason)
{
    msgbus *b = ud;
    const msgbus *outer = cb_of;
    cb_of = b;
    b->cfg.on_error(b->cfg.error_ud, err, reason);
    cb_of = outer;
}

static int open_writer(msgbus *b)
{
    msgbus_producer_config pc;
    const msgbus_config *c = &b->cfg;
    msgbus_producer_config_init(&pc);
    pc.bootstrap = b->bootstrap;
    pc.client_id = c->client_id;
    pc.acks = c->acks;
    pc.linger_ms = c->blocking == MSGBUS_BLOCKING ? 0 : c->linger_ms;
    pc.batch_size = c->batch_size;
    pc.queue_max_msgs = c->queue_max_msgs;
    pc.queue_max_bytes = c->queue_max_bytes;
    pc.connect_retries = c->connect_retries;
    pc.net_send_buf_size = c->net_send_buf_size;
    pc.net_recv_chunk_size = c->net_recv_chunk_size;
    pc.on_delivery = c->on_delivery ? bus_delivery : NULL;
    pc.delivery_ud = b;
    pc.on_error = c->on_error ? bus_error : NULL;
    pc.error_ud = b;
    pc.log = c->log;
    pc.log_ud = c->log_ud;
    pc.log_level = c->log_level;
    pc.alloc = &b->al;
    pc.transport = c->transport;
    pc.security = c->security;
    pc.loop = c->loop;
    return msgbus_producer_create(&b->prod, &pc);
}

/* A reader in a consumer group: the group shares out the partitions. */
static int open_group_reader(msgbus *b, msgbus_consumer_config *cc)
{
    const msgbus_config *c = &b->cfg;
    const char *topic = b->topic;
    int rc;
    if (c->group_id) {
        cc->group_id = c->group_id;
    } else {
        /* as the Go msgbus does: a group of one's own */
        uint8_t r[8] = {0};
        int i;
        if (msgbus_port_random(r, sizeof r) != 0) {
            uint32_t t = msgbus_port_now_ms();
            memcpy(r, &t, sizeof t);
        }
        strcpy(b->group_id, "msgbus-");
        for (i = 0; i < 8; i++) {
            b->group_id[7 + 2 * i] = "0123456789abcdef"[r[i] >> 4];
            b->group_id[8 + 2 * i] = "0123456789abcdef"[r[i] & 15];
        }
        b->group_id[23] = '\0';
        cc->group_id = b->group_id;
    }
    cc->auto_commit_interval_ms = c->auto_commit_interval_ms;
    cc->session_timeout_ms = c->session_timeout_ms;
    cc->heartbeat_interval_ms = c->session_timeout_ms / 3 ? c->session_timeout_ms / 3 : 1;
    cc->auto_offset_reset = MSGBUS_OFFSET_BEGINNING;
    rc = msgbus_consumer_create(&b->cons, cc);
    if (rc == 0)
        rc = msgbus_consumer_subscribe(b->cons, &topic, 1);
    if (rc && b->cons) {
        msgbus_consumer_close(b->cons);
        b->cons = NULL;
    }
    return rc;
}

/* Assign every partition of the topic where cfg.start says. */
static int open_reader(msgbus *b)
{
    msgbus_consumer_config cc;
    const msgbus_config *c = &b->cfg;
    int32_t n = 0, i;
    int64_t when = 0;
    int rc;
    msgbus_consumer_config_init(&cc);
    cc.bootstrap = b->bootstrap;
    cc.client_id = c->client_id;
    cc.connect_retries = c->connect_retries;
    cc.net_send_buf_size = c->net_send_buf_size;
    cc.net_recv_chunk_size = c->net_recv_chunk_size;
    cc.queue_max_bytes = c->read_queue_max_bytes;
    cc.queue_max_msgs = c->read_queue_max_msgs;
    if (cc.queue_max_bytes < cc.partition_max_bytes)
        cc.partition_max_bytes = cc.queue_max_bytes < 1024 ? 1024 : (uint32_t)cc.queue_max_bytes;
    cc.on_error = c->on_error ? bus_error : NULL;
    cc.error_ud = b;
    cc.log = c->log;
    cc.log_ud = c->log_ud;
    cc.log_level = c->log_level;
    cc.alloc = &b->al;
    cc.transport = c->transport;
    cc.security = c->security;
    if (c->start == MSGBUS_START_COMMITTED)
        return open_group_reader(b, &cc);
    rc = msgbus_consumer_create(&b->cons, &cc);
    if (rc == 0)
        rc = msgbus_consumer_partition_count(b->cons, b->topic, &n, 30000);
    if (c->start == MSGBUS_START_TIME)
        when = c->start_time_ms;
    else if (c->start == MSGBUS_START_DELTA)
        when = msgbus_port_wallclock_ms() - c->start_delta_ms;
    for (i = 0; rc == 0 && i < n; i++) {
        switch (c->start) {
        case MSGBUS_START_LATEST:
            rc = msgbus_consumer_assign(b->cons, b->topic, i, MSGBUS_OFFSET_END);
            break;
        case MSGBUS_START_OFFSET:
            rc = msgbus_consumer_assign(b->cons, b->topic, i, c->start_offset);
            break;
        case MSGBUS_START_TIME:
        case MSGBUS_START_DELTA:
            rc = msgbus_consumer_assign_time(b->cons, b->topic, i, when < 0 ? 0 : when);
            break;
        default:
            rc = msgbus_consumer_assign(b->cons, b->topic, i, MSGBUS_OFFSET_BEGINNING);
            break;
        }
    }
    if (rc == 0) /* "latest" means as of connect: settle where every partition starts */
        rc = msgbus_consumer_wait_positions(b->cons, 30000);
    if (rc && b->cons) {
        msgbus_consumer_close(b->cons);
        b->cons = NULL;
    }
    return rc;
}

/* ---- a connection of technology local: a handle around src/local's state ---- */
const mb_bus_ops *mb_local_tech; /* set by msgbus_local_set_default() */
static int local_connect(msgbus **out, const msgbus_config *cfg)
{
#if MSGBUS_CFG_LOCAL
    const msgbus_allocator *al = cfg->alloc ? cfg->alloc : msgbus_allocator_default();
    msgbus *b;
    int rc;
    if (!mb_local_tech)
        return MSGBUS_ERR_NOT_BUILT; /* not linked: msgbus_local_set_default() links it */
    b = al->alloc(al->ctx, sizeof *b);
    if (!b)
        return MSGBUS_ERR_NOMEM;
    memset(b, 0, sizeof *b);
    b->al = *al;
    b->ops = mb_local_tech;
    rc = b->ops->open(&b->impl, cfg);
    if (rc) {
        al->free(al->ctx, b, sizeof *b);
        return rc;
    }
    *out = b;
    return 0;
#else
    (void)out;
    (void)cfg;
    return MSGBUS_ERR_NOT_BUILT;
#endif
}
/* ---- end of technology local ---- */

int msgbus_connect(msgbus **out, const msgbus_config *cfg)
{
    const msgbus_allocator *al;
    mb_logger lg;
    msgbus *b;
    int rc;
    if (!out || !cfg)
        return MSGBUS_ERR_INVALID_ARG;
    *out = NULL;
    if (cfg->tech == MSGBUS_TECH_LOCAL) /* another technology */
        return local_connect(out, cfg);
    al = cfg->alloc ? cfg->alloc : msgbus_allocator_default();
    b = al->alloc(al->ctx, sizeof *b);
    if (!b)
        return MSGBUS_ERR_NOMEM;
    memset(b, 0, sizeof *b);
    b->al = *al;
    b->cfg = *cfg;
    if (!b->cfg.log && g_log) {
        b->cfg.log = g_log;
        b->cfg.log_ud = g_log_ud;
        b->cfg.log_level = g_log_level;
    }
    lg.fn = b->cfg.log;
    lg.ud = b->cfg.log_ud;
    lg.level = b->cfg.log_level;
    b->log = lg;
    rc = config_check(b, &b->cfg, &lg);
    if (rc == 0)
        rc = msgbus_port_mutex_init(&b->lock);
    if (rc == 0 && (rc = msgbus_port_cond_init(&b->idle)) != 0)
        msgbus_port_mutex_destroy(&b->lock);
    if (rc == 0 && (rc = sync_init_wait(b)) != 0) {
        msgbus_port_cond_destroy(&b->idle);
        msgbus_port_mutex_destroy(&b->lock);
    }
    if (rc == 0) {
        strcpy(b->topic, cfg->topic);
        b->cfg.topic = b->topic;
        b->cfg.bootstrap = b->bootstrap;
        if (b->cfg.direction == MSGBUS_READER) /* a build without the consumer drops the rest */
            rc = MSGBUS_CFG_CONSUMER ? open_reader(b) : MSGBUS_ERR_NOT_BUILT;
        else
            rc = open_writer(b);
        if (rc) {
            sync_destroy(b);
        }
    }
    if (rc) {
        b->al.free(b->al.ctx, b, sizeof *b);
        return rc;
    }
    bus_lock(b); /* a callback thread may ask already */
    b->open = 1;
    msgbus_port_mutex_unlock(&b->lock);
    *out = b;
    return 0;
}

/* 1 while the bus is open (read under the lock: a callback thread may ask). */
static int is_open(const msgbus *bus)
{
    msgbus *b = (msgbus *)(uintptr_t)bus; /* the lock is not part of the value */
    int open;
    bus_lock(b);
    open = b->open;
    msgbus_port_mutex_unlock(&b->lock);
    return open;
}

int msgbus_write_msg(msgbus *bus, const void *key, size_t key_len, const void *value,
                     size_t value_len, const msgbus_header *headers, size_t n_headers)
{
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    if (bus && bus->ops) /* another technology */
        return bus->ops->write_msg(bus->impl, key, key_len, value, value_len, headers, n_headers);
    if (!bus || (!value && value_len) || (!key && key_len))
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->prod || !is_open(bus))
        return MSGBUS_ERR_STATE;
    m.topic = bus->topic;
    m.key = key;
    m.key_len = key_len;
    m.value = value ? value : "";
    m.value_len = value_len;
    m.headers = headers;
    m.n_headers = n_headers;
    if (bus->cfg.blocking == MSGBUS_NONBLOCKING)
        return msgbus_producer_send(bus->prod, &m);
    if (in_callback(bus)) /* the ack would come through the loop running this callback */
        return MSGBUS_ERR_STATE;
    return msgbus_producer_send_sync(bus->prod, &m, NULL, NULL,
                                     clamp_wait(bus->cfg.write_timeout_ms));
}

int msgbus_write(msgbus *bus, const void *data, size_t len)
{
    return msgbus_write_msg(bus, NULL, 0, data, len, NULL, 0);
}

int msgbus_write_str(msgbus *bus, const char *s)
{
    if (!s)
        return MSGBUS_ERR_INVALID_ARG;
    return msgbus_write_msg(bus, NULL, 0, s, strlen(s), NULL, 0);
}

int msgbus_flush(msgbus *bus, uint32_t timeout_ms)
{
    if (bus && bus->ops) /* another technology */
        return bus->ops->flush(bus->impl, timeout_ms);
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->prod || in_callback(bus) || !is_open(bus))
        return MSGBUS_ERR_STATE;
    return msgbus_producer_flush(bus->prod, clamp_wait(timeout_ms));
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */
/* ------------------------------------------------------------------------ */

/* A poll error while a callback is registered: logged, and told to on_error. */
static void cb_error(msgbus *bus, int err, const msgbus_record *rec)
{
    MB_LOG(&bus->log, MB_LOG_WARN, "%s [%d] at %lld: %s", bus->topic, (int)rec->partition,
           (long long)rec->offset, msgbus_strerror(err));
    if (bus->cfg.on_error)
        bus_error(bus, err, bus->topic);
}

/*
 * Deliver to the callback what arrives within @p timeout_ms. The lock is
 * held while polling and dropped while the callback (or on_error) runs, so
 * it may call msgbus_commit() and the like. A bad batch is reported and
 * stepped over; reading goes on.
 * @return 1 once no callback is registered (the pump stops), else 0.
 */
static int cb_pump(msgbus *bus, uint32_t timeout_ms)
{
    msgbus_record rec;
    msgbus_read_fn fn;
    void *ud;
    int rc;
    msgbus_port_mutex_lock(&bus->lock);
    fn = bus->cb;
    ud = bus->cb_ud;
    if (!fn) {
        msgbus_port_mutex_unlock(&bus->lock);
        return 1;
    }
    memset(&rec, 0, sizeof rec);
    rc = msgbus_consumer_poll(bus->cons, &rec, timeout_ms);
    bus->cb_busy += rc != MSGBUS_ERR_NO_MESSAGE;
    msgbus_port_mutex_unlock(&bus->lock);
    if (rc == MSGBUS_ERR_NO_MESSAGE)
        return 0;
    if (rc == 0) {
        const msgbus *outer = cb_of;
        cb_of = bus;
        fn(ud, &rec);
        cb_of = outer;
    } else {
        cb_error(bus, rc, &rec);
    }
    msgbus_port_mutex_lock(&bus->lock);
    bus->cb_busy--;
    msgbus_port_cond_broadcast(&bus->idle);
    if (rc && bus->cb_thread) /* an error that comes back at once must not spin */
        msgbus_port_cond_wait(&bus->idle, &bus->lock, 100);
    msgbus_port_mutex_unlock(&bus->lock);
    wake_pollers(bus);
    return 0;
}

#if MSGBUS_PORT_HAS_THREADS
/* Let application threads that wait for the lock have it before polling again. */
static void cb_step_aside(msgbus *bus)
{
    if (!atomic_load(&bus->lock_wanted))
        return;
    msgbus_port_mutex_lock(&bus->lock);
    while (atomic_load(&bus->lock_wanted) && bus->cb)
        msgbus_port_cond_wait(&bus->idle, &bus->lock, 1); /* releases the lock meanwhile */
    msgbus_port_mutex_unlock(&bus->lock);
}

static void cb_thread_main(void *arg)
{
    msgbus *bus = arg;
    while (cb_pump(bus, 20) == 0)
        cb_step_aside(bus);
}
#endif

int msgbus_poll(msgbus *bus, uint32_t timeout_ms)
{
    wait_left w;
    if (bus && bus->ops) /* another technology */
        return bus->ops->poll(bus->impl, timeout_ms);
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (in_callback(bus) || !is_open(bus))
        return MSGBUS_ERR_STATE;
    if (!MSGBUS_CFG_CONSUMER || bus->prod) /* without the consumer there is no reader */
        return msgbus_producer_poll(bus->prod, clamp_wait(timeout_ms));
    wait_start(&w, timeout_ms, 0);
    do {
        uint32_t slice = wait_slice(&w);
        int pump;
        bus_lock(bus);
        pump = bus->cb && !bus->cb_thread;
        msgbus_port_mutex_unlock(&bus->lock);
        if (pump) {
            cb_pump(bus, slice);
            continue;
        }
        /* the callback thread (if any) does the work: only wait, off its lock */
        msgbus_port_mutex_lock(&bus->wait_mu);
        if (msgbus_port_cond_wait(&bus->wake, &bus->wait_mu, slice) == MSGBUS_ERR_STATE)
            w.left = 0; /* no threads: nothing to wait for */
        msgbus_port_mutex_unlock(&bus->wait_mu);
    } while (!wait_over(&w));
    return 0;
}

/* One step of a read (lock held): the record kept back, or a poll of @p ms. */
static int read_step(msgbus *bus, msgbus_record *rec, uint32_t ms)
{
    if (!bus->open || !bus->cons || bus->cb)
        return MSGBUS_ERR_STATE;
    if (bus->has_pending) {
        *rec = bus->pending;
        bus->has_pending = 0;
        return 0;
    }
    return msgbus_consumer_poll(bus->cons, rec, ms);
}

int msgbus_read_record(msgbus *bus, msgbus_record *rec)
{
    wait_left w;
    int rc;
    if (bus && rec && bus->ops) /* another technology */
        return bus->ops->read_record(bus->impl, rec);
    if (!bus || !rec)
        return MSGBUS_ERR_INVALID_ARG;
    if (bus->cfg.blocking == MSGBUS_NONBLOCKING)
        wait_start(&w, 0, 0);
    else
        wait_start(&w, bus->cfg.read_timeout_ms, bus->cfg.read_timeout_ms == 0);
    do { /* in slices, so that other calls get the lock in between */
        uint32_t slice = wait_slice(&w);
        bus_lock(bus);
        rc = read_step(bus, rec, slice);
        msgbus_port_mutex_unlock(&bus->lock);
    } while (rc == MSGBUS_ERR_NO_MESSAGE && !wait_over(&w));
    return rc;
}

int msgbus_read(msgbus *bus, void *buf, size_t cap, size_t *len)
{
    msgbus_record rec;
    int rc;
    if (bus && len && (buf || !cap) && bus->ops) /* another technology */
        return bus->ops->read(bus->impl, buf, cap, len);
    if (!bus || !len || (!buf && cap))
        return MSGBUS_ERR_INVALID_ARG;
    rc = msgbus_read_record(bus, &rec);
    if (rc)
        return rc;
    *len = rec.value_len;
    if (rec.value_len > cap) {
        /* keep it first in line for a read with a larger buffer */
        bus_lock(bus);
        bus->pending = rec;
        bus->has_pending = 1;
        msgbus_port_mutex_unlock(&bus->lock);
        return MSGBUS_ERR_NO_ROOM;
    }
    if (rec.value_len)
        memcpy(buf, rec.value, rec.value_len);
    return 0;
}

int msgbus_commit(msgbus *bus, uint32_t wait_ms)
{
    int rc;
    if (bus && bus->ops) /* another technology */
        return bus->ops->commit(bus->impl, wait_ms);
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    bus_lock(bus);
    rc = bus->open && bus->cons ? msgbus_consumer_commit(bus->cons, clamp_wait(wait_ms))
                                : MSGBUS_ERR_STATE;
    msgbus_port_mutex_unlock(&bus->lock);
    return rc;
}

int msgbus_message_available(msgbus *bus)
{
    uint32_t n = 0;
    if (bus && bus->ops) /* another technology */
        return bus->ops->available(bus->impl);
    if (!bus)
        return 0;
    bus_lock(bus);
    if (bus->open && bus->cons)
        n = msgbus_consumer_ready(bus->cons) + (uint32_t)bus->has_pending;
    msgbus_port_mutex_unlock(&bus->lock);
    return n > 0x7fffffffu ? 0x7fffffff : (int)n;
}

int msgbus_register_cb(msgbus *bus, msgbus_read_fn fn, void *ud)
{
    int rc = 0;
    if (bus && fn && bus->ops) /* another technology */
        return bus->ops->register_cb(bus->impl, fn, ud);
    if (!bus || !fn)
        return MSGBUS_ERR_INVALID_ARG;
    bus_lock(bus);
    if (!bus->open || !bus->cons || bus->cb || bus->has_pending) {
        msgbus_port_mutex_unlock(&bus->lock);
        return MSGBUS_ERR_STATE;
    }
    bus->cb = fn;
    bus->cb_ud = ud;
#if MSGBUS_PORT_HAS_THREADS
    if (bus->cfg.loop != MSGBUS_LOOP_APP) {
        /* the thread waits for the lock until this call lets it go */
        rc = msgbus_port_thread_create(&bus->thread, cb_thread_main, bus);
        bus->cb_thread = rc == 0;
        if (rc) {
            bus->cb = NULL;
            bus->cb_ud = NULL;
        }
    }
#endif
    msgbus_port_mutex_unlock(&bus->lock);
    return rc;
}

int msgbus_unregister_cb(msgbus *bus)
{
    int thread;
#if MSGBUS_PORT_HAS_THREADS
    msgbus_port_thread_t t;
#endif
    if (bus && bus->ops) /* another technology */
        return bus->ops->unregister_cb(bus->impl);
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (in_callback(bus)) /* it would wait for itself */
        return MSGBUS_ERR_STATE;
    bus_lock(bus);
    if (!bus->cb) {
        msgbus_port_mutex_unlock(&bus->lock);
        return MSGBUS_ERR_STATE;
    }
    bus->cb = NULL; /* a callback thread ends when it sees this */
    bus->cb_ud = NULL;
    thread = bus->cb_thread;
    bus->cb_thread = 0;
#if MSGBUS_PORT_HAS_THREADS
    t = bus->thread;
    while (!thread && bus->cb_busy) /* msgbus_poll() on another thread is in the callback */
        msgbus_port_cond_wait(&bus->idle, &bus->lock, 100);
#endif
    msgbus_port_mutex_unlock(&bus->lock);
#if MSGBUS_PORT_HAS_THREADS
    if (thread)
        msgbus_port_thread_join(&t);
#else
    (void)thread;
#endif
    return 0;
}

int msgbus_status(const msgbus *bus)
{
    if (bus && bus->ops) /* another technology */
        return bus->ops->status(bus->impl);
    return bus && is_open(bus) ? MSGBUS_STATUS_OPEN : MSGBUS_STATUS_CLOSED;
}

int msgbus_disconnect(msgbus *bus)
{
    msgbus_consumer *cons;
    msgbus_producer *prod;
    int rc;
    if (bus && bus->ops) /* another technology */
        return bus->ops->disconnect(bus->impl);
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (in_callback(bus)) {
        MB_LOG(&bus->log, MB_LOG_ERROR, "%s: msgbus_disconnect from a callback refused",
               bus->topic);
        return MSGBUS_ERR_STATE;
    }
    if (!is_open(bus))
        return MSGBUS_ERR_STATE;
    if (MSGBUS_CFG_CONSUMER)
        msgbus_unregister_cb(bus); /* MSGBUS_ERR_STATE when none: nothing to stop */
    bus_lock(bus);
    bus->open = 0;
    cons = bus->cons;
    prod = bus->prod;
    bus->has_pending = 0;
    msgbus_port_mutex_unlock(&bus->lock);
    if (MSGBUS_CFG_CONSUMER && cons) {
        msgbus_consumer_close(cons);
        bus->cons = NULL;
        return 0;
    }
    rc = msgbus_producer_close(prod, clamp_wait(bus->cfg.write_timeout_ms));
    bus->prod = NULL; /* after close: its callbacks may still write (and get STATE) */
    return rc;
}

void msgbus_destroy(msgbus *bus)
{
    if (!bus)
        return;
    if (bus->ops) { /* another technology */
        bus->ops->destroy(bus->impl);
        bus->al.free(bus->al.ctx, bus, sizeof *bus);
        return;
    }
    if (in_callback(bus)) { /* freeing what the caller is running in: refuse, loudly */
        MB_LOG(&bus->log, MB_LOG_ERROR, "%s: msgbus_destroy from a callback ignored", bus->topic);
        return;
    }
    if (is_open(bus))
        msgbus_disconnect(bus);
    sync_destroy(bus);
    bus->al.free(bus->al.ctx, bus, sizeof *bus);
}
