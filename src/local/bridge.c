/*
 * bridge.c - the bridge between a local bus and Kafka
 * (include/msgbus/bridge.h), built on the public producer and consumer API
 * only.
 *
 * Out: a handler per out route encodes each event into one outbox record
 * (below) and appends it to the storage (the emitting thread, under the
 * bridge's lock). msgbus_bridge_poll() reads records from the send cursor,
 * hands them to the producer (outside the lock: the producer's thread takes
 * the lock in its delivery callback) and, as acknowledgements come back,
 * moves the acknowledged base up and trims the storage to it. At most
 * max_in_flight records are between the base and the send cursor; a bitmap
 * of that window says which are acknowledged. A failed delivery stops
 * sending; once every report is in, sending starts again at the base
 * (acknowledged records above it are skipped).
 *
 * In: a consumer reads the in routes' Kafka topics; each record is emitted
 * on the local bus with id, tx id and occurred-at from its headers.
 *
 * Outbox record, little endian: u8 version (1), u8 route, u8 flags (1: has
 * key), u8 0, u64 id, u64 tx id, i64 occurred-at ns, u32 key length, u32
 * data length, key, data.
 *
 * Calls go: application -> msgbus_bridge_* -> msgbus_local_*, the storage,
 * msgbus_producer_*, msgbus_consumer_*; the producer's thread -> on_delivery.
 */
#include <string.h>

#include "msgbus/bridge.h"

#if MSGBUS_CFG_LOCAL && MSGBUS_CFG_BRIDGE

#define MB_REC_HDR 36u
#define MB_RETRY_MS 1000u

/* What an out route's handler gets: its bridge, its route and its key. */
typedef struct mb_route_ud {
    struct msgbus_bridge *b;
    unsigned route;
    char key[16]; /* "mb.bridge.<route>" */
} mb_route_ud;

struct msgbus_bridge {
    msgbus_bridge_config cfg;
    msgbus_bridge_out out[MSGBUS_BRIDGE_MAX_ROUTES];
    msgbus_bridge_in in[MSGBUS_BRIDGE_MAX_ROUTES];
    mb_route_ud routes[MSGBUS_BRIDGE_MAX_ROUTES];
    msgbus_allocator al;
    msgbus_port_mutex_t lock;
    msgbus_port_cond_t cond;
    const msgbus_bridge_storage *st;
    msgbus_storage_ram ram;
    unsigned char *ram_buf;
    unsigned char *enc_buf;  /* the handlers' (lock held) */
    unsigned char *send_buf; /* poll's */
    size_t buf_cap;
    uint8_t *done; /* window bitmap: acknowledged records above the base */
    msgbus_producer *prod;
    msgbus_consumer *cons;
    uint32_t prod_try, cons_try;
    int tried_prod, tried_cons;
    uint64_t base, send_next; /* first unacknowledged; next to send */
    uint32_t inflight;
    int failed, in_poll;
    msgbus_bridge_stats stats;
};

void msgbus_bridge_config_init(msgbus_bridge_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->outbox_bytes = 1u << 20;
    cfg->max_events = 100000;
    cfg->max_in_flight = 10000;
    cfg->max_event_bytes = 65536;
    cfg->in_start = MSGBUS_OFFSET_END;
    msgbus_producer_config_init(&cfg->producer);
    msgbus_consumer_config_init(&cfg->consumer);
}

/* ---- record encoding ------------------------------------------------------ */

