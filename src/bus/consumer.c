/*
 * consumer.c - the consumer: partitions assigned by the application or by
 * its group member (group.c), fetched, and returned record by record.
 *
 * Each assigned partition is looked up (ListOffsets, when it starts at the
 * beginning, the end or a time), then fetched: one Fetch per leader at a
 * time carries every partition of that leader that is ready, so all leaders
 * are fetched from in parallel. A partition's records in a response are
 * copied once into a chunk buffer (pooled, bounded by queue_max_bytes); poll
 * then walks the chunk's batches in place: CRC checked, control batches and
 * aborted transactions skipped, records returned pointing into the chunk.
 *
 * A position moves only past records of a batch whose CRC matched: a batch
 * that fails it is fetched again (MSGBUS_CFG_CONSUMER_CRC_RETRIES times, then
 * MSGBUS_ERR_CRC through poll, the position kept).
 *
 * Calls go: application -> consumer.c -> group.c (bus/group.h) and
 * net/client; group.c calls back only through the mb_group_host upcalls
 * defined here (positions, assign, unassign_all). The clock is injected
 * (mb_consumer_create_clock), the port's by default.
 */
#include <stdint.h>
#include <string.h>

#include "msgbus/config_defaults.h"

#include "bus/client_open.h"
#include "bus/consumer_int.h"
#include "bus/decompress.h"
#include "msgbus/kafka_errors.h"
#include "msgbus/port.h"

#if MSGBUS_CFG_CONSUMER

/* ------------------------------------------------------------------------ */
/* Configuration and life cycle                                              */
/* ------------------------------------------------------------------------ */

void msgbus_consumer_config_init(msgbus_consumer_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->fetch_max_wait_ms = 100;
    cfg->fetch_min_bytes = 1;
    cfg->fetch_max_bytes = 4u << 20;
    cfg->partition_max_bytes = 1u << 20;
    cfg->queue_max_bytes = 16u << 20;
    cfg->queue_max_msgs = 100000;
    cfg->read_committed = 1;
    cfg->auto_offset_reset = MSGBUS_OFFSET_BEGINNING;
    cfg->connect_retries = 3;
    cfg->request_timeout_ms = 30000;
    cfg->retry_backoff_ms = 100;
    cfg->session_timeout_ms = 10000;
    cfg->rebalance_timeout_ms = 30000;
    cfg->heartbeat_interval_ms = 3000;
    cfg->auto_commit_interval_ms = 5000;
    cfg->log_level = MSGBUS_LOG_WARN;
    cfg->net_send_buf_size = 64u * 1024u;
    cfg->net_recv_chunk_size = 16u * 1024u;
    msgbus_security_init(&cfg->security);
}

static int config_check(const msgbus_consumer_config *c, mb_logger *lg)
{
    const char *bad = NULL;
    if (!c->bootstrap || !*c->bootstrap || strlen(c->bootstrap) >= 1024)
        bad = "bootstrap must list at least one host:port (under 1024 characters)";
    else if (c->client_id && strlen(c->client_id) >= 128)
        bad = "client_id is longer than 127 characters";
    else if (c->partition_max_bytes < 1024 || c->partition_max_bytes > MSGBUS_CFG_MAX_BYTES_LEN ||
             c->fetch_max_bytes < c->partition_max_bytes || c->fetch_max_bytes > 0x7fffffffu)
        bad = "partition_max_bytes must be 1 KiB to MSGBUS_CFG_MAX_BYTES_LEN, "
              "and fetch_max_bytes at least that";
    else if (c->queue_max_bytes < c->partition_max_bytes)
        bad = "queue_max_bytes must be at least partition_max_bytes";
    else if (c->queue_max_msgs == 0)
        bad = "queue_max_msgs must be positive";
    else if (c->auto_offset_reset != MSGBUS_OFFSET_BEGINNING &&
             c->auto_offset_reset != MSGBUS_OFFSET_END)
        bad = "auto_offset_reset must be MSGBUS_OFFSET_BEGINNING or MSGBUS_OFFSET_END";
    else if (c->group_id && (!*c->group_id || strlen(c->group_id) > 255))
        bad = "group_id must be 1-255 characters";
    else if (c->group_id &&
             (c->heartbeat_interval_ms == 0 || c->heartbeat_interval_ms >= c->session_timeout_ms ||
              c->session_timeout_ms > 0x7fffffffu || c->rebalance_timeout_ms > 0x7fffffffu ||
              c->auto_commit_interval_ms > 0x7fffffffu))
        bad = "heartbeat_interval_ms must be positive and below session_timeout_ms";
    else if (c->fetch_max_wait_ms > 0x7fffffffu || c->fetch_min_bytes > 0x7fffffffu ||
             c->request_timeout_ms == 0 ||
             c->request_timeout_ms > MSGBUS_CFG_REQUEST_TIMEOUT_MAX_MS)
        bad = "fetch_max_wait_ms, fetch_min_bytes or request_timeout_ms out of range";
    else if (c->net_send_buf_size < 1024 || c->net_send_buf_size > 64u * 1024u * 1024u ||
             c->net_recv_chunk_size < 64 || c->net_recv_chunk_size > 64u * 1024u * 1024u)
        bad = "net_send_buf_size must be 1 KiB to 64 MiB and net_recv_chunk_size 64 B to 64 MiB";
    if (bad) {
        MB_LOG(lg, MB_LOG_ERROR, "consumer config: %s", bad);
        return MSGBUS_ERR_INVALID_ARG;
    }
    return 0;
}

static int client_open(mb_consumer *c)
{
    mb_client_config cc;
    mb_client_config_init(&cc);
    cc.bootstrap = c->bootstrap;
    cc.client_id = c->client_id[0] ? c->client_id : NULL;
    cc.transport = c->cfg.transport;
    cc.alloc = &c->al;
    cc.log = c->cfg.log;
    cc.log_ud = c->cfg.log_ud;
    cc.log_level = c->cfg.log_level;
    cc.connect_retries = c->cfg.connect_retries;
    cc.now_ms = c->now_ms;
    cc.random = c->random;
    cc.clock_ud = c->clock_ud;
    /* a Fetch may wait fetch_max_wait_ms at the broker before it answers */
    cc.request_timeout_ms = c->cfg.request_timeout_ms + c->cfg.fetch_max_wait_ms;
    cc.recv_keep_bytes = c->cfg.fetch_max_bytes + 65536u; /* a fetch answer's buffer is reused */
    cc.security = &c->cfg.security;
    cc.send_buf_size = c->cfg.net_send_buf_size;
    cc.recv_chunk_size = c->cfg.net_recv_chunk_size;
    /* a port with threads reports an unreachable or untrusted bootstrap here;
     * on port/none the application drives and its first poll connects */
    return mb_client_open(&c->cl, &cc, MSGBUS_PORT_HAS_THREADS ? MSGBUS_CFG_CONNECT_WAIT_MS : 0,
                          &c->own_transport, &c->owns_transport);
}

static void chunk_free(mb_consumer *c, mb_chunk *k)
{
    c->queued -= k->remaining < c->queued ? k->remaining : c->queued;
    k->remaining = 0;
    c->buf_bytes -= k->cap;
    c->al.free(c->al.ctx, k, sizeof *k + k->cap);
}

/* Free everything: no group request is sent (close has left the group, a
 * failed create never joined one). */
