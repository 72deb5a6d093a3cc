/*
 * accumulator.c - the producer's topic table, partition queues and batch
 * buffers. A record is encoded once, straight into the open batch of its
 * partition; batch buffers come from a pool sized by batch_size and bounded
 * by queue_max_bytes, so after warm-up appending allocates nothing. Every
 * function here runs with the producer lock held.
 */
#include <string.h>

#include "msgbus/config_defaults.h"

#include "bus/client_open.h"
#include "bus/partitioner.h"
#include "bus/producer_int.h"
#include "msgbus/kafka_errors.h"

#if MSGBUS_CFG_PRODUCER

/* ------------------------------------------------------------------------ */
/* Topics                                                                    */
/* ------------------------------------------------------------------------ */

mb_ptopic *mb_acc_topic(mb_producer *p, const char *name, size_t len, int *created)
{
    size_t i;
    mb_ptopic *t;
    void *arr;
    *created = 0;
    for (i = 0; i < p->n_topics; i++) {
        t = p->topics[i];
        if (strncmp(t->name, name, len) == 0 && t->name[len] == '\0')
            return t;
    }
    arr = p->topics;
    if (mb_array_reserve(&p->al, &arr, &p->cap_topics, p->n_topics, sizeof *p->topics, 8) != 0)
        return NULL;
    p->topics = arr;
    t = p->al.alloc(p->al.ctx, sizeof *t);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    memcpy(t->name, name, len);
    t->name[len] = '\0';
    t->sticky = -1;
    p->topics[p->n_topics++] = t;
    *created = 1;
    return t;
}

/* Grow @p t to @p n partitions (partition counts only ever grow). */
static int topic_grow(mb_producer *p, mb_ptopic *t, int32_t n)
{
    mb_ppart **np = p->al.alloc(p->al.ctx, (size_t)n * sizeof *np);
    int32_t i;
    if (!np)
        return MSGBUS_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        if (i < t->n_parts) {
            np[i] = t->parts[i];
            continue;
        }
        np[i] = p->al.alloc(p->al.ctx, sizeof *np[i]);
        if (!np[i]) {
            while (i-- > t->n_parts)
                p->al.free(p->al.ctx, np[i], sizeof *np[i]);
            p->al.free(p->al.ctx, np, (size_t)n * sizeof *np);
            return MSGBUS_ERR_NOMEM;
        }
        memset(np[i], 0, sizeof *np[i]);
        np[i]->topic = t;
        np[i]->id = i;
    }
    if (t->parts)
        p->al.free(p->al.ctx, t->parts, (size_t)t->n_parts * sizeof *np);
    t->parts = np;
    t->n_parts = n;
    return 0;
}