static void put64(unsigned char *p, uint64_t v)
{
    unsigned i;
    for (i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    unsigned i;
    for (i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static size_t encode(unsigned char *p, unsigned route, const msgbus_local_event *ev)
{
    p[0] = 1;
    p[1] = (unsigned char)route;
    p[2] = ev->key ? 1 : 0;
    p[3] = 0;
    put64(p + 4, ev->id);
    put64(p + 12, ev->tx_id);
    put64(p + 20, (uint64_t)ev->occurred_at_ns);
    put64(p + 28, (uint64_t)ev->key_len | (uint64_t)ev->len << 32);
    if (ev->key_len)
        memcpy(p + MB_REC_HDR, ev->key, ev->key_len);
    if (ev->len)
        memcpy(p + MB_REC_HDR + ev->key_len, ev->data, ev->len);
    return MB_REC_HDR + ev->key_len + ev->len;
}

/* Decode a record into @p ev (pointers into @p p); its route in *route. */
static int decode(const unsigned char *p, size_t n, msgbus_local_event *ev, unsigned *route)
{
    uint64_t lens;
    if (n < MB_REC_HDR || p[0] != 1)
        return MSGBUS_ERR_MALFORMED;
    lens = get64(p + 28);
    memset(ev, 0, sizeof *ev);
    ev->id = get64(p + 4);
    ev->tx_id = get64(p + 12);
    ev->occurred_at_ns = (int64_t)get64(p + 20);
    ev->key_len = (size_t)(lens & 0xffffffffu);
    ev->len = (size_t)(lens >> 32);
    if (ev->key_len > n - MB_REC_HDR || ev->len != n - MB_REC_HDR - ev->key_len)
        return MSGBUS_ERR_MALFORMED;
    ev->key = p[2] ? p + MB_REC_HDR : NULL;
    ev->data = p + MB_REC_HDR + ev->key_len;
    *route = p[1];
    return 0;
}

/* Decimal ASCII of v into out (at least 21 bytes); returns the length. */
static size_t u64_dec(uint64_t v, char *out)
{
    char tmp[20];
    size_t n = 0, i;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

/* Parse a decimal header value; 0 when absent or not a number. */
static uint64_t dec_u64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t v = 0;
    size_t i;
    if (!p || n == 0 || n > 20)
        return 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9u) / 10u)
            return 0;
        v = v * 10u + (uint64_t)(s[i] - '0');
    }
    return v;
}

/* ---- out: the handlers ---------------------------------------------------- */

/* Make room by forgetting the oldest unsent event (lock held). 0 if done. */
static int drop_oldest(msgbus_bridge *b)
{
    uint64_t first, next;
    b->st->range(b->st->ctx, &first, &next);
    if (first >= next || first < b->send_next || b->base != first)
        return MSGBUS_ERR_QUEUE_FULL; /* everything kept is in flight */
    if (b->st->trim(b->st->ctx, first + 1) != 0)
        return MSGBUS_ERR_QUEUE_FULL;
    b->base = b->send_next = first + 1;
    b->stats.dropped++;
    return 0;
}

static int outbox_put(msgbus_bridge *b, size_t n)
{
    uint64_t first, next;
    int rc;
    b->st->range(b->st->ctx, &first, &next);
    if (next - first >= b->cfg.max_events &&
        (b->cfg.overflow != MSGBUS_BRIDGE_DROP_OLDEST || drop_oldest(b) != 0))
        return MSGBUS_ERR_QUEUE_FULL;
    rc = b->st->append(b->st->ctx, b->enc_buf, n);
    if (rc == MSGBUS_ERR_NO_ROOM && b->cfg.overflow == MSGBUS_BRIDGE_DROP_OLDEST &&
        drop_oldest(b) == 0)
        rc = b->st->append(b->st->ctx, b->enc_buf, n);
    return rc == MSGBUS_ERR_NO_ROOM ? MSGBUS_ERR_QUEUE_FULL : rc;
}

static int out_handler(void *ud, const msgbus_local_event *ev)
{
    const mb_route_ud *r = ud;
    msgbus_bridge *b = r->b;
    int rc;
    if (ev->key_len + ev->len > b->cfg.max_event_bytes)
        return MSGBUS_ERR_MSG_TOO_LARGE;
    msgbus_port_mutex_lock(&b->lock);
    rc = outbox_put(b, encode(b->enc_buf, r->route, ev));
    if (rc == 0)
        b->stats.accepted++;
    else
        b->stats.refused++;
    msgbus_port_cond_broadcast(&b->cond);
    msgbus_port_mutex_unlock(&b->lock);
    return rc;
}

/* ---- out: to the producer ------------------------------------------------- */

static void on_delivery(void *ud, const msgbus_delivery *d)
{
    msgbus_bridge *b = ud;
    uint64_t seq;
    msgbus_port_mutex_lock(&b->lock);
    seq = b->base + (uint32_t)((uint32_t)(uintptr_t)d->opaque - (uint32_t)b->base);
    if (b->inflight)
        b->inflight--;
    if (d->err)
        b->failed = 1;
    else if (seq >= b->base && seq < b->send_next)
        b->done[(seq % b->cfg.max_in_flight) >> 3] |= (uint8_t)(1u << (seq % 8u));
    msgbus_port_cond_broadcast(&b->cond);
    msgbus_port_mutex_unlock(&b->lock);
}

