/*
 * cluster.c - the cluster metadata cache (see cluster.h).
 */
#include "cluster.h"

#include <string.h>

#include "msgbus/config_defaults.h"

/* Reasons are for the log: a build without logging leaves their text out. */
#if MSGBUS_CFG_LOG
#define MB_WHY(text) (text)
#else
#define MB_WHY(text) ("")
#endif

/* Bytes needed for everything in @p m, each part aligned to 8. */
static size_t align8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

static size_t block_size(const mb_metadata_resp *m)
{
    size_t n = align8((size_t)m->n_brokers * sizeof(mb_broker_info));
    int32_t t;
    n += align8((size_t)m->n_topics * sizeof(mb_topic_info));
    for (t = 0; t < m->n_topics; t++) {
        n += align8((size_t)m->topics[t].n_partitions * sizeof(mb_partition_info));
        n += align8((size_t)(m->topics[t].name.len > 0 ? m->topics[t].name.len : 0) + 1);
    }
    n += align8((size_t)(m->cluster_id.len > 0 ? m->cluster_id.len : 0) + 1);
    return n;
}

static char *copy_str(uint8_t **p, mb_str s)
{
    char *out = (char *)*p;
    size_t len = s.len > 0 ? (size_t)s.len : 0;
    if (len)
        memcpy(out, s.ptr, len);
    out[len] = '\0';
    *p += align8(len + 1);
    return out;
}

/* 1 if @p h can be a host name or address: 1-255 printable bytes, no space. */
static int host_ok(mb_str h)
{
    int32_t i;
    if (h.len <= 0 || (size_t)h.len >= sizeof(((mb_broker_info *)0)->host))
        return 0;
    for (i = 0; i < h.len; i++)
        if ((unsigned char)h.ptr[i] <= ' ' || (unsigned char)h.ptr[i] > '~')
            return 0;
    return 1;
}

/* Why broker @p i of @p m cannot be used, or NULL. */
static const char *broker_refused(const mb_metadata_resp *m, int32_t i)
{
    const mb_metadata_broker *b = &m->brokers[i];
    int32_t j;
    if (b->node_id < 0)
        return MB_WHY("a broker with a negative node id");
    if (!host_ok(b->host))
        return MB_WHY("a broker host that is not a host name or address");
    if (b->port < 1 || b->port > 65535)
        return MB_WHY("a broker port outside 1-65535");
    if (b->rack.len > 0 && (size_t)b->rack.len >= sizeof(((mb_broker_info *)0)->rack))
        return MB_WHY("a broker rack longer than 63 bytes");
    for (j = 0; j < i; j++)
        if (m->brokers[j].node_id == b->node_id)
            return MB_WHY("two brokers with one node id");
    return NULL;
}

static int fill_brokers(mb_cluster *cl, const mb_metadata_resp *m, const char **why)
{
    int32_t i;
    for (i = 0; i < m->n_brokers; i++) {
        const mb_metadata_broker *b = &m->brokers[i];
        mb_broker_info *o = &cl->brokers[i];
        int32_t rack = b->rack.len > 0 ? b->rack.len : 0;
        if ((*why = broker_refused(m, i)) != NULL)
            return MSGBUS_ERR_MALFORMED;
        o->node_id = b->node_id;
        memcpy(o->host, b->host.ptr, (size_t)b->host.len);
        o->host[b->host.len] = '\0';
        o->port = (uint16_t)b->port;
        if (rack)
            memcpy(o->rack, b->rack.ptr, (size_t)rack);
        o->rack[rack] = '\0';
    }
    return 0;
}

