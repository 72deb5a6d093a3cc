/*
 * bus_local.c - the bus API over the local bus: a msgbus_connect() with
 * tech MSGBUS_TECH_LOCAL lands here (through bus.c's table), so an
 * application written against msgbus.h runs without a broker and moves to
 * Kafka by changing its configuration.
 *
 * A writer emits each message to its topic on the default local bus (key,
 * value and headers travel in the event). A reader registers a handler for
 * exactly its topic; the handler copies each message into the reader's
 * ring (allocated once at connect, MSGBUS_CFG_LOCAL_READ_QUEUE bytes, or
 * read_queue_max_bytes when smaller), or, with a callback registered, calls
 * the callback at once on the writer's thread. A full ring refuses the
 * message: the writer's msgbus_write() returns MSGBUS_ERR_QUEUE_FULL.
 *
 * Calls go: bus.c -> mb_local_bus_ops -> msgbus_local_* (local.c).
 */
#include <string.h>

#include "local/bus_local.h"
#include "msgbus/local.h"
#include "msgbus/port.h"

#if MSGBUS_CFG_LOCAL

#if MSGBUS_PORT_HAS_THREADS
#define MB_THREAD_LOCAL _Thread_local
#else
#define MB_THREAD_LOCAL
#endif

/* The default bus (msgbus_local_set_default()), or one made at first connect. */
static msgbus_local *g_bus;
static msgbus_allocator g_bus_al;
static unsigned g_bus_refs; /* connections on a bus made here; 0: the application's */
/* The reader whose callback this thread is running, if any. */
static MB_THREAD_LOCAL const void *g_in_cb;

/* A ring entry: this header, then the key, then the value, padded to 8. */
typedef struct mb_ring_hdr {
    uint32_t size; /* whole entry; MB_RING_WRAP: continue at offset 0 */
    uint32_t key_len;
    uint32_t value_len;
    uint32_t has_key;
    int64_t ts_ms;
} mb_ring_hdr;
#define MB_RING_WRAP 0xffffffffu

typedef struct mb_local_conn {
    msgbus_local *bus;
    msgbus_allocator al;
    char topic[MSGBUS_CFG_LOCAL_TOPIC_LEN];
    char key[24]; /* the reader's handler key */
    int reader, blocking, open;
    uint32_t read_timeout_ms;
    msgbus_port_mutex_t lock;
    msgbus_port_cond_t cond;
    unsigned char *ring;
    size_t cap, head, tail, used, cur; /* cur: size of the entry last read, still held */
    uint32_t count;
    int64_t offset;
    msgbus_read_fn cb;
    void *cb_ud;
    unsigned cb_active;
} mb_local_conn;

static const mb_bus_ops mb_local_bus_ops;

void msgbus_local_set_default(msgbus_local *bus)
{
    mb_local_tech = &mb_local_bus_ops; /* connects of technology local work from now on */
    if (g_bus_refs > 0)
        return; /* connections use a bus made here: keep it */
    g_bus = bus;
}

static int bus_acquire(const msgbus_allocator *al, msgbus_local **out)
{
    int rc;
    if (g_bus && !g_bus_refs) {
        *out = g_bus; /* the application's */
        return 0;
    }
    if (!g_bus) {
        msgbus_local *b = al->alloc(al->ctx, sizeof *b);
        if (!b)
            return MSGBUS_ERR_NOMEM;
        rc = msgbus_local_init(b, NULL);
        if (rc) {
            al->free(al->ctx, b, sizeof *b);
            return rc;
        }
        g_bus = b;
        g_bus_al = *al;
    }
    g_bus_refs++;
    *out = g_bus;
    return 0;
}

static void bus_release(msgbus_local *bus)
{
    if (bus != g_bus || !g_bus_refs || --g_bus_refs > 0)
        return;
    msgbus_local_destroy(g_bus);
    g_bus_al.free(g_bus_al.ctx, g_bus, sizeof *g_bus);
    g_bus = NULL;
}