static int is_done(const msgbus_bridge *b, uint64_t seq)
{
    return (b->done[(seq % b->cfg.max_in_flight) >> 3] >> (seq % 8u)) & 1u;
}

/* Move the base over acknowledged records and trim the storage (lock held). */
static void advance(msgbus_bridge *b)
{
    uint64_t old = b->base;
    while (b->base < b->send_next && is_done(b, b->base)) {
        b->done[(b->base % b->cfg.max_in_flight) >> 3] &= (uint8_t) ~(1u << (b->base % 8u));
        b->base++;
        b->stats.acked++;
    }
    if (b->base != old)
        b->st->trim(b->st->ctx, b->base);
    if (b->failed && b->inflight == 0) {
        b->send_next = b->base; /* send again from the oldest unacknowledged */
        b->failed = 0;
        b->stats.resends++;
    }
}

/* Headers and key of one forwarded record, then the send (lock not held). */
static int send_one(msgbus_bridge *b, const msgbus_local_event *ev, unsigned route, uint64_t seq)
{
    char id[21], tx[21], at[21], key[21];
    msgbus_header h[3];
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    const msgbus_bridge_out *o = &b->out[route];
    h[0].key = "mb-id";
    h[0].value = id;
    h[0].value_len = u64_dec(ev->id, id);
    h[1].key = "mb-tx";
    h[1].value = tx;
    h[1].value_len = u64_dec(ev->tx_id, tx);
    h[2].key = "mb-at";
    h[2].value = at;
    h[2].value_len = u64_dec((uint64_t)ev->occurred_at_ns, at);
    m.topic = o->kafka_topic;
    m.value = ev->data;
    m.value_len = ev->len;
    m.headers = h;
    m.n_headers = 3;
    m.timestamp_ms = ev->occurred_at_ns / 1000000;
    m.opaque = (void *)(uintptr_t)(uint32_t)seq;
    if (o->key == MSGBUS_BRIDGE_KEY_EVENT) {
        m.key = ev->key;
        m.key_len = ev->key_len;
    } else if (o->key != MSGBUS_BRIDGE_KEY_NONE) {
        m.key = key;
        m.key_len = u64_dec(o->key == MSGBUS_BRIDGE_KEY_ID ? ev->id : ev->tx_id, key);
    }
    return msgbus_producer_send(b->prod, &m);
}

/* Read the next record to send into send_buf (lock held). 1: one is there. */
static int next_record(msgbus_bridge *b, uint64_t *seq, size_t *len)
{
    while (b->send_next - b->base < b->cfg.max_in_flight && !b->failed) {
        uint64_t s = b->send_next;
        int rc = b->st->read(b->st->ctx, &s, b->send_buf, b->buf_cap, len);
        if (rc)
            return 0;
        if (s != b->send_next) /* records below s were dropped */
            b->send_next = b->base = s;
        if (is_done(b, s)) {
            b->send_next++;
            continue;
        }
        *seq = s;
        return 1;
    }
    return 0;
}

/* Hand what the window allows to the producer. Returns how many went. */
static unsigned step_out(msgbus_bridge *b)
{
    unsigned n = 0;
    uint64_t seq;
    size_t len;
    msgbus_port_mutex_lock(&b->lock);
    advance(b);
    while (b->prod && next_record(b, &seq, &len)) {
        msgbus_local_event ev;
        unsigned route;
        int rc;
        if (decode(b->send_buf, len, &ev, &route) != 0 || route >= b->cfg.n_out) {
            b->done[(seq % b->cfg.max_in_flight) >> 3] |= (uint8_t)(1u << (seq % 8u));
            b->send_next++; /* unreadable: skipped (cannot be sent) */
            continue;
        }
        b->inflight++;
        b->send_next++;
        msgbus_port_mutex_unlock(&b->lock);
        rc = send_one(b, &ev, route, seq);
        msgbus_port_mutex_lock(&b->lock);
        if (rc) { /* not taken (queue full...): no report will come */
            b->inflight--;
            b->send_next = seq;
            break;
        }
        b->stats.sent++;
        n++;
    }
    msgbus_port_mutex_unlock(&b->lock);
    return n;
}