static void consumer_free(mb_consumer *c)
{
    size_t i;
    c->closing = 1;
    if (c->cl)
        mb_client_destroy(c->cl); /* requests in flight complete (with STATE) first */
#if MSGBUS_CFG_GROUPS
    mb_group_destroy(c->grp); /* after the client: no callback can reach it now */
#endif
    c->grp = NULL;
    if (c->owns_transport)
        msgbus_port_transport_destroy(&c->own_transport);
    if (c->cur)
        chunk_free(c, c->cur);
    while (c->q_head) {
        mb_chunk *k = c->q_head;
        c->q_head = k->next;
        chunk_free(c, k);
    }
    while (c->free_chunks) {
        mb_chunk *k = c->free_chunks;
        c->free_chunks = k->next;
        chunk_free(c, k);
    }
    while (c->free_reqs) {
        mb_creq *r = c->free_reqs;
        c->free_reqs = r->next;
        c->al.free(c->al.ctx, r, sizeof *r);
    }
    for (i = 0; i < c->n_parts; i++)
        c->al.free(c->al.ctx, c->parts[i], sizeof *c->parts[i]);
    if (c->parts)
        c->al.free(c->al.ctx, c->parts, c->cap_parts * sizeof *c->parts);
    if (c->arena)
        c->al.free(c->al.ctx, c->arena, MB_CONS_ARENA);
    if (c->dbuf)
        c->al.free(c->al.ctx, c->dbuf, c->dcap);
    c->al.free(c->al.ctx, c, sizeof *c);
}

void msgbus_consumer_close(msgbus_consumer *c)
{
    if (!c)
        return;
#if MSGBUS_CFG_GROUPS
    if (c->grp) /* commit and leave while the connections are still up */
        mb_group_leave(c->grp);
#endif
    consumer_free(c);
}

#if MSGBUS_CFG_GROUPS
static size_t host_positions(void *ud, mb_gtp *out, size_t cap);
static int host_assign(void *ud, const char *topic, int32_t partition, int64_t offset);
static void host_unassign_all(void *ud);

static int group_open(mb_consumer *c)
{
    mb_group_host h;
    memset(&h, 0, sizeof h);
    h.ud = c;
    h.cl = c->cl;
    h.cfg = &c->cfg;
    h.log = &c->log;
    h.al = c->al;
    h.now_ms = c->now_ms;
    h.clock_ud = c->clock_ud;
    h.positions = host_positions;
    h.assign = host_assign;
    h.unassign_all = host_unassign_all;
    return mb_group_create(&c->grp, &h, c->cfg.group_id);
}
#endif

static uint32_t now_of(const mb_consumer *c)
{
    return c->now_ms ? c->now_ms(c->clock_ud) : msgbus_port_now_ms();
}

int msgbus_consumer_create(msgbus_consumer **out, const msgbus_consumer_config *cfg)
{
    return mb_consumer_create_clock(out, cfg, NULL, NULL, NULL);
}

int mb_consumer_create_clock(msgbus_consumer **out, const msgbus_consumer_config *cfg,
                             uint32_t (*now_ms)(void *ud),
                             int (*random)(void *ud, void *buf, size_t len), void *ud)
{
    const msgbus_allocator *al;
    mb_logger lg;
    mb_consumer *c;
    int rc;
    if (!out || !cfg)
        return MSGBUS_ERR_INVALID_ARG;
    *out = NULL;
    lg.fn = cfg->log;
    lg.ud = cfg->log_ud;
    lg.level = cfg->log_level;
    if ((rc = config_check(cfg, &lg)) != 0)
        return rc;
    al = cfg->alloc ? cfg->alloc : msgbus_allocator_default();
    c = al->alloc(al->ctx, sizeof *c);
    if (!c)
        return MSGBUS_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    c->al = *al;
    c->cfg = *cfg;
    c->log = lg;
    c->now_ms = now_ms;
    c->random = random;
    c->clock_ud = ud;
    strcpy(c->bootstrap, cfg->bootstrap);
    if (cfg->client_id)
        strcpy(c->client_id, cfg->client_id);
    c->arena = c->al.alloc(c->al.ctx, MB_CONS_ARENA);
    rc = c->arena ? client_open(c) : MSGBUS_ERR_NOMEM;
#if MSGBUS_CFG_GROUPS
    if (rc == 0 && cfg->group_id)
        rc = group_open(c);
#else
    if (rc == 0 && cfg->group_id)
        rc = MSGBUS_ERR_NOT_BUILT;
#endif
    if (rc) {
        consumer_free(c); /* no group was joined: nothing to commit or leave */
        return rc;
    }
    *out = c;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Assignment                                                                */
/* ------------------------------------------------------------------------ */

static mb_cpart *find_part(mb_consumer *c, const char *topic, int32_t partition, size_t *idx)
{
    size_t i;
    for (i = 0; i < c->n_parts; i++) {
        if (c->parts[i]->partition == partition && strcmp(c->parts[i]->topic, topic) == 0) {
            if (idx)
                *idx = i;
            return c->parts[i];
        }
    }
    return NULL;
}

/* Point @p p at @p offset (>= 0), or ask for a lookup of BEGINNING / END / a time. */
static void part_start(mb_cpart *p, int64_t offset, int by_time)
{
    p->epoch++;
    p->hw = -1;
    p->crc_retries = 0;
    p->err = 0;
    p->failed = 0;
    if (!by_time && offset >= 0) {
        p->need_offset = 0;
        p->position = p->fetch_offset = offset;
    } else {
        p->need_offset = 1;
        p->start = offset;
        p->position = p->fetch_offset = -1;
    }
}

/* The metadata's topic entry for @p p, or NULL; *@p v receives the view. */
static const mb_topic_info *md_topic(mb_consumer *c, const mb_cpart *p, mb_cluster_view *v)
{
    int32_t i;
    mb_client_cluster(c->cl, v);
    for (i = 0; i < v->n_topics; i++)
        if (strcmp(v->topics[i].name, p->topic) == 0)
            return &v->topics[i];
    return NULL;
}

/* How many metadata answers the client has applied: a generation that moves
 * even when the clock does not (one step may assign and refresh). */
static uint64_t md_generation(const mb_consumer *c)
{
    mb_client_stats st;
    mb_client_get_stats(c->cl, &st);
    return st.metadata_refreshes;
}

/* Remember how current the metadata was when @p p was assigned. */
static void md_stamp(mb_consumer *c, mb_cpart *p)
{
    mb_cluster_view v;
    const mb_topic_info *t = md_topic(c, p, &v);
    p->md_valid = t != NULL;
    p->md_at = md_generation(c);
}

/*
 * 1 if metadata newer than the assignment lists @p p's topic without that
 * partition: it does not exist (kcat says so too), so waiting is pointless.
 */
static int part_missing(mb_consumer *c, const mb_cpart *p)
{
    mb_cluster_view v;
    const mb_topic_info *t = md_topic(c, p, &v);
    int32_t i;
    if (!t || t->error_code || t->n_partitions <= 0 ||
        (p->md_valid && md_generation(c) == p->md_at))
        return 0;
    for (i = 0; i < t->n_partitions; i++)
        if (t->partitions[i].partition == p->partition)
            return 0;
    return 1;
}

static int assign(mb_consumer *c, const char *topic, int32_t partition, int64_t offset, int by_time)
{
    mb_cpart *p;
    size_t len = topic ? strlen(topic) : 0;
    int rc;
    if (!c || !mb_topic_name_valid(topic, len) || partition < 0 || (!by_time && offset < -2))
        return MSGBUS_ERR_INVALID_ARG;
    p = find_part(c, topic, partition, NULL);
    if (!p) {
        if (c->n_parts >= MSGBUS_CFG_MAX_ARRAY_COUNT)
            return MSGBUS_ERR_LIMIT;
        rc = mb_array_reserve(&c->al, (void **)&c->parts, &c->cap_parts, c->n_parts,
                              sizeof *c->parts, 16);
        if (rc)
            return rc;
        if ((rc = mb_client_want_topic(c->cl, topic)) != 0)
            return rc;
        p = c->al.alloc(c->al.ctx, sizeof *p);
        if (!p)
            return MSGBUS_ERR_NOMEM;
        memset(p, 0, sizeof *p);
        memcpy(p->topic, topic, len + 1);
        p->partition = partition;
        c->parts[c->n_parts++] = p;
    }
    md_stamp(c, p);
    part_start(p, offset, by_time);
    return 0;
}

int msgbus_consumer_assign(msgbus_consumer *c, const char *topic, int32_t partition, int64_t offset)
{
    if (c && c->grp)
        return MSGBUS_ERR_STATE; /* the group assigns */
    return assign(c, topic, partition, offset, 0);
}

#if MSGBUS_CFG_GROUPS
/* ---- the group member's upcalls (mb_group_host) ---- */

static int host_assign(void *ud, const char *topic, int32_t partition, int64_t offset)
{
    return assign(ud, topic, partition, offset, 0);
}

static void host_unassign_all(void *ud)
{
    mb_consumer *c = ud;
    size_t i = c->n_parts;
    while (i-- > 0) {
        char topic[256];
        if (!c->parts[i]->topic[0])
            continue;
        strcpy(topic, c->parts[i]->topic);
        msgbus_consumer_unassign(c, topic, c->parts[i]->partition);
    }
}

/* The positions worth committing: assigned partitions whose position is known. */
static size_t host_positions(void *ud, mb_gtp *out, size_t cap)
{
    mb_consumer *c = ud;
    size_t i, n = 0;
    for (i = 0; i < c->n_parts; i++) {
        const mb_cpart *p = c->parts[i];
        if (!p->topic[0] || p->position < 0)
            continue;
        if (n < cap) {
            strcpy(out[n].topic, p->topic);
            out[n].partition = p->partition;
            out[n].offset = p->position;
        }
        n++;
    }
    return n;
}

/* ---- the group calls of the public API ---- */

int msgbus_consumer_subscribe(msgbus_consumer *c, const char *const *topics, size_t n)
{
    if (!c)
        return MSGBUS_ERR_INVALID_ARG;
    if (!c->grp)
        return MSGBUS_ERR_STATE;
    return mb_group_subscribe(c->grp, topics, n);
}

int msgbus_consumer_commit(msgbus_consumer *c, uint32_t wait_ms)
{
    if (!c)
        return MSGBUS_ERR_INVALID_ARG;
    if (!c->grp)
        return MSGBUS_ERR_STATE;
    return mb_group_commit(c->grp, NULL, 0, wait_ms);
}

int msgbus_consumer_commit_offsets(msgbus_consumer *c, const msgbus_topic_partition *offsets,
                                   size_t n, uint32_t wait_ms)
{
    size_t i;
    if (!c || !offsets || n == 0 || n > MSGBUS_CFG_MAX_ARRAY_COUNT)
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < n; i++)
        if (!offsets[i].topic || !mb_topic_name_valid(offsets[i].topic, strlen(offsets[i].topic)) ||
            offsets[i].partition < 0 || offsets[i].offset < 0)
            return MSGBUS_ERR_INVALID_ARG;
    if (!c->grp)
        return MSGBUS_ERR_STATE;
    return mb_group_commit(c->grp, offsets, n, wait_ms);
}

