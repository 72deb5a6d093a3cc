/*
 * bus.c - the bus facade: maps a msgbus_config (the Go msgbus shape) onto a
 * producer bound to one topic, and gives writes the blocking or
 * non-blocking meaning the config asks for.
 */
#include <stdio.h>
#include <string.h>

#include "msgbus/msgbus.h"
#include "net/client.h"
#include "net/log.h"

struct msgbus {
    msgbus_config cfg;
    msgbus_allocator al;
    char topic[256];
    char bootstrap[1024];
    msgbus_producer *prod;
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
    cfg->acks = pc.acks;
    cfg->linger_ms = pc.linger_ms;
    cfg->batch_size = pc.batch_size;
    cfg->queue_max_msgs = pc.queue_max_msgs;
    cfg->queue_max_bytes = pc.queue_max_bytes;
    cfg->write_timeout_ms = 30000;
    cfg->log_level = MSGBUS_LOG_WARN;
    cfg->loop = MSGBUS_LOOP_AUTO;
}

/* Check @p c and build the bootstrap list into @p b; the log says what is wrong. */
static int config_check(msgbus *b, const msgbus_config *c, mb_logger *lg)
{
    const char *bad = NULL;
    int n = 0;
    if (c->tech != MSGBUS_TECH_KAFKA)
        bad = "tech must be MSGBUS_TECH_KAFKA";
    else if (c->direction == MSGBUS_READER)
        bad = "reader connections are not available in this version";
    else if (c->direction != MSGBUS_WRITER)
        bad = "direction must be MSGBUS_WRITER or MSGBUS_READER";
    else if (c->blocking != MSGBUS_BLOCKING && c->blocking != MSGBUS_NONBLOCKING)
        bad = "blocking must be MSGBUS_BLOCKING or MSGBUS_NONBLOCKING";
    else if (!c->topic || !mb_topic_name_valid(c->topic, strlen(c->topic)))
        bad = "topic must be 1-249 characters of [a-zA-Z0-9._-]";
    else if (!c->bootstrap && (!c->host || !*c->host || c->port < 1 || c->port > 65535))
        bad = "host must be set and port must be 1-65535 (or give bootstrap)";
    else if (c->write_timeout_ms == 0)
        bad = "write_timeout_ms must be positive";
    if (!bad) {
        if (c->bootstrap)
            n = snprintf(b->bootstrap, sizeof b->bootstrap, "%s", c->bootstrap);
        else if (strchr(c->host, ':'))
            n = snprintf(b->bootstrap, sizeof b->bootstrap, "[%s]:%d", c->host, c->port);
        else
            n = snprintf(b->bootstrap, sizeof b->bootstrap, "%s:%d", c->host, c->port);
        if (n < 0 || (size_t)n >= sizeof b->bootstrap)
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
    pc.on_delivery = c->on_delivery;
    pc.delivery_ud = c->delivery_ud;
    pc.on_error = c->on_error;
    pc.error_ud = c->error_ud;
    pc.log = c->log;
    pc.log_ud = c->log_ud;
    pc.log_level = c->log_level;
    pc.alloc = &b->al;
    pc.transport = c->transport;
    pc.loop = c->loop;
    return msgbus_producer_create(&b->prod, &pc);
}

int msgbus_connect(msgbus **out, const msgbus_config *cfg)
{
    const msgbus_allocator *al;
    mb_logger lg;
    msgbus *b;
    int rc;
    if (!out || !cfg)
        return MSGBUS_ERR_INVALID_ARG;
    *out = NULL;
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
    rc = config_check(b, &b->cfg, &lg);
    if (rc == 0) {
        strcpy(b->topic, cfg->topic);
        b->cfg.topic = b->topic;
        b->cfg.bootstrap = b->bootstrap;
        rc = open_writer(b);
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
    if (!bus || (!value && value_len) || (!key && key_len))
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->open)
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
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->open)
        return MSGBUS_ERR_STATE;
    return msgbus_producer_flush(bus->prod, timeout_ms);
}

int msgbus_poll(msgbus *bus, uint32_t timeout_ms)
{
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->open)
        return MSGBUS_ERR_STATE;
    return msgbus_producer_poll(bus->prod, timeout_ms);
}

int msgbus_status(const msgbus *bus)
{
    return bus && bus->open ? MSGBUS_STATUS_OPEN : MSGBUS_STATUS_CLOSED;
}

int msgbus_disconnect(msgbus *bus)
{
    int rc;
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->open)
        return MSGBUS_ERR_STATE;
    bus->open = 0;
    rc = msgbus_producer_close(bus->prod, bus->cfg.write_timeout_ms);
    bus->prod = NULL;
    return rc;
}

void msgbus_destroy(msgbus *bus)
{
    if (!bus)
        return;
    if (bus->open)
        msgbus_disconnect(bus);
    bus->al.free(bus->al.ctx, bus, sizeof *bus);
}