/* ---- the reader's ring ------------------------------------------------- */

static size_t pad8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

/* Room for @p size contiguous bytes at the head, wrapping if needed (lock
   held). `used` counts entries, the one held by the reader, and the waste
   left at the end by a wrap. */
static unsigned char *ring_reserve(mb_local_conn *c, size_t size)
{
    if (c->used == 0)
        c->head = c->tail = 0;
    if (c->used == c->cap || (c->head < c->tail && size > c->tail - c->head))
        return NULL;
    if (c->head >= c->tail && size > c->cap - c->head) {
        if (size > c->tail)
            return NULL; /* neither at the end nor at the start */
        if (c->cap - c->head >= sizeof(uint32_t)) {
            uint32_t wrap = MB_RING_WRAP;
            memcpy(c->ring + c->head, &wrap, sizeof wrap);
        }
        c->used += c->cap - c->head;
        c->head = 0;
    }
    return c->ring + c->head;
}

static int ring_push(mb_local_conn *c, const msgbus_local_event *ev)
{
    size_t size = pad8(sizeof(mb_ring_hdr) + ev->key_len + ev->len);
    mb_ring_hdr h;
    unsigned char *p = size <= c->cap ? ring_reserve(c, size) : NULL;
    if (!p)
        return MSGBUS_ERR_QUEUE_FULL;
    h.size = (uint32_t)size;
    h.key_len = (uint32_t)ev->key_len;
    h.value_len = (uint32_t)ev->len;
    h.has_key = ev->key != NULL;
    h.ts_ms = ev->occurred_at_ns / 1000000;
    memcpy(p, &h, sizeof h);
    if (ev->key_len)
        memcpy(p + sizeof h, ev->key, ev->key_len);
    if (ev->len)
        memcpy(p + sizeof h + ev->key_len, ev->data, ev->len);
    c->head = (c->head + size) % c->cap;
    c->used += size;
    c->count++;
    return 0;
}

/* Release the entry last read, then point @p rec at the next (lock held). */
static int ring_take(mb_local_conn *c, msgbus_record *rec)
{
    mb_ring_hdr h;
    uint32_t size = 0;
    const unsigned char *p;
    if (c->cur) {
        c->tail = (c->tail + c->cur) % c->cap;
        c->used -= c->cur;
        c->cur = 0;
    }
    if (!c->count)
        return MSGBUS_ERR_NO_MESSAGE;
    if (c->cap - c->tail >= sizeof size)
        memcpy(&size, c->ring + c->tail, sizeof size);
    if (c->cap - c->tail < sizeof h || size == MB_RING_WRAP) {
        c->used -= c->cap - c->tail;
        c->tail = 0;
    }
    p = c->ring + c->tail;
    memcpy(&h, p, sizeof h);
    memset(rec, 0, sizeof *rec);
    rec->topic = c->topic;
    rec->offset = c->offset;
    rec->timestamp_ms = h.ts_ms;
    rec->key = h.has_key ? p + sizeof h : NULL;
    rec->key_len = h.key_len;
    rec->value = p + sizeof h + h.key_len;
    rec->value_len = h.value_len;
    return 0;
}

/* The entry ring_take() pointed at is consumed; it is released at the next
   take, so the record's pointers stay valid until then. */
static void ring_consumed(mb_local_conn *c, const msgbus_record *rec)
{
    c->cur = pad8(sizeof(mb_ring_hdr) + rec->key_len + rec->value_len);
    c->count--;
    c->offset++;
}

/* ---- the reader's handler ---------------------------------------------- */