int msgbus_consumer_committed(msgbus_consumer *c, const char *topic, int32_t partition,
                              int64_t *offset, uint32_t timeout_ms)
{
    if (!c || !offset || !topic || !mb_topic_name_valid(topic, strlen(topic)) || partition < 0)
        return MSGBUS_ERR_INVALID_ARG;
    if (!c->grp)
        return MSGBUS_ERR_STATE;
    return mb_group_committed(c->grp, topic, partition, offset, timeout_ms);
}

#endif /* MSGBUS_CFG_GROUPS */

/* Free the partitions unassigned while a request still pointed at them. */
static void reap(mb_consumer *c)
{
    size_t i = c->n_parts;
    while (i-- > 0) {
        mb_cpart *p = c->parts[i];
        if (p->topic[0] || p->busy)
            continue;
        c->parts[i] = c->parts[--c->n_parts];
        c->al.free(c->al.ctx, p, sizeof *p);
    }
}

int msgbus_consumer_assign_time(msgbus_consumer *c, const char *topic, int32_t partition,
                                int64_t timestamp_ms)
{
    if (c && c->grp)
        return MSGBUS_ERR_STATE;
    if (timestamp_ms < 0)
        return MSGBUS_ERR_INVALID_ARG;
    return assign(c, topic, partition, timestamp_ms, 1);
}

int msgbus_consumer_partition_count(msgbus_consumer *c, const char *topic, int32_t *n,
                                    uint32_t timeout_ms)
{
    uint32_t start;
    int rc, err = 0;
    if (!c || !n || !topic || !mb_topic_name_valid(topic, strlen(topic)))
        return MSGBUS_ERR_INVALID_ARG;
    if ((rc = mb_client_want_topic(c->cl, topic)) != 0)
        return rc;
    start = now_of(c);
    for (;;) {
        mb_cluster_view v;
        int32_t i;
        uint32_t left = mb_time_left(start, now_of(c), timeout_ms);
        mb_client_cluster(c->cl, &v);
        for (i = 0; i < v.n_topics; i++) {
            if (strcmp(v.topics[i].name, topic) != 0)
                continue;
            err = v.topics[i].error_code;
            if (err == 0 && v.topics[i].n_partitions > 0) {
                *n = v.topics[i].n_partitions;
                return 0;
            }
            if (err && !msgbus_err_retriable(err))
                return err;
        }
        if (left == 0)
            return err ? err : MSGBUS_ERR_TIMEOUT;
        mb_client_refresh_metadata(c->cl, 0);
        if ((rc = mb_client_poll(c->cl, left)) != 0) /* returns when the answer comes */
            return rc;
    }
}

int msgbus_consumer_seek(msgbus_consumer *c, const char *topic, int32_t partition, int64_t offset)
{
    mb_cpart *p;
    if (!c || !topic || offset < -2)
        return MSGBUS_ERR_INVALID_ARG;
    if (!(p = find_part(c, topic, partition, NULL)))
        return MSGBUS_ERR_INVALID_ARG;
    part_start(p, offset, 0);
    return 0;
}

int msgbus_consumer_unassign(msgbus_consumer *c, const char *topic, int32_t partition)
{
    size_t i;
    mb_cpart *p;
    if (!c || !topic || !(p = find_part(c, topic, partition, &i)))
        return MSGBUS_ERR_INVALID_ARG;
    if (p->busy) {
        /* a request still points at it: park it, unreachable, until close */
        p->epoch++;
        p->paused = 1;
        p->topic[0] = '\0';
        return 0;
    }
    c->parts[i] = c->parts[--c->n_parts];
    /* chunks of the partition: drop them now */
    {
        mb_chunk **pp = &c->q_head, *last = NULL;
        while (*pp) {
            mb_chunk *k = *pp;
            if (k->part == p) {
                *pp = k->next;
                chunk_free(c, k);
            } else {
                last = k;
                pp = &k->next;
            }
        }
        c->q_tail = last;
        if (c->cur && c->cur->part == p) {
            chunk_free(c, c->cur);
            c->cur = NULL;
        }
    }
    c->al.free(c->al.ctx, p, sizeof *p);
    return 0;
}

