/*
 * bus.c - the bus facade: maps a msgbus_config (the Go msgbus shape) onto a
 * producer bound to one topic, and gives writes the blocking or
 * non-blocking meaning the config asks for.
 */
#include <string.h>

#include "msgbus/msgbus.h"
#include "msgbus/port.h"
#include "net/client.h"
#include "net/log.h"
#include "local/bus_local.h" /* issue 16: technology local */

struct msgbus {
    const mb_bus_ops *ops; /* issue 16: another technology's calls (NULL: Kafka) */
    void *impl;            /* issue 16: its connection state */
    msgbus_config cfg;
    msgbus_allocator al;
    char topic[256];
    char bootstrap[1024];
    char group_id[64];     /* generated when the config has none */
    msgbus_producer *prod; /* writer */
    msgbus_consumer *cons; /* reader */
    msgbus_record pending; /* read but not yet taken (a value too long for the buffer) */
    int has_pending;
    msgbus_read_fn cb;
    void *cb_ud;
    volatile int cb_run;
    int cb_thread;
    mb_logger log;
    msgbus_port_mutex_t lock; /* the consumer: read calls vs the callback thread */
    msgbus_port_cond_t idle;  /* msgbus_poll() waits on it when it has nothing to run */
#if MSGBUS_PORT_HAS_THREADS
    msgbus_port_thread_t thread;
#endif
    int open;
};

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
    pc.on_delivery = c->on_delivery;
    pc.delivery_ud = c->delivery_ud;
    pc.on_error = c->on_error;
    pc.error_ud = c->error_ud;
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
    cc.on_error = c->on_error;
    cc.error_ud = c->error_ud;
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

/* ---- issue 16: a connection of technology local: a handle around src/local's state ---- */
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
/* ---- end issue 16 ---- */

int msgbus_connect(msgbus **out, const msgbus_config *cfg)
{
    const msgbus_allocator *al;
    mb_logger lg;
    msgbus *b;
    int rc;
    if (!out || !cfg)
        return MSGBUS_ERR_INVALID_ARG;
    *out = NULL;
    if (cfg->tech == MSGBUS_TECH_LOCAL) /* issue 16 */
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
    if (rc == 0) {
        strcpy(b->topic, cfg->topic);
        b->cfg.topic = b->topic;
        b->cfg.bootstrap = b->bootstrap;
        rc = b->cfg.direction == MSGBUS_READER ? open_reader(b) : open_writer(b);
        if (rc) {
            msgbus_port_cond_destroy(&b->idle);
            msgbus_port_mutex_destroy(&b->lock);
        }
    }
    if (rc) {
        b->al.free(b->al.ctx, b, sizeof *b);
        return rc;
    }
    b->open = 1;
    *out = b;
    return 0;
}

int msgbus_write_msg(msgbus *bus, const void *key, size_t key_len, const void *value,
                     size_t value_len, const msgbus_header *headers, size_t n_headers)
{
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    if (bus && bus->ops) /* issue 16 */
        return bus->ops->write_msg(bus->impl, key, key_len, value, value_len, headers, n_headers);
    if (!bus || (!value && value_len) || (!key && key_len))
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->open || !bus->prod)
        return MSGBUS_ERR_STATE;
    m.topic = bus->topic;
    m.key = key;
    m.key_len = key_len;
    m.value = value ? value : "";
    m.value_len = value_len;
    m.headers = headers;
    m.n_headers = n_headers;
    if (bus->cfg.blocking == MSGBUS_BLOCKING)
        return msgbus_producer_send_sync(bus->prod, &m, NULL, NULL, bus->cfg.write_timeout_ms);
    return msgbus_producer_send(bus->prod, &m);
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
    if (bus && bus->ops) /* issue 16 */
        return bus->ops->flush(bus->impl, timeout_ms);
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->open || !bus->prod)
        return MSGBUS_ERR_STATE;
    return msgbus_producer_flush(bus->prod, timeout_ms);
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */
/* ------------------------------------------------------------------------ */

