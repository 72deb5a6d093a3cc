/*
 * local.c - the local bus: topics, handlers with matchers, emit, and the
 * default id generator (include/msgbus/local.h).
 *
 * Tables are fixed arrays inside the caller's msgbus_local. Each topic keeps
 * the list of handler slots whose pattern matches it, in registration order;
 * the list changes only when a topic or handler is (de)registered, so an
 * emit is: lock, find the topic, copy its list, stamp the event, unlock,
 * call the handlers. Handlers run without the lock, so they may call back
 * into the bus. A deregistration on the emitting thread (from a handler) is
 * seen by the running emit through a per-thread counter; one made by
 * another thread may race an emit already under way (documented).
 *
 * Calls go: application -> msgbus_local_* -> match.c (registration only)
 * and the port's mutex and clock.
 */
#if defined(__linux__)
#define _GNU_SOURCE /* CLOCK_REALTIME_COARSE, for the default clock below */
#endif
#include <string.h>

#include "local/match.h"
#include "msgbus/local.h"

#if MSGBUS_CFG_LOCAL

#if MSGBUS_PORT_HAS_THREADS
#define MB_THREAD_LOCAL _Thread_local
#else
#define MB_THREAD_LOCAL
#endif

/* Per thread: emits in progress, and deregistrations made (see top). */
static MB_THREAD_LOCAL unsigned mb_local_depth;
static MB_THREAD_LOCAL uint32_t mb_local_dereg;

/* 2020-01-01T00:00:00Z in ms since the Unix epoch: the id generator's origin. */
#define MB_ID_EPOCH_MS 1577836800000LL

uint64_t msgbus_local_id_next(uint64_t last, int64_t now_ns, uint32_t node)
{
    int64_t ms = now_ns / 1000000 - MB_ID_EPOCH_MS;
    uint64_t id;
    if (ms < 0)
        ms = 0;
    id = ((uint64_t)ms & 0x3ffffffffffull) << 22 | (uint64_t)(node & 0xffu) << 14;
    if (id <= last) {
        /* same ms, or the clock went back: continue after the last id,
           carrying into the ms bits when the 14 sequence bits run out */
        uint64_t seq = (last & 0x3fffu) + 1u;
        id = (last & ~0x3fffffull) | (uint64_t)(node & 0xffu) << 14;
        if (seq > 0x3fffu) {
            id += 1ull << 22;
            seq = 0;
        }
        id |= seq;
        if (id <= last) /* the node bits were lowered: move to the next ms */
            id = ((last >> 22) + 1u) << 22 | (uint64_t)(node & 0xffu) << 14;
    }
    return id ? id : 1;
}

/*
 * The default clock. On Linux it reads CLOCK_REALTIME_COARSE (the kernel
 * tick, 1 to 4 ms): a precise read costs 20 to 70 ns, more than an emit
 * itself. Elsewhere the port's wall clock (ms). An application that wants
 * ns resolution gives msgbus_local_config.clock.
 */