size_t msgbus_consumer_assignment(msgbus_consumer *c, msgbus_topic_partition *out, size_t cap)
{
    size_t i, n = 0;
    if (!c)
        return 0;
    for (i = 0; i < c->n_parts; i++) {
        mb_cpart *p = c->parts[i];
        if (!p->topic[0])
            continue;
        if (n < cap && out) {
            out[n].topic = p->topic;
            out[n].partition = p->partition;
            out[n].offset = p->position;
        }
        n++;
    }
    return n;
}

int msgbus_consumer_pause(msgbus_consumer *c, const char *topic, int32_t partition, int paused)
{
    mb_cpart *p;
    if (!c || !topic || !(p = find_part(c, topic, partition, NULL)))
        return MSGBUS_ERR_INVALID_ARG;
    p->paused = paused != 0;
    return 0;
}

int msgbus_consumer_position(msgbus_consumer *c, const char *topic, int32_t partition,
                             int64_t *offset, int64_t *end)
{
    mb_cpart *p;
    if (!c || !topic || !(p = find_part(c, topic, partition, NULL)))
        return MSGBUS_ERR_INVALID_ARG;
    if (offset)
        *offset = p->position;
    if (end)
        *end = p->hw;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Requests                                                                  */
/* ------------------------------------------------------------------------ */

static int *broker_flag(mb_consumer *c, int32_t id, int fetch)
{
    size_t i;
    for (i = 0; i < c->n_brokers; i++)
        if (c->brokers[i].id == id)
            return fetch ? &c->brokers[i].fetching : &c->brokers[i].listing;
    if (c->n_brokers == MB_CLIENT_MAX_BROKERS)
        return NULL;
    c->brokers[c->n_brokers].id = id;
    c->brokers[c->n_brokers].fetching = c->brokers[c->n_brokers].listing = 0;
    i = c->n_brokers++;
    return fetch ? &c->brokers[i].fetching : &c->brokers[i].listing;
}

static mb_creq *req_get(mb_consumer *c, int32_t broker, int is_fetch)
{
    mb_creq *r = c->free_reqs;
    if (r) {
        c->free_reqs = r->next;
    } else if (!(r = c->al.alloc(c->al.ctx, sizeof *r))) {
        return NULL;
    }
    memset(r, 0, sizeof *r);
    r->c = c;
    r->broker = broker;
    r->is_fetch = is_fetch;
    return r;
}

/*
 * Put the request's partitions of one topic next to each other (a request
 * lists each topic once); each partition's epoch moves with it.
 */
static void group_by_topic(mb_creq *r)
{
    size_t i, j, k;
    for (i = 0; i < r->n; i = j) {
        for (j = i + 1, k = i + 1; k < r->n; k++) {
            if (strcmp(r->parts[k]->topic, r->parts[i]->topic) == 0) {
                mb_cpart *p = r->parts[j];
                uint32_t e = r->epochs[j];
                r->parts[j] = r->parts[k];
                r->epochs[j] = r->epochs[k];
                r->parts[k] = p;
                r->epochs[k] = e;
                j++;
            }
        }
    }
}

/* 1 if partition @p i of the (grouped) request starts a new topic. */
static int new_topic(const mb_creq *r, size_t i)
{
    return i == 0 || strcmp(r->parts[i]->topic, r->parts[i - 1]->topic) != 0;
}

static int fetch_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_creq *r = ud;
    mb_consumer *c = r->c;
    mb_fetch_topic *topics = r->u.f.topics;
    mb_fetch_partition *parts = r->u.f.parts;
    mb_fetch_req req;
    size_t i, nt = 0;
    group_by_topic(r);
    for (i = 0; i < r->n; i++) {
        mb_cpart *p = r->parts[i];
        if (new_topic(r, i)) {
            topics[nt].topic = mb_str_c(p->topic);
            topics[nt].partitions = &parts[i];
            topics[nt++].n_partitions = 0;
        }
        parts[i].partition = p->partition;
        parts[i].current_leader_epoch = -1;
        parts[i].fetch_offset = p->fetch_offset;
        parts[i].last_fetched_epoch = -1;
        parts[i].log_start_offset = -1;
        parts[i].partition_max_bytes = (int32_t)c->cfg.partition_max_bytes;
        topics[nt - 1].n_partitions++;
    }
    memset(&req, 0, sizeof req);
    req.cluster_id = MB_STR_NULL;
    req.replica_id = -1;
    req.max_wait_ms = (int32_t)c->cfg.fetch_max_wait_ms;
    req.min_bytes = (int32_t)c->cfg.fetch_min_bytes;
    req.max_bytes = (int32_t)c->cfg.fetch_max_bytes;
    req.isolation_level = (int8_t)(c->cfg.read_committed != 0);
    req.session_id = 0;
    req.session_epoch = -1;
    req.topics = topics;
    req.n_topics = (int32_t)nt;
    req.rack_id = mb_str_c("");
    return mb_fetch_req_write(w, version, &req);
}

static int lo_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_creq *r = ud;
    mb_list_offsets_req_topic *topics = r->u.lo.topics;
    mb_list_offsets_req_partition *parts = r->u.lo.parts;
    mb_list_offsets_req req;
    size_t i, nt = 0;
    group_by_topic(r);
    for (i = 0; i < r->n; i++) {
        mb_cpart *p = r->parts[i];
        if (new_topic(r, i)) {
            topics[nt].name = mb_str_c(p->topic);
            topics[nt].partitions = &parts[i];
            topics[nt++].n_partitions = 0;
        }
        parts[i].partition_index = p->partition;
        parts[i].current_leader_epoch = -1;
        parts[i].timestamp = p->start;
        topics[nt - 1].n_partitions++;
    }
    req.replica_id = -1;
    req.isolation_level = (int8_t)(r->c->cfg.read_committed != 0);
    req.topics = topics;
    req.n_topics = (int32_t)nt;
    return mb_list_offsets_req_write(w, version, &req);
}

/* Errors after which the leader may have moved. */
static int leader_error(int e)
{
    return e == MSGBUS_KERR_NOT_LEADER_OR_FOLLOWER || e == MSGBUS_KERR_LEADER_NOT_AVAILABLE ||
           e == MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION || e == MSGBUS_ERR_TRANSPORT ||
           e == MSGBUS_ERR_TIMEOUT || msgbus_err_retriable(e);
}

/* A partition's request failed with @p e: back off, maybe refresh metadata. */
static void part_failed(mb_consumer *c, mb_cpart *p, int e)
{
    uint32_t now = now_of(c);
    if (e == MSGBUS_KERR_OFFSET_OUT_OF_RANGE) {
        MB_LOG(&c->log, MB_LOG_WARN, "%s [%d]: offset %lld out of range, resetting", p->topic,
               (int)p->partition, (long long)p->fetch_offset);
        part_start(p, c->cfg.auto_offset_reset, 0);
        return;
    }
    p->retry_at = now + c->cfg.retry_backoff_ms;
    if (leader_error(e)) {
        mb_client_refresh_metadata(c->cl, 0);
        return;
    }
    MB_LOG(&c->log, MB_LOG_ERROR, "%s [%d]: %s", p->topic, (int)p->partition, msgbus_strerror(e));
    p->retry_at = now + 10 * c->cfg.retry_backoff_ms;
    if (c->cfg.on_error)
        c->cfg.on_error(c->cfg.error_ud, e, p->topic);
}