/* ---- in: from the consumer ------------------------------------------------ */

static void header_fields(const msgbus_record *rec, msgbus_local_event *ev)
{
    size_t i;
    for (i = 0; i < rec->n_headers; i++) {
        msgbus_record_header h;
        if (msgbus_record_header_get(rec, i, &h) != 0 || h.key_len != 5 ||
            memcmp(h.key, "mb-", 3) != 0)
            continue;
        if (memcmp(h.key + 3, "id", 2) == 0)
            ev->id = dec_u64(h.value, h.value_len);
        else if (memcmp(h.key + 3, "tx", 2) == 0)
            ev->tx_id = dec_u64(h.value, h.value_len);
        else if (memcmp(h.key + 3, "at", 2) == 0)
            ev->occurred_at_ns = (int64_t)dec_u64(h.value, h.value_len);
    }
}

static void deliver_in(msgbus_bridge *b, const msgbus_record *rec)
{
    msgbus_local_event ev;
    size_t i;
    for (i = 0; i < b->cfg.n_in; i++)
        if (strcmp(b->in[i].kafka_topic, rec->topic) == 0)
            break;
    if (i == b->cfg.n_in)
        return;
    memset(&ev, 0, sizeof ev);
    ev.topic = b->in[i].local_topic;
    ev.data = rec->value;
    ev.len = rec->value ? rec->value_len : 0;
    ev.key = rec->key;
    ev.key_len = rec->key ? rec->key_len : 0;
    ev.occurred_at_ns = rec->timestamp_ms > 0 ? rec->timestamp_ms * 1000000 : 0;
    header_fields(rec, &ev);
    if (msgbus_local_emit_event(b->cfg.bus, &ev) == 0)
        b->stats.received++;
    else
        b->stats.in_errors++;
}

static unsigned step_in(msgbus_bridge *b)
{
    msgbus_record rec;
    unsigned n = 0;
    while (b->cons && n < 1000 && msgbus_consumer_poll(b->cons, &rec, 0) == 0) {
        deliver_in(b, &rec);
        n++;
    }
    return n;
}

/* ---- connecting ------------------------------------------------------------ */

static int assign_in(msgbus_bridge *b)
{
    const char *topics[MSGBUS_BRIDGE_MAX_ROUTES];
    size_t i;
    int32_t p, n;
    int rc;
    for (i = 0; i < b->cfg.n_in; i++)
        topics[i] = b->in[i].kafka_topic;
    if (b->cfg.consumer.group_id)
        return msgbus_consumer_subscribe(b->cons, topics, b->cfg.n_in);
    for (i = 0; i < b->cfg.n_in; i++) {
        rc = msgbus_consumer_partition_count(b->cons, topics[i], &n, 5000);
        for (p = 0; rc == 0 && p < n; p++)
            rc = msgbus_consumer_assign(b->cons, topics[i], p, b->cfg.in_start);
        if (rc)
            return rc;
    }
    return 0;
}

/* Create producer and consumer when needed, at most once per MB_RETRY_MS. */
static void ensure_clients(msgbus_bridge *b)
{
    uint32_t now = msgbus_port_now_ms();
    if (b->cfg.n_out && !b->prod &&
        (!b->tried_prod || msgbus_time_diff(now, b->prod_try) >= (int32_t)MB_RETRY_MS)) {
        b->tried_prod = 1;
        b->prod_try = now;
        if (msgbus_producer_create(&b->prod, &b->cfg.producer) != 0)
            b->prod = NULL;
        b->stats.producer_up = b->prod != NULL;
    }
    if (b->cfg.n_in && !b->cons &&
        (!b->tried_cons || msgbus_time_diff(now, b->cons_try) >= (int32_t)MB_RETRY_MS)) {
        b->tried_cons = 1;
        b->cons_try = now;
        if (msgbus_consumer_create(&b->cons, &b->cfg.consumer) == 0 && assign_in(b) != 0) {
            msgbus_consumer_close(b->cons);
            b->cons = NULL;
        }
    }
}

/* ---- the handle ------------------------------------------------------------ */