static int reader_handler(void *ud, const msgbus_local_event *ev)
{
    mb_local_conn *c = ud;
    msgbus_record rec;
    int rc;
    msgbus_port_mutex_lock(&c->lock);
    if (!c->cb) {
        rc = ring_push(c, ev);
        if (rc == 0)
            msgbus_port_cond_broadcast(&c->cond);
        msgbus_port_mutex_unlock(&c->lock);
        return rc;
    }
    c->cb_active++;
    memset(&rec, 0, sizeof rec);
    rec.topic = c->topic;
    rec.offset = c->offset++;
    rec.timestamp_ms = ev->occurred_at_ns / 1000000;
    rec.key = ev->key;
    rec.key_len = ev->key_len;
    rec.value = ev->data ? ev->data : "";
    rec.value_len = ev->len;
    msgbus_port_mutex_unlock(&c->lock);
    g_in_cb = c;
    c->cb(c->cb_ud, &rec);
    g_in_cb = NULL;
    msgbus_port_mutex_lock(&c->lock);
    c->cb_active--;
    msgbus_port_cond_broadcast(&c->cond);
    msgbus_port_mutex_unlock(&c->lock);
    return 0;
}

/* "^topic$" with the expression's special bytes escaped. */
static int exact_pattern(const char *topic, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = '^';
    for (; *topic; topic++) {
        if (strchr(".[]()*+?^$|\\{}", *topic) && n < cap)
            out[n++] = '\\';
        if (n + 2 >= cap)
            return MSGBUS_ERR_INVALID_ARG;
        out[n++] = *topic;
    }
    out[n++] = '$';
    out[n] = '\0';
    return 0;
}

static void hex_key(char *out, const void *p)
{
    static const char hex[] = "0123456789abcdef";
    uintptr_t v = (uintptr_t)p;
    size_t i = 0;
    memcpy(out, "mb.reader.", 10);
    i = 10;
    do {
        out[i++] = hex[v & 15u];
        v >>= 4;
    } while (v && i < 23);
    out[i] = '\0';
}

static int reader_open(mb_local_conn *c, const msgbus_config *cfg)
{
    char pattern[MSGBUS_CFG_LOCAL_PATTERN_LEN];
    size_t cap = MSGBUS_CFG_LOCAL_READ_QUEUE;
    int rc;
    if (cfg->read_queue_max_bytes && cfg->read_queue_max_bytes < cap)
        cap = cfg->read_queue_max_bytes;
    c->cap = pad8(cap < 256 ? 256 : cap);
    rc = exact_pattern(c->topic, pattern, sizeof pattern);
    if (rc)
        return rc;
    c->ring = c->al.alloc(c->al.ctx, c->cap);
    if (!c->ring)
        return MSGBUS_ERR_NOMEM;
    hex_key(c->key, c);
    rc = msgbus_local_register_handler(c->bus, c->key, pattern, reader_handler, c);
    if (rc)
        c->al.free(c->al.ctx, c->ring, c->cap);
    return rc;
}

static int conn_setup(mb_local_conn *c, const msgbus_config *cfg)
{
    int rc = msgbus_port_mutex_init(&c->lock);
    if (rc)
        return rc;
    rc = msgbus_port_cond_init(&c->cond);
    if (rc == 0) {
        rc = msgbus_local_register_topic(c->bus, c->topic);
        if (rc == 0 && c->reader)
            rc = reader_open(c, cfg);
        if (rc)
            msgbus_port_cond_destroy(&c->cond);
    }
    if (rc)
        msgbus_port_mutex_destroy(&c->lock);
    return rc;
}

int mb_local_bus_open(void **impl, const msgbus_config *cfg)
{
    const msgbus_allocator *al = cfg->alloc ? cfg->alloc : msgbus_allocator_default();
    mb_local_conn *c;
    int rc;
    if (!cfg->topic || !*cfg->topic || strlen(cfg->topic) >= MSGBUS_CFG_LOCAL_TOPIC_LEN ||
        (cfg->direction != MSGBUS_WRITER && cfg->direction != MSGBUS_READER))
        return MSGBUS_ERR_INVALID_ARG;
    c = al->alloc(al->ctx, sizeof *c);
    if (!c)
        return MSGBUS_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    c->al = *al;
    strcpy(c->topic, cfg->topic);
    c->reader = cfg->direction == MSGBUS_READER;
    c->blocking = cfg->blocking != MSGBUS_NONBLOCKING;
    c->read_timeout_ms = cfg->read_timeout_ms;
    rc = bus_acquire(al, &c->bus);
    if (rc == 0 && (rc = conn_setup(c, cfg)) != 0)
        bus_release(c->bus);
    if (rc) {
        al->free(al->ctx, c, sizeof *c);
        return rc;
    }
    c->open = 1;
    *impl = c;
    return 0;
}