#if defined(__linux__) && MSGBUS_PORT_HAS_THREADS
#include <time.h>
static int64_t clock_default(void *ud)
{
    struct timespec ts;
    (void)ud;
    if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
#else
static int64_t clock_default(void *ud)
{
    int64_t ms = msgbus_port_wallclock_ms();
    (void)ud;
    return ms < 0 ? 0 : ms * 1000000;
}
#endif

static int match(const msgbus_local *bus, const char *pattern, const char *topic)
{
    if (bus->mb_cfg.matcher == MSGBUS_LOCAL_MATCH_POSIX)
        return mb_match_posix(pattern, topic);
    return mb_match_subset(pattern, topic);
}

int msgbus_local_init(msgbus_local *bus, const msgbus_local_config *cfg)
{
    uint8_t rnd = 0;
    int rc;
    if (!bus)
        return MSGBUS_ERR_INVALID_ARG;
    memset(bus, 0, sizeof *bus);
    if (cfg)
        bus->mb_cfg = *cfg;
    if (bus->mb_cfg.matcher == MSGBUS_LOCAL_MATCH_DEFAULT)
        bus->mb_cfg.matcher =
            MSGBUS_CFG_LOCAL_REGEX_POSIX ? MSGBUS_LOCAL_MATCH_POSIX : MSGBUS_LOCAL_MATCH_SUBSET;
    if (bus->mb_cfg.matcher == MSGBUS_LOCAL_MATCH_POSIX && !MSGBUS_CFG_LOCAL_REGEX_POSIX)
        return MSGBUS_ERR_NOT_BUILT;
    if (bus->mb_cfg.matcher != MSGBUS_LOCAL_MATCH_POSIX &&
        bus->mb_cfg.matcher != MSGBUS_LOCAL_MATCH_SUBSET)
        return MSGBUS_ERR_INVALID_ARG;
    if (!bus->mb_cfg.clock)
        bus->mb_cfg.clock = clock_default;
    if (msgbus_port_random(&rnd, 1) == 0)
        bus->mb_node = rnd;
    rc = msgbus_port_mutex_init(&bus->mb_lock);
    if (rc)
        return rc;
    bus->mb_ready = 1;
    return 0;
}

void msgbus_local_destroy(msgbus_local *bus)
{
    if (!bus || !bus->mb_ready)
        return;
    msgbus_port_mutex_destroy(&bus->mb_lock);
    bus->mb_ready = 0;
}

void msgbus_local_seed(msgbus_local *bus, uint32_t node)
{
    if (!bus || !bus->mb_ready)
        return;
    msgbus_port_mutex_lock(&bus->mb_lock);
    bus->mb_node = node & 0xffu;
    msgbus_port_mutex_unlock(&bus->mb_lock);
}

/* ---- topics ------------------------------------------------------------ */

static mb_local_topic *find_topic(msgbus_local *bus, const char *name)
{
    size_t n = strlen(name);
    unsigned i;
    for (i = 0; i < MSGBUS_CFG_LOCAL_MAX_TOPICS; i++) {
        mb_local_topic *t = &bus->mb_topics[i];
        if (t->used && t->len == n && memcmp(t->name, name, n) == 0)
            return t;
    }
    return NULL;
}

/* Recompute topic t's handler list: every live handler whose pattern matches,
   in registration order (lock held). */
static void topic_rebuild(msgbus_local *bus, mb_local_topic *t)
{
    uint32_t after = 0;
    t->n = 0;
    for (;;) {
        unsigned i, best = MSGBUS_CFG_LOCAL_MAX_HANDLERS;
        for (i = 0; i < MSGBUS_CFG_LOCAL_MAX_HANDLERS; i++) {
            const mb_local_handler *h = &bus->mb_handlers[i];
            if (h->fn && h->seq > after &&
                (best == MSGBUS_CFG_LOCAL_MAX_HANDLERS || h->seq < bus->mb_handlers[best].seq))
                best = i;
        }
        if (best == MSGBUS_CFG_LOCAL_MAX_HANDLERS)
            return;
        after = bus->mb_handlers[best].seq;
        if (match(bus, bus->mb_handlers[best].pattern, t->name) == 1)
            t->order[t->n++] = (uint8_t)best;
    }
}

static int name_ok(const char *s, size_t cap)
{
    size_t n;
    if (!s)
        return 0;
    n = strlen(s);
    return n > 0 && n < cap;
}

int msgbus_local_register_topic(msgbus_local *bus, const char *name)
{
    mb_local_topic *t = NULL;
    unsigned i;
    if (!bus || !bus->mb_ready || !name_ok(name, MSGBUS_CFG_LOCAL_TOPIC_LEN))
        return MSGBUS_ERR_INVALID_ARG;
    msgbus_port_mutex_lock(&bus->mb_lock);
    if (find_topic(bus, name)) {
        msgbus_port_mutex_unlock(&bus->mb_lock);
        return 0;
    }
    for (i = 0; i < MSGBUS_CFG_LOCAL_MAX_TOPICS && !t; i++)
        if (!bus->mb_topics[i].used)
            t = &bus->mb_topics[i];
    if (t) {
        strcpy(t->name, name);
        t->len = (uint8_t)strlen(name);
        t->used = 1;
        topic_rebuild(bus, t);
    }
    msgbus_port_mutex_unlock(&bus->mb_lock);
    return t ? 0 : MSGBUS_ERR_LIMIT;
}

int msgbus_local_deregister_topic(msgbus_local *bus, const char *name)
{
    mb_local_topic *t;
    if (!bus || !bus->mb_ready || !name)
        return MSGBUS_ERR_INVALID_ARG;
    msgbus_port_mutex_lock(&bus->mb_lock);
    t = find_topic(bus, name);
    if (t)
        memset(t, 0, sizeof *t);
    msgbus_port_mutex_unlock(&bus->mb_lock);
    return t ? 0 : MSGBUS_ERR_NO_TOPIC;
}

/* ---- handlers ---------------------------------------------------------- */

static int find_handler(const msgbus_local *bus, const char *key)
{
    int i;
    for (i = 0; i < MSGBUS_CFG_LOCAL_MAX_HANDLERS; i++)
        if (bus->mb_handlers[i].fn && strcmp(bus->mb_handlers[i].key, key) == 0)
            return i;
    return -1;
}

/* Put slot s in the lists of the topics its pattern matches (lock held). It
   has the highest seq, so it goes last. */
static void handler_link(msgbus_local *bus, unsigned s)
{
    unsigned i;
    for (i = 0; i < MSGBUS_CFG_LOCAL_MAX_TOPICS; i++) {
        mb_local_topic *t = &bus->mb_topics[i];
        if (t->used && match(bus, bus->mb_handlers[s].pattern, t->name) == 1)
            t->order[t->n++] = (uint8_t)s;
    }
}

static void handler_unlink(msgbus_local *bus, unsigned s)
{
    unsigned i, j, k;
    for (i = 0; i < MSGBUS_CFG_LOCAL_MAX_TOPICS; i++) {
        mb_local_topic *t = &bus->mb_topics[i];
        for (j = k = 0; j < t->n; j++)
            if (t->order[j] != s)
                t->order[k++] = t->order[j];
        t->n = (uint8_t)k;
    }
}

int msgbus_local_register_handler(msgbus_local *bus, const char *key, const char *pattern,
                                  msgbus_local_handler_fn fn, void *ud)
{
    int rc = MSGBUS_ERR_LIMIT, i;
    if (!bus || !bus->mb_ready || !fn || !name_ok(key, MSGBUS_CFG_LOCAL_KEY_LEN) || !pattern ||
        strlen(pattern) >= MSGBUS_CFG_LOCAL_PATTERN_LEN)
        return MSGBUS_ERR_INVALID_ARG;
    rc = match(bus, pattern, "");
    if (rc < 0)
        return rc;
    rc = MSGBUS_ERR_LIMIT;
    msgbus_port_mutex_lock(&bus->mb_lock);
    if (find_handler(bus, key) >= 0) {
        rc = MSGBUS_ERR_DUPLICATE;
    } else {
        for (i = 0; i < MSGBUS_CFG_LOCAL_MAX_HANDLERS; i++) {
            mb_local_handler *h = &bus->mb_handlers[i];
            if (h->fn)
                continue;
            strcpy(h->key, key);
            strcpy(h->pattern, pattern);
            h->fn = fn;
            h->ud = ud;
            h->seq = ++bus->mb_seq;
            handler_link(bus, (unsigned)i);
            rc = 0;
            break;
        }
    }
    msgbus_port_mutex_unlock(&bus->mb_lock);
    return rc;
}

int msgbus_local_deregister_handler(msgbus_local *bus, const char *key)
{
    int s;
    if (!bus || !bus->mb_ready || !key)
        return MSGBUS_ERR_INVALID_ARG;
    msgbus_port_mutex_lock(&bus->mb_lock);
    s = find_handler(bus, key);
    if (s >= 0) {
        handler_unlink(bus, (unsigned)s);
        bus->mb_handlers[s].fn = NULL;
        bus->mb_handlers[s].ud = NULL;
        bus->mb_handlers[s].gen++;
        mb_local_dereg++;
    }
    msgbus_port_mutex_unlock(&bus->mb_lock);
    return s >= 0 ? 0 : MSGBUS_ERR_STATE;
}

/* ---- emit -------------------------------------------------------------- */

/* What an emit calls, copied under the lock. */
typedef struct mb_emit_list {
    unsigned n;
    uint8_t slot[MSGBUS_CFG_LOCAL_MAX_HANDLERS];
    uint32_t gen[MSGBUS_CFG_LOCAL_MAX_HANDLERS];
    msgbus_local_handler_fn fn[MSGBUS_CFG_LOCAL_MAX_HANDLERS];
    void *ud[MSGBUS_CFG_LOCAL_MAX_HANDLERS];
} mb_emit_list;

static uint64_t next_id(msgbus_local *bus, int64_t now_ns)
{
    if (bus->mb_cfg.next_id)
        return bus->mb_cfg.next_id(bus->mb_cfg.id_ud);
    bus->mb_last_id = msgbus_local_id_next(bus->mb_last_id, now_ns, bus->mb_node);
    return bus->mb_last_id;
}

/* Find the topic, copy its handlers and stamp the event (lock held). */
static int emit_prepare(msgbus_local *bus, msgbus_local_event *ev, int64_t now, mb_emit_list *l)
{
    const mb_local_topic *t = find_topic(bus, ev->topic);
    unsigned i;
    if (!t)
        return MSGBUS_ERR_NO_TOPIC;
    l->n = t->n;
    for (i = 0; i < t->n; i++) {
        const mb_local_handler *h = &bus->mb_handlers[t->order[i]];
        l->slot[i] = t->order[i];
        l->gen[i] = h->gen;
        l->fn[i] = h->fn;
        l->ud[i] = h->ud;
    }
    if (!ev->occurred_at_ns)
        ev->occurred_at_ns = now;
    if (!ev->id)
        ev->id = next_id(bus, now);
    if (!ev->tx_id)
        ev->tx_id = next_id(bus, now);
    return 0;
}

/* Whether handler i of the list is still registered (after a deregistration
   on this thread since the list was copied). */
static int still_live(msgbus_local *bus, const mb_emit_list *l, unsigned i)
{
    int live;
    msgbus_port_mutex_lock(&bus->mb_lock);
    live = bus->mb_handlers[l->slot[i]].gen == l->gen[i];
    msgbus_port_mutex_unlock(&bus->mb_lock);
    return live;
}

int msgbus_local_emit_event(msgbus_local *bus, msgbus_local_event *ev)
{
    mb_emit_list l;
    uint32_t dereg = mb_local_dereg;
    int64_t now;
    unsigned i;
    int rc, first = 0;
    if (!bus || !bus->mb_ready || !ev || !ev->topic || (!ev->data && ev->len) ||
        (!ev->key && ev->key_len) || (!ev->headers && ev->n_headers))
        return MSGBUS_ERR_INVALID_ARG;
    if (mb_local_depth >= MSGBUS_CFG_LOCAL_MAX_DEPTH)
        return MSGBUS_ERR_DEPTH;
    now = ev->occurred_at_ns ? ev->occurred_at_ns : bus->mb_cfg.clock(bus->mb_cfg.clock_ud);
    msgbus_port_mutex_lock(&bus->mb_lock);
    rc = emit_prepare(bus, ev, now, &l);
    msgbus_port_mutex_unlock(&bus->mb_lock);
    if (rc)
        return rc;
    mb_local_depth++;
    for (i = 0; i < l.n; i++) {
        if (mb_local_dereg != dereg && !still_live(bus, &l, i))
            continue;
        rc = l.fn[i](l.ud[i], ev);
        if (rc && !first)
            first = rc;
    }
    mb_local_depth--;
    return first;
}

int msgbus_local_emit(msgbus_local *bus, const char *topic, const void *data, size_t len,
                      uint64_t tx_id, msgbus_local_event *out)
{
    msgbus_local_event ev;
    int rc;
    memset(&ev, 0, sizeof ev);
    ev.topic = topic;
    ev.data = data;
    ev.len = len;
    ev.tx_id = tx_id;
    rc = msgbus_local_emit_event(bus, &ev);
    if (out)
        *out = ev;
    return rc;
}

#else
typedef int mb_local_left_out; /* C11 wants a declaration in every file */
#endif /* MSGBUS_CFG_LOCAL */