static int check_config(const msgbus_bridge_config *c)
{
    size_t i;
    if (!c->bus || c->n_out > MSGBUS_BRIDGE_MAX_ROUTES || c->n_in > MSGBUS_BRIDGE_MAX_ROUTES ||
        (c->n_out && !c->out) || (c->n_in && !c->in) || c->max_events == 0 ||
        c->max_in_flight == 0 || c->max_in_flight > (1u << 24) || c->max_event_bytes == 0 ||
        c->max_event_bytes > (1u << 30) || (!c->storage && c->outbox_bytes < 64))
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < c->n_out; i++)
        if (!c->out[i].local_topic || !c->out[i].kafka_topic ||
            (unsigned)c->out[i].key > MSGBUS_BRIDGE_KEY_EVENT)
            return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < c->n_in; i++)
        if (!c->in[i].local_topic || !c->in[i].kafka_topic)
            return MSGBUS_ERR_INVALID_ARG;
    return 0;
}

static int alloc_buffers(msgbus_bridge *b)
{
    size_t bitmap = (b->cfg.max_in_flight + 7u) / 8u;
    b->buf_cap = MB_REC_HDR + b->cfg.max_event_bytes;
    b->enc_buf = b->al.alloc(b->al.ctx, b->buf_cap);
    b->send_buf = b->al.alloc(b->al.ctx, b->buf_cap);
    b->done = b->al.alloc(b->al.ctx, bitmap);
    if (!b->cfg.storage)
        b->ram_buf = b->al.alloc(b->al.ctx, b->cfg.outbox_bytes);
    if (!b->enc_buf || !b->send_buf || !b->done || (!b->cfg.storage && !b->ram_buf))
        return MSGBUS_ERR_NOMEM;
    memset(b->done, 0, bitmap);
    if (b->cfg.storage) {
        b->st = b->cfg.storage;
    } else {
        msgbus_storage_ram_init(&b->ram, b->ram_buf, b->cfg.outbox_bytes);
        b->st = msgbus_storage_ram_get(&b->ram);
    }
    return 0;
}

static void free_buffers(msgbus_bridge *b)
{
    if (b->enc_buf)
        b->al.free(b->al.ctx, b->enc_buf, b->buf_cap);
    if (b->send_buf)
        b->al.free(b->al.ctx, b->send_buf, b->buf_cap);
    if (b->done)
        b->al.free(b->al.ctx, b->done, (b->cfg.max_in_flight + 7u) / 8u);
    if (b->ram_buf)
        b->al.free(b->al.ctx, b->ram_buf, b->cfg.outbox_bytes);
}

/* "^topic$" with the expression's special bytes escaped. */
static int exact(const char *topic, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = '^';
    for (; *topic; topic++) {
        if (n + 3 >= cap)
            return MSGBUS_ERR_INVALID_ARG;
        if (strchr(".[]()*+?^$|\\{}", *topic))
            out[n++] = '\\';
        out[n++] = *topic;
    }
    out[n++] = '$';
    out[n] = '\0';
    return 0;
}

static int register_routes(msgbus_bridge *b)
{
    char pattern[MSGBUS_CFG_LOCAL_PATTERN_LEN];
    size_t i;
    int rc = 0;
    for (i = 0; rc == 0 && i < b->cfg.n_in; i++)
        rc = msgbus_local_register_topic(b->cfg.bus, b->in[i].local_topic);
    for (i = 0; rc == 0 && i < b->cfg.n_out; i++) {
        mb_route_ud *r = &b->routes[i];
        rc = msgbus_local_register_topic(b->cfg.bus, b->out[i].local_topic);
        if (rc == 0)
            rc = exact(b->out[i].local_topic, pattern, sizeof pattern);
        if (rc)
            break;
        r->b = b;
        r->route = (unsigned)i;
        memcpy(r->key, "mb.bridge.", 10);
        r->key[10] = (char)('0' + i);
        r->key[11] = '\0';
        rc = msgbus_local_register_handler(b->cfg.bus, r->key, pattern, out_handler, r);
    }
    return rc;
}