/* ---- the calls --------------------------------------------------------- */

static int l_write_msg(void *impl, const void *key, size_t key_len, const void *value,
                       size_t value_len, const msgbus_header *headers, size_t n_headers)
{
    mb_local_conn *c = impl;
    msgbus_local_event ev;
    if (!c->open || c->reader)
        return MSGBUS_ERR_STATE;
    memset(&ev, 0, sizeof ev);
    ev.topic = c->topic;
    ev.data = value;
    ev.len = value_len;
    ev.key = key;
    ev.key_len = key_len;
    ev.headers = headers;
    ev.n_headers = n_headers;
    return msgbus_local_emit_event(c->bus, &ev);
}

static int l_flush(void *impl, uint32_t timeout_ms)
{
    const mb_local_conn *c = impl;
    (void)timeout_ms; /* every write was delivered before it returned */
    return c->open ? 0 : MSGBUS_ERR_STATE;
}

static int l_poll(void *impl, uint32_t timeout_ms)
{
    mb_local_conn *c = impl;
    if (!c->open)
        return MSGBUS_ERR_STATE;
    if (timeout_ms) { /* nothing to drive: callbacks run in the writers' emits */
        msgbus_port_mutex_lock(&c->lock);
        msgbus_port_cond_wait(&c->cond, &c->lock, timeout_ms);
        msgbus_port_mutex_unlock(&c->lock);
    }
    return 0;
}

/* Wait for a message as the blocking mode says (lock held). */
static int wait_message(mb_local_conn *c, msgbus_record *rec)
{
    uint32_t start = msgbus_port_now_ms();
    int rc;
    while ((rc = ring_take(c, rec)) == MSGBUS_ERR_NO_MESSAGE && c->blocking && c->open && !c->cb) {
        uint32_t wait = 1000;
        if (c->read_timeout_ms) {
            int32_t left =
                (int32_t)c->read_timeout_ms - msgbus_time_diff(msgbus_port_now_ms(), start);
            if (left <= 0)
                break;
            wait = (uint32_t)left;
        }
        if (msgbus_port_cond_wait(&c->cond, &c->lock, wait) != 0 && !MSGBUS_PORT_HAS_THREADS)
            break; /* port/none: nothing can arrive while we wait */
    }
    return rc;
}

static int l_read_record(void *impl, msgbus_record *rec)
{
    mb_local_conn *c = impl;
    int rc = MSGBUS_ERR_STATE;
    msgbus_port_mutex_lock(&c->lock);
    if (c->open && c->reader && !c->cb) {
        rc = wait_message(c, rec);
        if (rc == 0)
            ring_consumed(c, rec);
    }
    msgbus_port_mutex_unlock(&c->lock);
    return rc;
}

static int l_read(void *impl, void *buf, size_t cap, size_t *len)
{
    mb_local_conn *c = impl;
    msgbus_record rec;
    int rc = MSGBUS_ERR_STATE;
    msgbus_port_mutex_lock(&c->lock);
    if (c->open && c->reader && !c->cb)
        rc = wait_message(c, &rec);
    if (rc == 0) {
        *len = rec.value_len;
        if (rec.value_len > cap) {
            rc = MSGBUS_ERR_NO_ROOM; /* stays first in line */
        } else {
            if (rec.value_len)
                memcpy(buf, rec.value, rec.value_len);
            ring_consumed(c, &rec);
            ring_take(c, &rec); /* copied out: release it now (gives NO_MESSAGE or peeks) */
        }
    }
    msgbus_port_mutex_unlock(&c->lock);
    return rc;
}