/* Deliver to the callback what arrives within @p timeout_ms (lock held). */
static int cb_pump(msgbus *bus, uint32_t timeout_ms)
{
    msgbus_record rec;
    int rc = msgbus_consumer_poll(bus->cons, &rec, timeout_ms);
    if (rc == 0) {
        bus->cb(bus->cb_ud, &rec);
        return 0;
    }
    if (rc != MSGBUS_ERR_NO_MESSAGE)
        MB_LOG(&bus->log, MB_LOG_WARN, "%s: %s", bus->topic, msgbus_strerror(rc));
    return 0; /* a bad batch is logged and stepped over; reading goes on */
}

#if MSGBUS_PORT_HAS_THREADS
static void cb_thread(void *arg)
{
    msgbus *bus = arg;
    while (bus->cb_run) {
        msgbus_port_mutex_lock(&bus->lock);
        cb_pump(bus, 20);
        msgbus_port_mutex_unlock(&bus->lock);
    }
}
#endif

int msgbus_poll(msgbus *bus, uint32_t timeout_ms)
{
    uint32_t end;
    int rc = 0;
    if (bus && bus->ops) /* issue 16 */
        return bus->ops->poll(bus->impl, timeout_ms);
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->open)
        return MSGBUS_ERR_STATE;
    if (bus->prod)
        return msgbus_producer_poll(bus->prod, timeout_ms);
    if (!bus->cb || bus->cb_thread) {
        /* reads poll by themselves and a callback thread needs no help: just wait */
        msgbus_port_mutex_lock(&bus->lock);
        msgbus_port_cond_wait(&bus->idle, &bus->lock, timeout_ms);
        msgbus_port_mutex_unlock(&bus->lock);
        return 0;
    }
    end = msgbus_port_now_ms() + timeout_ms;
    do {
        int32_t left = msgbus_time_diff(end, msgbus_port_now_ms());
        rc = cb_pump(bus, left > 0 ? (uint32_t)left : 0);
    } while (rc == 0 && msgbus_time_diff(end, msgbus_port_now_ms()) > 0);
    return rc;
}

int msgbus_read_record(msgbus *bus, msgbus_record *rec)
{
    int rc;
    if (bus && rec && bus->ops) /* issue 16 */
        return bus->ops->read_record(bus->impl, rec);
    if (!bus || !rec)
        return MSGBUS_ERR_INVALID_ARG;
    msgbus_port_mutex_lock(&bus->lock);
    if (!bus->open || !bus->cons || bus->cb) {
        rc = MSGBUS_ERR_STATE;
    } else if (bus->has_pending) {
        *rec = bus->pending;
        bus->has_pending = 0;
        rc = 0;
    } else if (bus->cfg.blocking == MSGBUS_NONBLOCKING) {
        rc = msgbus_consumer_poll(bus->cons, rec, 0);
    } else if (bus->cfg.read_timeout_ms) {
        rc = msgbus_consumer_poll(bus->cons, rec, bus->cfg.read_timeout_ms);
    } else {
        while ((rc = msgbus_consumer_poll(bus->cons, rec, 1000)) == MSGBUS_ERR_NO_MESSAGE)
            ;
    }
    msgbus_port_mutex_unlock(&bus->lock);
    return rc;
}