/* A batch's offsets that are usable: base and delta not negative, base + delta + 1 no overflow. */
static int offsets_sane(const mb_batch *b)
{
    return b->base_offset >= 0 && b->last_offset_delta >= 0 &&
           b->base_offset <= INT64_MAX - 1 - (int64_t)b->last_offset_delta;
}

/*
 * Bytes of @p data that hold whole batches; in *@p next the offset after the
 * last batch that verifies (CRC, sane offsets), so the next fetch never starts
 * from an unverified header; in *@p count the records of verified batches
 * from @p from on (an estimate for msgbus_consumer_ready()).
 */
static size_t whole_batches(const uint8_t *data, size_t len, int64_t from, int64_t *next,
                            uint32_t *count)
{
    mb_batch_iter it;
    size_t off = 0;
    *count = 0;
    mb_batch_iter_init(&it, data, len);
    for (;;) {
        mb_batch b;
        int rc = mb_batch_next(&it, &b);
        int64_t last;
        if (rc == MB_ITER_END || rc == MB_BATCH_INCOMPLETE || it.err)
            break;
        off = len - it.rd.left;
        if (rc != 0 || !offsets_sane(&b))
            continue; /* poll meets it and fetches again; nothing here moves past it */
        last = mb_batch_last_offset(&b);
        if (last + 1 > *next)
            *next = last + 1;
        if (last >= from && !mb_batch_is_control(&b) && b.record_count > 0)
            *count = (uint32_t)b.record_count > UINT32_MAX - *count
                         ? UINT32_MAX
                         : *count + (uint32_t)b.record_count;
    }
    return off;
}

/* Queue the records of one partition's answer as a chunk. */
static int queue_chunk(mb_consumer *c, mb_cpart *p, const mb_fetch_partition_resp *pr)
{
    int64_t next = p->fetch_offset;
    uint32_t count;
    size_t len =
        whole_batches(pr->records.ptr, (size_t)pr->records.len, p->fetch_offset, &next, &count);
    int pooled = len <= c->cfg.partition_max_bytes;
    size_t cap = pooled ? c->cfg.partition_max_bytes : len;
    mb_chunk *k;
    int32_t i;
    if (len == 0)
        return 0;
    if (pooled && c->free_chunks) {
        k = c->free_chunks;
        c->free_chunks = k->next;
    } else {
        if (!(k = c->al.alloc(c->al.ctx, sizeof *k + cap)))
            return MSGBUS_ERR_NOMEM;
        c->buf_bytes += cap;
    }
    memset(k, 0, sizeof *k);
    k->buf = (uint8_t *)(k + 1);
    k->cap = cap;
    k->pooled = pooled;
    k->len = len;
    k->part = p;
    k->epoch = p->epoch;
    k->remaining = count;
    c->queued = count > UINT32_MAX - c->queued ? UINT32_MAX : c->queued + count;
    memcpy(k->buf, pr->records.ptr, len);
    mb_batch_iter_init(&k->bi, k->buf, len);
    for (i = 0; i < pr->n_aborted_transactions && k->n_aborted < MB_CHUNK_MAX_ABORTED; i++)
        k->aborted[k->n_aborted++] = pr->aborted_transactions[i];
    if (c->q_tail)
        c->q_tail->next = k;
    else
        c->q_head = k;
    c->q_tail = k;
    p->fetch_offset = next;
    return 0;
}

static const mb_fetch_partition_resp *find_fetch(const mb_fetch_resp *resp, const mb_cpart *p)
{
    int32_t i, j;
    mb_str t = mb_str_c(p->topic);
    for (i = 0; i < resp->n_responses; i++) {
        if (!mb_str_eq(resp->responses[i].topic, t))
            continue;
        for (j = 0; j < resp->responses[i].n_partitions; j++)
            if (resp->responses[i].partitions[j].partition_index == p->partition)
                return &resp->responses[i].partitions[j];
    }
    return NULL;
}

static void fetch_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_creq *r = ud;
    mb_consumer *c = r->c;
    mb_fetch_resp resp;
    mb_arena a;
    size_t i;
    int *flag = broker_flag(c, r->broker, 1);
    if (flag)
        *flag = 0;
    if (err == 0) {
        mb_arena_init(&a, c->arena, MB_CONS_ARENA);
        err = mb_fetch_resp_read(body, version, &a, &resp);
        if (err == 0 && resp.error_code)
            err = resp.error_code;
    }
    for (i = 0; i < r->n; i++) {
        mb_cpart *p = r->parts[i];
        const mb_fetch_partition_resp *pr;
        int e = err;
        p->busy = 0;
        if (p->epoch != r->epochs[i] || c->closing)
            continue; /* seeked or unassigned meanwhile */
        pr = e ? NULL : find_fetch(&resp, p);
        if (!e && !pr)
            e = MSGBUS_ERR_MALFORMED;
        if (!e && pr->error_code)
            e = pr->error_code;
        if (!e) {
            MB_LOG(&c->log, MB_LOG_DEBUG, "%s [%d]: fetched %d bytes at %lld, high watermark %lld",
                   p->topic, (int)p->partition, (int)pr->records.len, (long long)p->fetch_offset,
                   (long long)pr->high_watermark);
            /* read_committed: the end is the last stable offset (an open transaction) */
            p->hw = c->cfg.read_committed && pr->last_stable_offset >= 0 ? pr->last_stable_offset
                                                                         : pr->high_watermark;
            if (pr->records.len > 0)
                e = queue_chunk(c, p, pr);
        }
        if (e)
            part_failed(c, p, e);
    }
    r->next = c->free_reqs;
    c->free_reqs = r;
}

static void lo_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_creq *r = ud;
    mb_consumer *c = r->c;
    mb_list_offsets_resp resp;
    mb_arena a;
    size_t i;
    int32_t t, j;
    int *flag = broker_flag(c, r->broker, 0);
    if (flag)
        *flag = 0;
    if (err == 0) {
        mb_arena_init(&a, c->arena, MB_CONS_ARENA);
        err = mb_list_offsets_resp_read(body, version, &a, &resp);
    }
    for (i = 0; i < r->n; i++) {
        mb_cpart *p = r->parts[i];
        const mb_list_offsets_resp_partition *lp = NULL;
        int e = err;
        p->busy = 0;
        if (p->epoch != r->epochs[i] || c->closing)
            continue;
        for (t = 0; !e && t < resp.n_topics && !lp; t++) {
            if (!mb_str_eq(resp.topics[t].name, mb_str_c(p->topic)))
                continue;
            for (j = 0; j < resp.topics[t].n_partitions; j++)
                if (resp.topics[t].partitions[j].partition_index == p->partition)
                    lp = &resp.topics[t].partitions[j];
        }
        if (!e && !lp)
            e = MSGBUS_ERR_MALFORMED;
        if (!e && lp->error_code)
            e = lp->error_code;
        if (e) {
            part_failed(c, p, e);
        } else if (lp->offset < 0) {
            p->start = MSGBUS_OFFSET_END; /* no message at or after that time */
        } else {
            p->need_offset = 0;
            p->position = p->fetch_offset = lp->offset;
            MB_LOG(&c->log, MB_LOG_DEBUG, "%s [%d]: starts at offset %lld", p->topic,
                   (int)p->partition, (long long)lp->offset);
        }
    }
    r->next = c->free_reqs;
    c->free_reqs = r;
}