int mb_acc_apply_metadata(mb_producer *p, const mb_cluster_view *v)
{
    size_t i;
    int32_t j;
    int rc = 0;
    for (i = 0; i < p->n_topics; i++) {
        mb_ptopic *t = p->topics[i];
        for (j = 0; j < v->n_topics; j++) {
            const mb_topic_info *ti = &v->topics[j];
            if (strcmp(ti->name, t->name) != 0)
                continue;
            t->error = ti->error_code;
            if (ti->error_code == 0 && ti->n_partitions > t->n_parts && rc == 0)
                rc = topic_grow(p, t, ti->n_partitions);
            break;
        }
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Batches                                                                   */
/* ------------------------------------------------------------------------ */

void *mb_acc_opaque(const mb_pbatch *b, int32_t i)
{
    void *o;
    memcpy(&o, b->buf + b->cap - (size_t)(i + 1) * MB_REC_SLOT, sizeof o);
    return o;
}

void mb_acc_set_opaque(mb_pbatch *b, int32_t i, void *opaque)
{
    memcpy(b->buf + b->cap - (size_t)(i + 1) * MB_REC_SLOT, &opaque, sizeof opaque);
}

/* A batch with room for at least @p need bytes, or NULL (QUEUE_FULL/NOMEM in *err). */
static mb_pbatch *batch_new(mb_producer *p, mb_ppart *part, size_t need, int64_t ts, int *err)
{
    mb_pbatch *b;
    mb_batch_params bp;
    int pooled = need <= p->cfg.batch_size;
    size_t cap = pooled ? p->cfg.batch_size : need;
    if (pooled && p->free_batches) {
        b = p->free_batches;
        p->free_batches = b->next;
    } else {
        if (p->buf_bytes + cap > p->cfg.queue_max_bytes && p->queued > 0) {
            *err = MSGBUS_ERR_QUEUE_FULL;
            return NULL;
        }
        b = p->al.alloc(p->al.ctx, sizeof *b + cap);
        if (!b) {
            *err = MSGBUS_ERR_NOMEM;
            return NULL;
        }
        p->buf_bytes += cap;
    }
    memset(b, 0, sizeof *b);
    b->buf = (uint8_t *)(b + 1);
    b->cap = cap;
    b->pooled = pooled;
    b->part = part;
    b->created_ms = mb_prod_now(p);
    b->serial = ++p->serial;
    b->base_seq = -1;
    memset(&bp, 0, sizeof bp);
    bp.base_timestamp = ts;
    bp.producer_id = -1;
    bp.producer_epoch = -1;
    bp.base_sequence = -1;
    bp.partition_leader_epoch = -1;
    mb_batch_builder_init(&b->b, b->buf, cap, &bp);
    if (part->tail)
        part->tail->next = b;
    else
        part->head = b;
    part->tail = b;
    mb_prod_wake_locked(p); /* the loop must time this batch's linger */
    return b;
}

void mb_acc_recycle(mb_producer *p, mb_pbatch *b)
{
    if (b->pooled) {
        b->next = p->free_batches;
        p->free_batches = b;
    } else {
        p->buf_bytes -= b->cap;
        p->al.free(p->al.ctx, b, sizeof *b + b->cap);
    }
}

mb_pbatch *mb_acc_pop(mb_ppart *part)
{
    mb_pbatch *b = part->head;
    part->head = b->next;
    if (!part->head)
        part->tail = NULL;
    b->next = NULL;
    return b;
}

void mb_acc_requeue(mb_producer *p, mb_pbatch *b)
{
    mb_ppart *part = b->part;
    mb_pbatch **pp = &part->head, *prev = NULL;
    (void)p;
    while (*pp && (*pp)->serial < b->serial) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    b->next = *pp;
    *pp = b;
    if (!b->next)
        part->tail = b;
    (void)prev;
}

/* One record as the batch builder takes it, with its message's opaque. */
typedef struct mb_rec {
    int64_t ts;
    mb_bytes key, val;
    const mb_record_header *h;
    size_t nh;
    void *opaque;
} mb_rec;

/* Append @p r to @p b, keeping one opaque slot free per record. */
static int batch_append(mb_pbatch *b, const mb_rec *r)
{
    size_t slots = (size_t)(b->b.count + 1) * MB_REC_SLOT;
    int rc;
    if (b->cap < slots + MB_BATCH_HEADER_SIZE)
        return MSGBUS_ERR_NO_ROOM;
    b->b.cap = b->cap - slots;
    if (b->b.len > b->b.cap)
        return MSGBUS_ERR_NO_ROOM;
    rc = mb_batch_append(&b->b, r->ts, r->key, r->val, r->h, r->nh);
    if (rc == 0)
        memcpy(b->buf + b->cap - slots, &r->opaque, sizeof r->opaque);
    return rc;
}

/*
 * Append @p r to the open batch of @p part (its batch in *@p bout, NULL if
 * none is open). A batch without room is closed: MSGBUS_ERR_NO_ROOM then
 * says a new batch is needed.
 */
static int append_open(mb_producer *p, mb_ppart *part, const mb_rec *r, mb_pbatch **bout)
{
    mb_pbatch *b = part->tail && !part->tail->closed ? part->tail : NULL;
    int rc;
    *bout = b;
    if (!b)
        return MSGBUS_ERR_NO_ROOM;
    rc = batch_append(b, r);
    if (rc == MSGBUS_ERR_NO_ROOM || rc == MSGBUS_ERR_LIMIT) {
        b->closed = 1;
        mb_prod_wake_locked(p);
        rc = MSGBUS_ERR_NO_ROOM;
    }
    return rc;
}

/* The partition a message goes to. */
static int32_t pick_partition(mb_producer *p, mb_ptopic *t, const msgbus_message *m)
{
    mb_ppart *sp;
    if (m->partition != MSGBUS_PARTITION_ANY)
        return m->partition;
    if (m->key)
        return mb_partition_for_key(m->key, m->key_len, t->n_parts);
    /* Sticky: keep filling one partition's open batch; move on once it closes. */
    sp = t->sticky >= 0 && t->sticky < t->n_parts ? t->parts[t->sticky] : NULL;
    if (sp && sp->tail && sp->tail == t->sticky_batch && !sp->tail->closed)
        return t->sticky;
    if (sp && !t->sticky_batch)
        return t->sticky; /* chosen, no batch yet */
    p->rng ^= p->rng << 13;
    p->rng ^= p->rng >> 17;
    p->rng ^= p->rng << 5;
    if (t->n_parts == 1 || t->sticky < 0 || t->sticky >= t->n_parts) {
        t->sticky = (int32_t)(p->rng % (uint32_t)t->n_parts);
    } else {
        int32_t r = (int32_t)(p->rng % (uint32_t)(t->n_parts - 1));
        t->sticky = r >= t->sticky ? r + 1 : r;
    }
    t->sticky_batch = NULL;
    return t->sticky;
}

/* Headers converted on the stack by mb_acc_append(); more take a heap array. */
#define MB_LOCAL_HEADERS 8

/* Headers as the codec wants them. */
static int conv_headers(const msgbus_message *m, mb_record_header *h, size_t *bytes)
{
    size_t i;
    *bytes = 0;
    if (m->n_headers && !m->headers)
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < m->n_headers; i++) {
        const msgbus_header *s = &m->headers[i];
        if (!s->key || (!s->value && s->value_len))
            return MSGBUS_ERR_INVALID_ARG;
        h[i].key.ptr = s->key;
        h[i].key.len = (int32_t)strlen(s->key);
        h[i].value.ptr = s->value;
        h[i].value.len = s->value ? (int32_t)s->value_len : -1;
        *bytes += (size_t)h[i].key.len + s->value_len;
    }
    return 0;
}

/* Append @p m whose headers are already converted into @p h. */
static int append_conv(mb_producer *p, mb_ptopic *t, const msgbus_message *m, int64_t ts,
                       const mb_record_header *h, size_t hbytes, mb_pbatch **bout, int32_t *index)
{
    size_t bound;
    mb_ppart *part;
    mb_pbatch *b;
    mb_rec r;
    int32_t pi;
    int rc, sticky = m->partition == MSGBUS_PARTITION_ANY && !m->key;
    if (m->key_len > INT32_MAX || m->value_len > INT32_MAX)
        return MSGBUS_ERR_MSG_TOO_LARGE;
    if ((!m->key && m->key_len) || (!m->value && m->value_len))
        return MSGBUS_ERR_INVALID_ARG;
    bound = mb_batch_record_size_bound(m->key_len, m->value_len, m->n_headers, hbytes);
    if (bound == 0 || bound > p->cfg.max_message_size)
        return MSGBUS_ERR_MSG_TOO_LARGE;
    pi = pick_partition(p, t, m);
    if (pi < 0 || pi >= t->n_parts)
        return MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    if (p->queued >= p->cfg.queue_max_msgs)
        return MSGBUS_ERR_QUEUE_FULL;
    r.ts = ts;
    r.key.ptr = m->key;
    r.key.len = m->key ? (int32_t)m->key_len : -1;
    r.val.ptr = m->value;
    r.val.len = m->value ? (int32_t)m->value_len : -1;
    r.h = h;
    r.nh = m->n_headers;
    r.opaque = m->opaque;
    part = t->parts[pi];
    rc = append_open(p, part, &r, &b);
    if (rc == MSGBUS_ERR_NO_ROOM && b && sticky) {
        /* The sticky partition's batch is full: move on to another partition. */
        t->sticky_batch = b;
        part = t->parts[pick_partition(p, t, m)];
        rc = append_open(p, part, &r, &b);
    }
    if (rc == MSGBUS_ERR_NO_ROOM) {
        b = batch_new(p, part, MB_BATCH_HEADER_SIZE + bound + MB_REC_SLOT, ts, &rc);
        if (!b)
            return rc;
        rc = batch_append(b, &r);
    }
    if (rc)
        return rc;
    if (sticky)
        t->sticky_batch = b;
    /* Full for any further record: close it now so the sender need not wait for linger. */
    if (b->cap - b->b.len < MB_RECORD_MIN_SIZE + 16 + (size_t)(b->b.count + 1) * MB_REC_SLOT) {
        b->closed = 1;
        mb_prod_wake_locked(p);
    }
    p->queued++;
    p->st.msgs_sent++;
    *bout = b;
    *index = b->b.count - 1;
    return 0;
}

int mb_acc_append(mb_producer *p, mb_ptopic *t, const msgbus_message *m, int64_t ts,
                  mb_pbatch **bout, int32_t *index)
{
    /* A few headers convert on the stack; more (rare) in a temporary heap array. */
    mb_record_header local[MB_LOCAL_HEADERS], *h = local;
    size_t hbytes = 0, sz = m->n_headers * sizeof *h;
    int rc;
    if (m->n_headers > MSGBUS_CFG_MAX_RECORD_HEADERS)
        return MSGBUS_ERR_LIMIT;
    if (m->n_headers > MB_LOCAL_HEADERS && !(h = p->al.alloc(p->al.ctx, sz)))
        return MSGBUS_ERR_NOMEM;
    rc = conv_headers(m, h, &hbytes);
    if (rc == 0)
        rc = append_conv(p, t, m, ts, h, hbytes, bout, index);
    if (h != local)
        p->al.free(p->al.ctx, h, sz);
    return rc;
}

void mb_acc_free_all(mb_producer *p)
{
    size_t i;
    while (p->free_batches) {
        mb_pbatch *b = p->free_batches;
        p->free_batches = b->next;
        p->buf_bytes -= b->cap;
        p->al.free(p->al.ctx, b, sizeof *b + b->cap);
    }
    for (i = 0; i < p->n_topics; i++) {
        mb_ptopic *t = p->topics[i];
        int32_t j;
        for (j = 0; j < t->n_parts; j++) {
            while (t->parts[j]->head) {
                mb_pbatch *b = mb_acc_pop(t->parts[j]);
                p->buf_bytes -= b->cap;
                p->al.free(p->al.ctx, b, sizeof *b + b->cap);
            }
            p->al.free(p->al.ctx, t->parts[j], sizeof *t->parts[j]);
        }
        if (t->parts)
            p->al.free(p->al.ctx, t->parts, (size_t)t->n_parts * sizeof *t->parts);
        p->al.free(p->al.ctx, t, sizeof *t);
    }
    if (p->topics)
        p->al.free(p->al.ctx, p->topics, p->cap_topics * sizeof *p->topics);
    p->topics = NULL;
    p->n_topics = p->cap_topics = 0;
}

#else  /* MSGBUS_CFG_PRODUCER 0: the calls answer MSGBUS_ERR_NOT_BUILT */
typedef int mb_accumulator_left_out;
#endif /* MSGBUS_CFG_PRODUCER */