int msgbus_read(msgbus *bus, void *buf, size_t cap, size_t *len)
{
    msgbus_record rec;
    int rc;
    if (bus && len && (buf || !cap) && bus->ops) /* issue 16 */
        return bus->ops->read(bus->impl, buf, cap, len);
    if (!bus || !len || (!buf && cap))
        return MSGBUS_ERR_INVALID_ARG;
    rc = msgbus_read_record(bus, &rec);
    if (rc)
        return rc;
    *len = rec.value_len;
    if (rec.value_len > cap) {
        /* keep it first in line for a read with a larger buffer */
        msgbus_port_mutex_lock(&bus->lock);
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
    if (bus && bus->ops) /* issue 16 */
        return bus->ops->commit(bus->impl, wait_ms);
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    msgbus_port_mutex_lock(&bus->lock);
    rc = bus->open && bus->cons ? msgbus_consumer_commit(bus->cons, wait_ms) : MSGBUS_ERR_STATE;
    msgbus_port_mutex_unlock(&bus->lock);
    return rc;
}

int msgbus_message_available(msgbus *bus)
{
    uint32_t n;
    if (bus && bus->ops) /* issue 16 */
        return bus->ops->available(bus->impl);
    if (!bus || !bus->open || !bus->cons)
        return 0;
    msgbus_port_mutex_lock(&bus->lock);
    n = msgbus_consumer_ready(bus->cons) + (uint32_t)bus->has_pending;
    msgbus_port_mutex_unlock(&bus->lock);
    return n > 0x7fffffffu ? 0x7fffffff : (int)n;
}

int msgbus_register_cb(msgbus *bus, msgbus_read_fn fn, void *ud)
{
    int rc = 0;
    if (bus && fn && bus->ops) /* issue 16 */
        return bus->ops->register_cb(bus->impl, fn, ud);
    if (!bus || !fn)
        return MSGBUS_ERR_INVALID_ARG;
    msgbus_port_mutex_lock(&bus->lock);
    if (!bus->open || !bus->cons || bus->cb || bus->has_pending) {
        msgbus_port_mutex_unlock(&bus->lock);
        return MSGBUS_ERR_STATE;
    }
    bus->cb = fn;
    bus->cb_ud = ud;
    msgbus_port_mutex_unlock(&bus->lock);
#if MSGBUS_PORT_HAS_THREADS
    if (bus->cfg.loop != MSGBUS_LOOP_APP) {
        bus->cb_run = 1;
        rc = msgbus_port_thread_create(&bus->thread, cb_thread, bus);
        if (rc == 0) {
            bus->cb_thread = 1;
        } else {
            bus->cb_run = 0;
            bus->cb = NULL;
        }
    }
#endif
    return rc;
}

int msgbus_unregister_cb(msgbus *bus)
{
    if (bus && bus->ops) /* issue 16 */
        return bus->ops->unregister_cb(bus->impl);
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->cb)
        return MSGBUS_ERR_STATE;
#if MSGBUS_PORT_HAS_THREADS
    if (bus->cb_thread) {
        bus->cb_run = 0;
        msgbus_port_thread_join(&bus->thread);
        bus->cb_thread = 0;
    }
#endif
    msgbus_port_mutex_lock(&bus->lock);
    bus->cb = NULL;
    bus->cb_ud = NULL;
    msgbus_port_mutex_unlock(&bus->lock);
    return 0;
}

int msgbus_status(const msgbus *bus)
{
    if (bus && bus->ops) /* issue 16 */
        return bus->ops->status(bus->impl);
    return bus && bus->open ? MSGBUS_STATUS_OPEN : MSGBUS_STATUS_CLOSED;
}

int msgbus_disconnect(msgbus *bus)
{
    int rc;
    if (bus && bus->ops) /* issue 16 */
        return bus->ops->disconnect(bus->impl);
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->open)
        return MSGBUS_ERR_STATE;
    if (bus->cb)
        msgbus_unregister_cb(bus);
    bus->open = 0;
    if (bus->cons) {
        msgbus_consumer_close(bus->cons);
        bus->cons = NULL;
        bus->has_pending = 0;
        return 0;
    }
    rc = msgbus_producer_close(bus->prod, bus->cfg.write_timeout_ms);
    bus->prod = NULL;
    return rc;
}

void msgbus_destroy(msgbus *bus)
{
    if (!bus)
        return;
    if (bus->ops) { /* issue 16 */
        bus->ops->destroy(bus->impl);
        bus->al.free(bus->al.ctx, bus, sizeof *bus);
        return;
    }
    if (bus->open)
        msgbus_disconnect(bus);
    msgbus_port_cond_destroy(&bus->idle);
    msgbus_port_mutex_destroy(&bus->lock);
    bus->al.free(bus->al.ctx, bus, sizeof *bus);
}