int msgbus_bridge_create(msgbus_bridge **out, const msgbus_bridge_config *cfg)
{
    const msgbus_allocator *al;
    msgbus_bridge *b;
    uint64_t first, next;
    int rc;
    if (!out || !cfg || check_config(cfg) != 0)
        return MSGBUS_ERR_INVALID_ARG;
    al = cfg->alloc ? cfg->alloc : msgbus_allocator_default();
    b = al->alloc(al->ctx, sizeof *b);
    if (!b)
        return MSGBUS_ERR_NOMEM;
    memset(b, 0, sizeof *b);
    b->al = *al;
    b->cfg = *cfg;
    /* the clients' settings are completed once, here, not copied on the stack
     * at each (re)creation: the poll path stays within its stack budget */
    b->cfg.producer.on_delivery = on_delivery;
    b->cfg.producer.delivery_ud = b;
    if (!b->cfg.consumer.bootstrap)
        b->cfg.consumer.bootstrap = b->cfg.producer.bootstrap;
    if (cfg->n_out)
        memcpy(b->out, cfg->out, cfg->n_out * sizeof *cfg->out);
    if (cfg->n_in)
        memcpy(b->in, cfg->in, cfg->n_in * sizeof *cfg->in);
    rc = alloc_buffers(b);
    if (rc == 0 && (rc = msgbus_port_mutex_init(&b->lock)) == 0 &&
        (rc = msgbus_port_cond_init(&b->cond)) != 0)
        msgbus_port_mutex_destroy(&b->lock);
    if (rc) {
        free_buffers(b);
        al->free(al->ctx, b, sizeof *b);
        return rc;
    }
    b->st->range(b->st->ctx, &first, &next);
    b->base = b->send_next = first; /* what the storage kept is sent first */
    rc = register_routes(b);
    if (rc) {
        msgbus_bridge_destroy(b, 0);
        return rc;
    }
    ensure_clients(b);
    *out = b;
    return 0;
}

int msgbus_bridge_poll(msgbus_bridge *b, uint32_t timeout_ms)
{
    uint32_t start = msgbus_port_now_ms();
    if (!b)
        return MSGBUS_ERR_INVALID_ARG;
    if (b->in_poll)
        return MSGBUS_ERR_STATE;
    b->in_poll = 1;
    for (;;) {
        unsigned did;
        int32_t left;
        ensure_clients(b);
        if (b->prod && b->cfg.producer.loop == MSGBUS_LOOP_APP)
            msgbus_producer_poll(b->prod, 0);
        did = step_out(b) + step_in(b);
        left = (int32_t)timeout_ms - msgbus_time_diff(msgbus_port_now_ms(), start);
        if (left <= 0)
            break;
        if (!did) {
            int rc;
            msgbus_port_mutex_lock(&b->lock);
            rc = msgbus_port_cond_wait(&b->cond, &b->lock, left < 5 ? (uint32_t)left : 5u);
            msgbus_port_mutex_unlock(&b->lock);
            if (rc != 0 && rc != MSGBUS_ERR_TIMEOUT)
                break; /* a port that cannot wait (port/none): the caller polls again */
        }
    }
    b->in_poll = 0;
    return 0;
}

void msgbus_bridge_stats_get(msgbus_bridge *b, msgbus_bridge_stats *st)
{
    uint64_t first, next;
    if (!b || !st)
        return;
    msgbus_port_mutex_lock(&b->lock);
    *st = b->stats;
    b->st->range(b->st->ctx, &first, &next);
    st->kept = next - first;
    msgbus_port_mutex_unlock(&b->lock);
}

void msgbus_bridge_destroy(msgbus_bridge *b, uint32_t timeout_ms)
{
    size_t i;
    if (!b)
        return;
    for (i = 0; i < b->cfg.n_out; i++)
        if (b->routes[i].b)
            msgbus_local_deregister_handler(b->cfg.bus, b->routes[i].key);
    if (b->prod) {
        msgbus_producer_flush(b->prod, timeout_ms);
        msgbus_port_mutex_lock(&b->lock);
        advance(b);
        msgbus_port_mutex_unlock(&b->lock);
        msgbus_producer_close(b->prod, 0);
    }
    if (b->cons)
        msgbus_consumer_close(b->cons);
    msgbus_port_cond_destroy(&b->cond);
    msgbus_port_mutex_destroy(&b->lock);
    free_buffers(b);
    b->al.free(b->al.ctx, b, sizeof *b);
}

#else
typedef int mb_bridge_left_out; /* C11 wants a declaration in every file */
#endif /* MSGBUS_CFG_LOCAL && MSGBUS_CFG_BRIDGE */