/* @p p does not exist: fail it, once, with an error poll reports. */
static void no_partition(mb_consumer *c, mb_cpart *p)
{
    p->failed = 1;
    p->err = MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    c->n_errs++;
    MB_LOG(&c->log, MB_LOG_ERROR, "%s [%d]: partition does not exist", p->topic, (int)p->partition);
    if (c->cfg.on_error)
        c->cfg.on_error(c->cfg.error_ud, p->err, p->topic);
}

/* Build and send the Fetch (or ListOffsets) requests that can go now; how many went. */
static int send_requests(mb_consumer *c, int fetch, uint32_t now, uint32_t *wait)
{
    mb_creq *open[MB_CLIENT_MAX_BROKERS];
    size_t n_open = 0, i, k;
    for (i = 0; i < c->n_parts; i++) {
        mb_cpart *p = c->parts[i];
        int32_t leader;
        int *flag;
        mb_creq *r = NULL;
        if (p->busy || p->paused || p->failed || !p->topic[0] ||
            (fetch ? p->need_offset : !p->need_offset))
            continue;
        if (msgbus_time_diff(p->retry_at, now) > 0) {
            uint32_t d = (uint32_t)msgbus_time_diff(p->retry_at, now);
            *wait = d < *wait ? d : *wait;
            continue;
        }
        if (fetch && ((c->buf_bytes + c->cfg.partition_max_bytes > c->cfg.queue_max_bytes &&
                       !c->free_chunks) ||
                      c->queued >= c->cfg.queue_max_msgs))
            continue; /* enough is buffered: fetch more once poll has used some */
        leader = mb_client_leader(c->cl, p->topic, p->partition);
        if (leader < 0) {
            if (part_missing(c, p))
                no_partition(c, p);
            continue;
        }
        for (k = 0; k < n_open; k++)
            if (open[k]->broker == leader && open[k]->n < MB_FREQ_MAX_PARTS)
                r = open[k];
        if (!r) {
            flag = broker_flag(c, leader, fetch);
            if (!flag || *flag || n_open == MB_CLIENT_MAX_BROKERS ||
                !(r = req_get(c, leader, fetch)))
                continue;
            *flag = 1;
            open[n_open++] = r;
        }
        r->epochs[r->n] = p->epoch;
        r->parts[r->n++] = p;
        p->busy = 1;
    }
    for (k = 0; k < n_open; k++) {
        mb_creq *r = open[k];
        r->net.api_key = fetch ? MB_API_FETCH : MB_API_LIST_OFFSETS;
        r->net.min_version = fetch ? MB_FETCH_MIN_VERSION : MB_LO_MIN_VERSION;
        r->net.max_version = fetch ? MB_FETCH_MAX_VERSION : MB_LO_MAX_VERSION;
        r->net.expect_response = 1;
        r->net.encode = fetch ? fetch_encode : lo_encode;
        r->net.done = fetch ? fetch_done : lo_done;
        r->net.ud = r;
        if (mb_client_send(c->cl, r->broker, &r->net) != 0)
            r->net.done(r, MSGBUS_ERR_STATE, 0, NULL);
    }
    return (int)n_open;
}

/* Queue whatever can go now (group requests, ListOffsets, Fetch); how many requests. */
static int plan(mb_consumer *c, uint32_t now, uint32_t *wait)
{
    int n = 0;
    reap(c);
#if MSGBUS_CFG_GROUPS
    if (c->grp)
        n += mb_group_step(c->grp, now, wait);
#endif
    n += send_requests(c, 0, now, wait);
    n += send_requests(c, 1, now, wait);
    return n;
}

/*
 * One event-loop step, waiting at most @p max_wait ms. What the answers of
 * this step make ready (coordinator found -> JoinGroup, ...) is queued and
 * written in the same step, not at the next timer. While records wait to be
 * returned, the next Fetch goes at the next step, as before (the chunk pool
 * keeps its size).
 */