static int l_commit(void *impl, uint32_t wait_ms)
{
    (void)impl;
    (void)wait_ms;
    return MSGBUS_ERR_STATE; /* a local reader belongs to no group */
}

static int l_available(void *impl)
{
    mb_local_conn *c = impl;
    uint32_t n;
    msgbus_port_mutex_lock(&c->lock);
    n = c->open && c->reader ? c->count : 0;
    msgbus_port_mutex_unlock(&c->lock);
    return n > 0x7fffffffu ? 0x7fffffff : (int)n;
}

static int l_register_cb(void *impl, msgbus_read_fn fn, void *ud)
{
    mb_local_conn *c = impl;
    msgbus_record rec;
    int rc = 0;
    msgbus_port_mutex_lock(&c->lock);
    if (!c->open || !c->reader || c->cb)
        rc = MSGBUS_ERR_STATE;
    /* hand over what is queued first, in order, then switch to direct calls */
    while (rc == 0 && ring_take(c, &rec) == 0) {
        ring_consumed(c, &rec);
        msgbus_port_mutex_unlock(&c->lock);
        fn(ud, &rec);
        msgbus_port_mutex_lock(&c->lock);
    }
    if (rc == 0) {
        c->cb = fn;
        c->cb_ud = ud;
    }
    msgbus_port_mutex_unlock(&c->lock);
    return rc;
}

static int l_unregister_cb(void *impl)
{
    mb_local_conn *c = impl;
    int rc = 0;
    if (g_in_cb == c)
        return MSGBUS_ERR_STATE; /* from the callback itself: would wait for ever */
    msgbus_port_mutex_lock(&c->lock);
    if (!c->cb)
        rc = MSGBUS_ERR_STATE;
    c->cb = NULL;
    c->cb_ud = NULL;
    while (c->cb_active > 0) {
        int w = msgbus_port_cond_wait(&c->cond, &c->lock, 1000);
        if (w != 0 && w != MSGBUS_ERR_TIMEOUT)
            break; /* a port that cannot wait has no other thread in a callback */
    }
    msgbus_port_mutex_unlock(&c->lock);
    return rc;
}

static int l_status(const void *impl)
{
    const mb_local_conn *c = impl;
    return c->open ? MSGBUS_STATUS_OPEN : MSGBUS_STATUS_CLOSED;
}

static int l_disconnect(void *impl)
{
    mb_local_conn *c = impl;
    if (!c->open || g_in_cb == c)
        return MSGBUS_ERR_STATE;
    if (c->reader) {
        msgbus_local_deregister_handler(c->bus, c->key);
        l_unregister_cb(c); /* waits for a callback in progress */
    }
    msgbus_port_mutex_lock(&c->lock);
    c->open = 0;
    msgbus_port_cond_broadcast(&c->cond);
    msgbus_port_mutex_unlock(&c->lock);
    return 0;
}

static void l_destroy(void *impl)
{
    mb_local_conn *c = impl;
    if (c->open)
        l_disconnect(c);
    if (c->ring)
        c->al.free(c->al.ctx, c->ring, c->cap);
    msgbus_port_cond_destroy(&c->cond);
    msgbus_port_mutex_destroy(&c->lock);
    bus_release(c->bus);
    c->al.free(c->al.ctx, c, sizeof *c);
}

static const mb_bus_ops mb_local_bus_ops = {
    mb_local_bus_open, l_write_msg,   l_flush,         l_poll,   l_read_record, l_read,   l_commit,
    l_available,       l_register_cb, l_unregister_cb, l_status, l_disconnect,  l_destroy};

#else
typedef int mb_local_left_out; /* C11 wants a declaration in every file */
#endif /* MSGBUS_CFG_LOCAL */