static void fill_topic(mb_topic_info *o, const mb_metadata_topic *t, uint8_t **p)
{
    int32_t i;
    o->error_code = t->error_code;
    o->is_internal = t->is_internal;
    o->n_partitions = t->n_partitions;
    o->partitions = (mb_partition_info *)*p;
    *p += align8((size_t)t->n_partitions * sizeof(mb_partition_info));
    for (i = 0; i < t->n_partitions; i++) {
        const mb_metadata_partition *s = &t->partitions[i];
        mb_partition_info *d = &o->partitions[i];
        d->partition = s->partition_index;
        d->error_code = s->error_code;
        d->leader = s->leader_id;
        d->leader_epoch = s->leader_epoch;
        d->n_replicas = s->n_replica_nodes;
        d->n_isr = s->n_isr_nodes;
    }
    o->name = copy_str(p, t->name);
}

int mb_cluster_update(mb_cluster *cl, const msgbus_allocator *al, const mb_metadata_resp *m,
                      uint32_t now, const char **why)
{
    mb_cluster nc;
    size_t size = block_size(m);
    uint8_t *p;
    int32_t t;
    *why = NULL;
    if (m->n_brokers <= 0) {
        *why = MB_WHY("no brokers");
        return MSGBUS_ERR_MALFORMED;
    }
    memset(&nc, 0, sizeof nc);
    nc.block = al->alloc(al->ctx, size);
    if (!nc.block)
        return MSGBUS_ERR_NOMEM;
    memset(nc.block, 0, size);
    nc.block_size = size;
    p = nc.block;
    nc.brokers = (mb_broker_info *)p;
    nc.n_brokers = m->n_brokers;
    p += align8((size_t)m->n_brokers * sizeof(mb_broker_info));
    nc.topics = (mb_topic_info *)p;
    nc.n_topics = m->n_topics;
    p += align8((size_t)m->n_topics * sizeof(mb_topic_info));
    if (fill_brokers(&nc, m, why)) {
        al->free(al->ctx, nc.block, size);
        return MSGBUS_ERR_MALFORMED;
    }
    for (t = 0; t < m->n_topics; t++)
        fill_topic(&nc.topics[t], &m->topics[t], &p);
    nc.cluster_id = m->cluster_id.len >= 0 ? copy_str(&p, m->cluster_id) : NULL;
    nc.controller_id = m->controller_id;
    nc.updated_ms = now;
    nc.valid = 1;
    mb_cluster_free(cl, al);
    *cl = nc;
    return 0;
}

void mb_cluster_free(mb_cluster *cl, const msgbus_allocator *al)
{
    if (cl->block)
        al->free(al->ctx, cl->block, cl->block_size);
    memset(cl, 0, sizeof *cl);
}

void mb_cluster_view_of(const mb_cluster *cl, mb_cluster_view *v)
{
    v->brokers = cl->brokers;
    v->n_brokers = cl->n_brokers;
    v->topics = cl->topics;
    v->n_topics = cl->n_topics;
    v->controller_id = cl->controller_id;
    v->cluster_id = cl->cluster_id;
    v->updated_ms = cl->updated_ms;
    v->valid = cl->valid;
}

const mb_topic_info *mb_cluster_topic(const mb_cluster *cl, const char *name)
{
    int32_t i;
    for (i = 0; i < cl->n_topics; i++)
        if (strcmp(cl->topics[i].name, name) == 0)
            return &cl->topics[i];
    return NULL;
}

int mb_cluster_has_broker(const mb_cluster *cl, int32_t node_id)
{
    int32_t i;
    for (i = 0; i < cl->n_brokers; i++)
        if (cl->brokers[i].node_id == node_id)
            return 1;
    return 0;
}

int mb_cluster_needs_refresh(const mb_cluster *cl)
{
    int32_t t, i;
    for (t = 0; t < cl->n_topics; t++) {
        const mb_topic_info *ti = &cl->topics[t];
        if (ti->error_code == MSGBUS_KERR_LEADER_NOT_AVAILABLE)
            return 1;
        for (i = 0; i < ti->n_partitions; i++)
            if (ti->partitions[i].leader < 0 || ti->partitions[i].error_code ||
                !mb_cluster_has_broker(cl, ti->partitions[i].leader))
                return 1;
    }
    return 0;
}