static int step(mb_consumer *c, uint32_t max_wait)
{
    uint32_t wait = max_wait, zero = 0;
    int rc, rounds;
    plan(c, now_of(c), &wait);
    rc = mb_client_poll(c->cl, wait);
    for (rounds = 0; rc == 0 && rounds < 8 && !c->q_head && !c->cur; rounds++) {
        if (plan(c, now_of(c), &zero) == 0)
            break;
        rc = mb_client_poll(c->cl, 0);
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Records                                                                   */
/* ------------------------------------------------------------------------ */

static void chunk_done(mb_consumer *c, mb_chunk *k)
{
    c->queued -= k->remaining < c->queued ? k->remaining : c->queued;
    k->remaining = 0;
    if (k->pooled) {
        k->next = c->free_chunks;
        c->free_chunks = k;
    } else {
        chunk_free(c, k);
    }
}

/* 1 if the batch belongs to a transaction this chunk says was aborted. */
static int aborted(mb_chunk *k, const mb_batch *b)
{
    int i;
    for (i = 0; i < k->n_aborted; i++)
        if (k->aborted[i].producer_id == b->producer_id &&
            k->aborted[i].first_offset <= mb_batch_last_offset(b))
            return 1;
    return 0;
}

/* A control batch: an abort marker ends that producer's aborted range. */
static void control_batch(mb_chunk *k, const mb_batch *b)
{
    int i;
    for (i = 0; i < k->n_aborted; i++) {
        if (k->aborted[i].producer_id == b->producer_id) {
            k->aborted[i] = k->aborted[--k->n_aborted];
            return;
        }
    }
}

static void fill_error(msgbus_record *rec, const mb_cpart *p, int64_t offset)
{
    memset(rec, 0, sizeof *rec);
    rec->topic = p->topic;
    rec->partition = p->partition;
    rec->offset = offset;
}

/* Largest decompressed batch accepted: a bound on what a hostile payload can make us hold. */
#define MB_MAX_INFLATED (64u * 1024u * 1024u)

/*
 * A compressed batch: decompress its records into dbuf (grown as needed up
 * to MB_MAX_INFLATED, then kept) and point the batch at them.
 */
static int inflate_batch(mb_consumer *c, mb_batch *b)
{
    int codec = mb_batch_compression(b);
    size_t len = 0;
    int rc;
    if (codec == MB_COMPRESSION_NONE)
        return 0;
    for (;;) {
        if (!c->dbuf) {
            size_t want = c->cfg.partition_max_bytes * 4u;
            c->dbuf = c->al.alloc(c->al.ctx, want);
            if (!c->dbuf)
                return MSGBUS_ERR_NOMEM;
            c->dcap = want;
        }
        rc = mb_decompress(codec, b->records, b->records_len, c->dbuf, c->dcap, &len);
        if (rc != MSGBUS_ERR_LIMIT || c->dcap >= MB_MAX_INFLATED)
            break;
        c->al.free(c->al.ctx, c->dbuf, c->dcap);
        c->dbuf = NULL;
        c->dcap = c->dcap * 4u > MB_MAX_INFLATED ? MB_MAX_INFLATED : c->dcap * 4u;
        c->dbuf = c->al.alloc(c->al.ctx, c->dcap);
        if (!c->dbuf)
            return MSGBUS_ERR_NOMEM;
    }
    if (rc)
        return rc;
    b->records = c->dbuf;
    b->records_len = len;
    b->attributes = (int16_t)(b->attributes & ~MB_BATCH_ATTR_COMPRESSION);
    return 0;
}

/* Fetch @p p again from its position: what is queued or on its way is dropped. */
static void refetch(mb_cpart *p)
{
    p->epoch++;
    p->fetch_offset = p->position;
}

/* The first batch @p it yields, if it verifies and starts after @p position: its base; else -1. */
static int64_t verified_after(mb_batch_iter it, int64_t position)
{
    mb_batch b;
    if (it.err || mb_batch_next(&it, &b) != 0 || !offsets_sane(&b) || b.base_offset <= position)
        return -1;
    return b.base_offset;
}

/*
 * Base offset of the batch after the bad one in @p k: the rest of @p k, or
 * the next chunk fetched for the same partition; -1 if none verifies.
 */
static int64_t next_verified(const mb_consumer *c, const mb_chunk *k, int64_t position)
{
    const mb_chunk *q;
    int64_t next = verified_after(k->bi, position);
    for (q = c->q_head; next < 0 && q; q = q->next) {
        mb_batch_iter it;
        if (q->part != k->part || q->epoch != k->epoch)
            continue;
        mb_batch_iter_init(&it, q->buf, q->len);
        next = verified_after(it, position);
        break;
    }
    return next;
}

/*
 * A batch of @p k that could not be verified (CRC, framing, impossible
 * offsets). Nothing in its header is trusted: fetch again, a bounded number
 * of times (1: the chunk is dropped); then report @p rc at the position and
 * go on only from a following batch that verifies, else back off and retry.
 */
static int bad_batch(mb_consumer *c, mb_chunk *k, msgbus_record *rec, int rc)
{
    mb_cpart *p = k->part;
    int64_t next;
    if (p->crc_retries < MSGBUS_CFG_CONSUMER_CRC_RETRIES) {
        p->crc_retries++;
        MB_LOG(&c->log, MB_LOG_WARN, "%s [%d]: batch after offset %lld: %s, fetching again",
               p->topic, (int)p->partition, (long long)p->position, msgbus_strerror(rc));
        refetch(p);
        return 1;
    }
    p->crc_retries = 0;
    fill_error(rec, p, p->position);
    MB_LOG(&c->log, MB_LOG_ERROR, "%s [%d]: batch at offset %lld: %s", p->topic, (int)p->partition,
           (long long)p->position, msgbus_strerror(rc));
    next = next_verified(c, k, p->position);
    if (next >= 0) {
        p->position = next; /* the next verified batch's own offset: the bad one is skipped */
    } else {
        refetch(p);
        p->retry_at = now_of(c) + 10u * c->cfg.retry_backoff_ms;
    }
    return rc;
}

/* Start the next batch of @p k. 0: a batch to read; 1: chunk used up; <0: a bad batch. */
static int next_batch(mb_consumer *c, mb_chunk *k, msgbus_record *rec)
{
    mb_cpart *p = k->part;
    for (;;) {
        int rc = mb_batch_next(&k->bi, &k->batch);
        int64_t last;
        if (rc == MB_ITER_END || rc == MB_BATCH_INCOMPLETE)
            return 1;
        if (rc == 0 && !offsets_sane(&k->batch))
            rc = MSGBUS_ERR_MALFORMED;
        if (rc < 0)
            return bad_batch(c, k, rec, rc);
        last = mb_batch_last_offset(&k->batch);
        p->crc_retries = 0;
        if (last < p->position)
            continue; /* already returned */
        if (mb_batch_is_control(&k->batch)) {
            control_batch(k, &k->batch);
            p->position = last + 1;
            continue;
        }
        if (c->cfg.read_committed && mb_batch_is_transactional(&k->batch) &&
            aborted(k, &k->batch)) {
            uint32_t n = (uint32_t)(last - k->batch.base_offset + 1);
            n = n < k->remaining ? n : k->remaining;
            k->remaining -= n;
            c->queued -= n < c->queued ? n : c->queued;
            p->position = last + 1;
            continue;
        }
        rc = inflate_batch(c, &k->batch);
        if (rc == 0)
            rc = mb_record_iter_init(&k->ri, &k->batch);
        if (rc) {
            fill_error(rec, p, k->batch.base_offset);
            p->position = last + 1;
            return rc;
        }
        k->in_batch = 1;
        return 0;
    }
}

static void fill_record(msgbus_record *rec, const mb_cpart *p, const mb_record *r,
                        const mb_batch *b)
{
    rec->topic = p->topic;
    rec->partition = p->partition;
    rec->offset = r->offset;
    rec->timestamp_ms = r->timestamp;
    rec->log_append_time = mb_batch_timestamp_type(b);
    rec->key =
        r->key.len >= 0 ? (const void *)(r->key.ptr ? r->key.ptr : (const uint8_t *)"") : NULL;
    rec->key_len = r->key.len > 0 ? (size_t)r->key.len : 0;
    rec->value = r->value.len >= 0
                     ? (const void *)(r->value.ptr ? r->value.ptr : (const uint8_t *)"")
                     : NULL;
    rec->value_len = r->value.len > 0 ? (size_t)r->value.len : 0;
    rec->n_headers = (size_t)r->n_headers;
    rec->headers_raw = r->headers;
    rec->headers_len = r->headers_len;
}

/* A partition's pending error (it does not exist, ...), reported once: 0 if none. */
static int pending_error(mb_consumer *c, msgbus_record *rec)
{
    size_t i;
    for (i = 0; c->n_errs && i < c->n_parts; i++) {
        mb_cpart *p = c->parts[i];
        int e = p->err;
        if (!e || !p->topic[0])
            continue;
        p->err = 0;
        c->n_errs--;
        fill_error(rec, p, p->position);
        return e;
    }
    c->n_errs = 0;
    return 0;
}

/* The next record already fetched: 0, MSGBUS_ERR_NO_MESSAGE, or a batch error. */
static int next_record(mb_consumer *c, msgbus_record *rec)
{
    int e = c->n_errs ? pending_error(c, rec) : 0;
    if (e)
        return e;
    for (;;) {
        mb_chunk *k = c->cur;
        int rc;
        if (!k) {
            if (!c->q_head)
                return MSGBUS_ERR_NO_MESSAGE;
            k = c->cur = c->q_head;
            c->q_head = k->next;
            if (!c->q_head)
                c->q_tail = NULL;
            k->next = NULL;
        }
        if (k->epoch != k->part->epoch || !k->part->topic[0]) {
            c->cur = NULL;
            chunk_done(c, k);
            continue;
        }
        if (k->in_batch) {
            mb_record r;
            rc = mb_record_next(&k->ri, &r);
            if (rc == 0 &&
                (r.offset < k->batch.base_offset || r.offset > mb_batch_last_offset(&k->batch)))
                rc = MSGBUS_ERR_MALFORMED; /* a record outside its batch's offsets */
            if (rc == 0) {
                if (r.offset < k->part->position)
                    continue;
                k->part->position = r.offset + 1;
                if (k->remaining) {
                    k->remaining--;
                    c->queued--;
                }
                fill_record(rec, k->part, &r, &k->batch);
                return 0;
            }
            k->in_batch = 0;
            if (rc < 0) {
                fill_error(rec, k->part, k->batch.base_offset);
                if (mb_batch_last_offset(&k->batch) >= k->part->position)
                    k->part->position = mb_batch_last_offset(&k->batch) + 1;
                return rc;
            }
            if (mb_batch_last_offset(&k->batch) >= k->part->position)
                k->part->position = mb_batch_last_offset(&k->batch) + 1;
        }
        rc = next_batch(c, k, rec);
        if (rc == 1) {
            c->cur = NULL;
            chunk_done(c, k);
            continue;
        }
        if (rc < 0)
            return rc;
    }
}

int msgbus_consumer_poll(msgbus_consumer *c, msgbus_record *rec, uint32_t timeout_ms)
{
    uint32_t start;
    int stepped;
    if (!c || !rec)
        return MSGBUS_ERR_INVALID_ARG;
    start = now_of(c);
    for (stepped = 0;; stepped = 1) {
        uint32_t left;
        int rc = next_record(c, rec);
        if (rc != MSGBUS_ERR_NO_MESSAGE)
            return rc;
        left = mb_time_left(start, now_of(c), timeout_ms);
        if (left == 0 && stepped)
            return MSGBUS_ERR_NO_MESSAGE;
        rc = step(c, left); /* at least one pass, even with no time */
        if (rc)
            return rc;
    }
}

int msgbus_consumer_wait_positions(msgbus_consumer *c, uint32_t timeout_ms)
{
    uint32_t start;
    if (!c)
        return MSGBUS_ERR_INVALID_ARG;
    start = now_of(c);
    for (;;) {
        size_t i;
        uint32_t left;
        int pending = 0, rc;
        for (i = 0; i < c->n_parts; i++)
            pending |= c->parts[i]->topic[0] && c->parts[i]->need_offset && !c->parts[i]->failed;
        if (!pending)
            return 0;
        left = mb_time_left(start, now_of(c), timeout_ms);
        if (left == 0)
            return MSGBUS_ERR_TIMEOUT;
        if ((rc = step(c, left)) != 0) /* an answer ends the step's wait */
            return rc;
    }
}

uint32_t msgbus_consumer_ready(msgbus_consumer *c)
{
    if (!c)
        return 0;
    step(c, 0);
    return c->queued;
}

int msgbus_record_header_get(const msgbus_record *rec, size_t i, msgbus_record_header *h)
{
    mb_record r;
    mb_header_iter it;
    mb_record_header rh;
    size_t n = 0;
    if (!rec || !h || i >= rec->n_headers)
        return MSGBUS_ERR_INVALID_ARG;
    memset(&r, 0, sizeof r);
    r.n_headers = (int32_t)rec->n_headers;
    r.headers = rec->headers_raw;
    r.headers_len = rec->headers_len;
    mb_header_iter_init(&it, &r);
    while (mb_header_next(&it, &rh) == 0) {
        if (n++ == i) {
            h->key = rh.key.ptr;
            h->key_len = rh.key.len > 0 ? (size_t)rh.key.len : 0;
            h->value = rh.value.len >= 0
                           ? (const void *)(rh.value.ptr ? rh.value.ptr : (const uint8_t *)"")
                           : NULL;
            h->value_len = rh.value.len > 0 ? (size_t)rh.value.len : 0;
            return 0;
        }
    }
    return MSGBUS_ERR_MALFORMED;
}

#else  /* MSGBUS_CFG_CONSUMER 0: the calls answer MSGBUS_ERR_NOT_BUILT */

void msgbus_consumer_config_init(msgbus_consumer_config *cfg)
{
    if (cfg)
        memset(cfg, 0, sizeof *cfg);
}

int msgbus_consumer_create(msgbus_consumer **out, const msgbus_consumer_config *cfg)
{
    (void)cfg;
    if (out)
        *out = NULL;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_consumer_assign(msgbus_consumer *c, const char *topic, int32_t partition, int64_t offset)
{
    (void)c;
    (void)topic;
    (void)partition;
    (void)offset;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_consumer_assign_time(msgbus_consumer *c, const char *topic, int32_t partition,
                                int64_t timestamp_ms)
{
    return msgbus_consumer_assign(c, topic, partition, timestamp_ms);
}

int msgbus_consumer_partition_count(msgbus_consumer *c, const char *topic, int32_t *n,
                                    uint32_t timeout_ms)
{
    (void)c;
    (void)topic;
    (void)n;
    (void)timeout_ms;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_consumer_wait_positions(msgbus_consumer *c, uint32_t timeout_ms)
{
    (void)c;
    (void)timeout_ms;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_consumer_unassign(msgbus_consumer *c, const char *topic, int32_t partition)
{
    return msgbus_consumer_assign(c, topic, partition, 0);
}

int msgbus_consumer_seek(msgbus_consumer *c, const char *topic, int32_t partition, int64_t offset)
{
    return msgbus_consumer_assign(c, topic, partition, offset);
}

int msgbus_consumer_pause(msgbus_consumer *c, const char *topic, int32_t partition, int paused)
{
    return msgbus_consumer_assign(c, topic, partition, paused);
}

int msgbus_consumer_position(msgbus_consumer *c, const char *topic, int32_t partition,
                             int64_t *offset, int64_t *end)
{
    (void)offset;
    (void)end;
    return msgbus_consumer_assign(c, topic, partition, 0);
}

size_t msgbus_consumer_assignment(msgbus_consumer *c, msgbus_topic_partition *out, size_t cap)
{
    (void)c;
    (void)out;
    (void)cap;
    return 0;
}

int msgbus_consumer_poll(msgbus_consumer *c, msgbus_record *rec, uint32_t timeout_ms)
{
    (void)c;
    (void)rec;
    (void)timeout_ms;
    return MSGBUS_ERR_NOT_BUILT;
}

uint32_t msgbus_consumer_ready(msgbus_consumer *c)
{
    (void)c;
    return 0;
}

int msgbus_record_header_get(const msgbus_record *rec, size_t i, msgbus_record_header *h)
{
    (void)rec;
    (void)i;
    (void)h;
    return MSGBUS_ERR_NOT_BUILT;
}

void msgbus_consumer_close(msgbus_consumer *c)
{
    (void)c;
}
#endif /* MSGBUS_CFG_CONSUMER */

#if !MSGBUS_CFG_GROUPS /* the group calls answer MSGBUS_ERR_NOT_BUILT */

int msgbus_consumer_subscribe(msgbus_consumer *c, const char *const *topics, size_t n)
{
    (void)c;
    (void)topics;
    (void)n;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_consumer_commit(msgbus_consumer *c, uint32_t wait_ms)
{
    (void)c;
    (void)wait_ms;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_consumer_commit_offsets(msgbus_consumer *c, const msgbus_topic_partition *offsets,
                                   size_t n, uint32_t wait_ms)
{
    (void)c;
    (void)offsets;
    (void)n;
    (void)wait_ms;
    return MSGBUS_ERR_NOT_BUILT;
}

int msgbus_consumer_committed(msgbus_consumer *c, const char *topic, int32_t partition,
                              int64_t *offset, uint32_t timeout_ms)
{
    (void)c;
    (void)topic;
    (void)partition;
    (void)offset;
    (void)timeout_ms;
    return MSGBUS_ERR_NOT_BUILT;
}
#endif /* !MSGBUS_CFG_GROUPS */
