/*
 * sender.c - the producer's event-loop side: takes ready batches out of the
 * partition queues, groups them by leader into Produce requests, and turns
 * each partition's answer into a delivery report or a retry.
 *
 * Window: each loop step sends every ready batch (closed, lingered, flushed;
 * not in retry backoff) that the windows allow: max_in_flight requests per
 * broker and batches per partition (capped at 5 with idempotence, the window
 * a broker deduplicates over). A Produce request carries one batch per
 * partition, so a partition's queued batches go out as several pipelined
 * requests, oldest first. Each collect also says how long until the next
 * timer (linger, backoff, delivery timeout) needs the loop.
 *
 * Ordering: a batch that
 * fails with a retriable error goes back into its queue in creation order,
 * keeps its sequence numbers, and its partition then sends one batch at a time
 * until it has landed, so a retry never overtakes an older batch. An answer
 * that cannot be read counts as retriable, as a lost connection does.
 *
 * Calls go down to net/client.h (requests, leaders) and up to producer.c
 * (reports) and accumulator.c (requeue) through producer_int.h.
 *
 * Idempotence: InitProducerId gives a producer id and epoch; each batch gets
 * its partition's next sequence when it is first sent. A failure that leaves
 * a gap in the sequence starts a new producer id generation: sequences then
 * restart at 0.
 */
#include <string.h>

#include "msgbus/config_defaults.h"

#include "bus/client_open.h"
#include "bus/producer_int.h"
#include "msgbus/kafka_errors.h"
#include "proto/crc32c.h"
#include "proto/init_producer_id.h"

#if MSGBUS_CFG_PRODUCER

#define MB_PRODUCE_MIN_VERSION 3 /* the first with RecordBatch v2 */
#define MB_PRODUCE_MAX_VERSION 9
#define MB_INIT_PID_MAX_VERSION 2

/* ------------------------------------------------------------------------ */
/* Brokers' in-flight counts                                                 */
/* ------------------------------------------------------------------------ */

static uint32_t *broker_inflight(mb_producer *p, int32_t id)
{
    size_t i;
    for (i = 0; i < p->n_brokers; i++)
        if (p->brokers[i].id == id)
            return &p->brokers[i].inflight;
    if (p->n_brokers == MB_CLIENT_MAX_BROKERS)
        return NULL;
    /* A new leader: stock the request pool for it now, not message by message later. */
    for (i = 0; i < p->cfg.max_in_flight && i < 16; i++) {
        mb_preq *r = p->al.alloc(p->al.ctx, sizeof *r);
        if (!r)
            break;
        r->next = p->free_reqs;
        p->free_reqs = r;
    }
    p->brokers[p->n_brokers].id = id;
    p->brokers[p->n_brokers].inflight = 0;
    return &p->brokers[p->n_brokers++].inflight;
}

/* ------------------------------------------------------------------------ */
/* Preparing a batch for the wire                                            */
/* ------------------------------------------------------------------------ */

static void put_be(uint8_t *d, uint64_t v, int n)
{
    int i;
    for (i = n - 1; i >= 0; i--) {
        d[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

/* Give @p b its producer id, epoch and sequence, and finish it (CRC). */
static void batch_seal(mb_producer *p, mb_pbatch *b)
{
    mb_ppart *part = b->part;
    int idem = p->pid_state == MB_PID_READY;
    int renumber = idem && (b->base_seq < 0 || b->pid_gen != p->pid_gen);
    if (renumber) {
        if (part->pid_gen != p->pid_gen) {
            part->pid_gen = p->pid_gen;
            part->next_seq = 0;
        }
        b->base_seq = part->next_seq;
        b->pid_gen = p->pid_gen;
        part->next_seq = (int32_t)(((uint32_t)part->next_seq + (uint32_t)b->b.count) & 0x7fffffffu);
        put_be(b->buf + 43, (uint64_t)p->pid, 8);
        put_be(b->buf + 51, (uint64_t)(uint16_t)p->epoch, 2);
        put_be(b->buf + 53, (uint64_t)(uint32_t)b->base_seq, 4);
    }
    if (!b->data) {
        mb_batch_finish(&b->b, &b->data, &b->len);
    } else if (renumber) {
        put_be(b->buf + 17, mb_crc32c(0, b->buf + 21, b->len - 21), 4);
    }
}

/* ------------------------------------------------------------------------ */
/* Collecting ready batches                                                  */
/* ------------------------------------------------------------------------ */

static mb_preq *req_get(mb_producer *p)
{
    mb_preq *r = p->free_reqs;
    if (r) {
        p->free_reqs = r->next;
    } else {
        r = p->al.alloc(p->al.ctx, sizeof *r);
        if (!r)
            return NULL;
    }
    r->n = 0;
    r->next = NULL;
    r->p = p;
    return r;
}

static void req_put(mb_producer *p, mb_preq *r)
{
    r->next = p->free_reqs;
    p->free_reqs = r;
}

/*
 * What a partition's entry can add to a Produce request's encoded size,
 * batches aside (they are sent from their buffers, not copied): its topic's
 * name and array headers, the partition index, lengths and tagged fields.
 */
#define MB_PREQ_PART_BYTES 32u
/* The request header, client id, transactional id, acks and timeout. */
#define MB_PREQ_BASE_BYTES 176u

static size_t part_cost(const mb_ptopic *t)
{
    return MB_PREQ_PART_BYTES + strlen(t->name);
}

/* 1 if @p r already carries a batch of @p part (a request has one per partition). */
static int req_has(const mb_preq *r, const mb_ppart *part)
{
    size_t i;
    for (i = 0; i < r->n; i++)
        if (r->batches[i]->part == part)
            return 1;
    return 0;
}

/*
 * The request being built for @p broker with room for one more batch of
 * @p part (in count, in the connection's encode buffer, and not already
 * carrying one of @p part), or a new one if the broker's window allows.
 */
static mb_preq *req_for(mb_producer *p, mb_preq **reqs, int32_t broker, const mb_ppart *part)
{
    mb_preq *r, **tail = reqs;
    uint32_t *inflight;
    size_t cost = part_cost(part->topic);
    for (r = *reqs; r; tail = &r->next, r = r->next)
        if (r->broker == broker && r->n < MB_PREQ_MAX_PARTS &&
            r->enc_bytes + cost <= p->cfg.net_send_buf_size && !req_has(r, part))
            return r;
    inflight = broker_inflight(p, broker);
    if (!inflight || *inflight >= p->cfg.max_in_flight)
        return NULL;
    r = req_get(p);
    if (!r)
        return NULL;
    r->broker = broker;
    r->enc_bytes = MB_PREQ_BASE_BYTES + strlen(p->client_id);
    (*inflight)++;
    p->st.requests++;
    *tail = r; /* in the order taken: a partition's batches go out oldest first */
    return r;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Fail (into @p expired) the queued batches of @p part older than the delivery timeout. */
static void expire(mb_producer *p, mb_ppart *part, uint32_t now, mb_pbatch **expired)
{
    while (part->head && MB_AGE(now, part->head->created_ms) >= p->cfg.delivery_timeout_ms) {
        mb_pbatch *b = mb_acc_pop(part);
        b->closed = 1;
        b->next = *expired;
        *expired = b;
    }
}

/* 1 if the head batch of @p part may go now; else its nearest deadline in *@p wait. */
static int head_ready(mb_producer *p, const mb_pbatch *b, uint32_t now, uint32_t *wait)
{
    int closed = b->closed || b->next || p->flushing || p->closing || b->sync;
    uint32_t w;
    *wait = mb_prod_left(b->created_ms, p->cfg.delivery_timeout_ms, now);
    w = closed ? 0 : mb_prod_left(b->created_ms, p->cfg.linger_ms, now);
    if (w == 0 && b->backoff)
        w = mb_prod_left(b->retry_from, p->cfg.retry_backoff_ms, now);
    *wait = min_u32(*wait, w ? w : MB_PROD_MAX_SLEEP_MS);
    return w == 0;
}

/* Move the head batch of @p part into request @p r, bound for @p leader. */
static void take_head(mb_producer *p, mb_ppart *part, mb_preq *r, int32_t leader)
{
    mb_pbatch *b = mb_acc_pop(part);
    r->enc_bytes += part_cost(part->topic);
    b->closed = 1;
    b->backoff = 0;
    batch_seal(p, b);
    part->n_inflight++;
    part->inflight_broker = leader;
    if (b->attempts++)
        p->st.retries++;
    r->batches[r->n++] = b;
    p->st.batches_sent++;
}

/*
 * Send the ready batches of @p part, oldest first, as far as the windows
 * allow (the partition's, the broker's); each goes in a request of its own
 * (a Produce request carries one batch per partition), so several requests
 * to one partition are pipelined. Returns the ms until the partition needs
 * the loop again by a timer (MB_PROD_MAX_SLEEP_MS: only an event will do).
 */
static uint32_t take(mb_producer *p, mb_ppart *part, uint32_t now, mb_preq **reqs)
{
    uint32_t limit = part->recovering ? 1 : p->cfg.max_in_flight, wait = MB_PROD_MAX_SLEEP_MS;
    while (part->head && head_ready(p, part->head, now, &wait)) {
        int32_t leader;
        mb_preq *r;
        if (part->n_inflight >= limit)
            break; /* a response frees the window */
        if (p->pid_state != MB_PID_READY && p->pid_state != MB_PID_OFF)
            break; /* the producer id's answer */
        leader = mb_client_leader(p->cl, part->topic->name, part->id);
        if (leader < 0)
            break; /* metadata */
        /* A new leader gets nothing until the old one has answered for every batch. */
        if (part->n_inflight > 0 && part->inflight_broker != leader)
            break;
        r = req_for(p, reqs, leader, part);
        if (!r)
            break; /* the broker's window, or no memory for a request */
        take_head(p, part, r, leader);
    }
    return wait;
}

uint32_t mb_snd_collect(mb_producer *p, uint32_t now, mb_pbatch **expired, mb_preq **reqs)
{
    uint32_t next = MB_PROD_MAX_SLEEP_MS;
    size_t i;
    int32_t j;
    *expired = NULL;
    *reqs = NULL;
    for (i = 0; i < p->n_topics; i++) {
        mb_ptopic *t = p->topics[i];
        for (j = 0; j < t->n_parts; j++) {
            mb_ppart *part = t->parts[j];
            expire(p, part, now, expired);
            if (part->head)
                next = min_u32(next, take(p, part, now, reqs));
        }
    }
    return next;
}

/* ------------------------------------------------------------------------ */
/* Requests and responses                                                    */
/* ------------------------------------------------------------------------ */

static int produce_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_preq *r = ud;
    mb_produce_req req;
    size_t i, k, n_td = 0, n_pd = 0;
    uint8_t used[MB_PREQ_MAX_PARTS];
    memset(used, 0, sizeof used);
    for (i = 0; i < r->n; i++) {
        mb_ptopic *t;
        if (used[i])
            continue;
        t = r->batches[i]->part->topic;
        r->td[n_td].name = mb_str_c(t->name);
        r->td[n_td].partition_data = &r->pd[n_pd];
        r->td[n_td].n_partition_data = 0;
        for (k = i; k < r->n; k++) {
            mb_pbatch *b = r->batches[k];
            if (used[k] || b->part->topic != t)
                continue;
            used[k] = 1;
            r->pd[n_pd].index = b->part->id;
            r->pd[n_pd].records.ptr = b->data;
            r->pd[n_pd].records.len = (int32_t)b->len;
            n_pd++;
            r->td[n_td].n_partition_data++;
        }
        n_td++;
    }
    req.transactional_id = MB_STR_NULL;
    req.acks = (int16_t)r->p->cfg.acks;
    req.timeout_ms = (int32_t)r->p->cfg.request_timeout_ms;
    req.topic_data = r->td;
    req.n_topic_data = (int32_t)n_td;
    return mb_produce_req_write(w, version, &req);
}

/* Errors after which the leader may have moved: refresh metadata before the retry. */
static int leader_error(int e)
{
    return e == MSGBUS_KERR_NOT_LEADER_OR_FOLLOWER || e == MSGBUS_KERR_LEADER_NOT_AVAILABLE ||
           e == MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION || e == MSGBUS_ERR_TRANSPORT ||
           e == MSGBUS_ERR_TIMEOUT || e == MSGBUS_KERR_NOT_ENOUGH_REPLICAS;
}

/* Sequence errors that follow a retried (or lost) earlier batch of the same partition. */
static int sequence_error(int e)
{
    return e == MSGBUS_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER || e == MSGBUS_KERR_UNKNOWN_PRODUCER_ID ||
           e == MSGBUS_KERR_INVALID_PRODUCER_EPOCH;
}

/*
 * Errors worth another attempt: Kafka's retriable ones, and an answer that
 * could not be read (a malformed or truncated Produce response, or one that
 * leaves the partition out): the batch may or may not have been written,
 * and the retry keeps its sequence, so with idempotence the broker tells a
 * duplicate apart. The connection layer closes a connection whose frame it
 * cannot read and fails its requests with MSGBUS_ERR_TRANSPORT (retriable).
 */
static int retriable(int e)
{
    return msgbus_err_retriable(e) || e == MSGBUS_ERR_MALFORMED;
}

/* Put @p b back in its queue for another attempt after the backoff. */
static void batch_retry(mb_producer *p, mb_pbatch *b, int e, uint32_t now)
{
    mb_ppart *part = b->part;
    MB_LOG(&p->log, MB_LOG_DEBUG, "%s [%d]: retrying a batch of %d after %s", part->topic->name,
           (int)part->id, (int)b->b.count, msgbus_err_name(e));
    b->retry_from = now;
    b->backoff = 1;
    part->recovering = 1;
    msgbus_port_mutex_lock(&p->lock);
    mb_acc_requeue(p, b);
    msgbus_port_mutex_unlock(&p->lock);
    if (leader_error(e))
        mb_client_refresh_metadata(p->cl, 0);
}

/* What to do with one batch's result. */
static void batch_result(mb_producer *p, mb_pbatch *b, int e, int64_t base, uint32_t now)
{
    mb_ppart *part = b->part;
    int stale = b->pid_gen != p->pid_gen; /* numbered under an older producer id */
    part->n_inflight--;
    if (e == 0 || e == MSGBUS_KERR_DUPLICATE_SEQUENCE_NUMBER) {
        if (part->n_inflight == 0)
            part->recovering = 0;
        mb_prod_report(p, b, 0, e == 0 ? base : -1);
        return;
    }
    if (!p->closing && MB_AGE(now, b->created_ms) < p->cfg.delivery_timeout_ms &&
        (retriable(e) ||
         (sequence_error(e) && (part->recovering || stale || part->n_inflight > 0)))) {
        batch_retry(p, b, e, now);
        return;
    }
    if (!p->closing && retriable(e))
        e = MSGBUS_ERR_TIMEOUT; /* retriable, but the delivery timeout has passed */
    MB_LOG(&p->log, MB_LOG_WARN, "%s [%d]: %d messages failed: %s", part->topic->name,
           (int)part->id, (int)b->b.count, msgbus_strerror(e));
    if (p->pid_state == MB_PID_READY && b->base_seq >= 0 && !stale) {
        /* The partition's sequence now has a gap: start over with a new producer id. */
        p->pid_state = MB_PID_NONE;
        p->pid_retry_wait = 0;
    }
    if (part->n_inflight == 0)
        part->recovering = 0;
    mb_prod_report(p, b, e, -1);
}

/* Error and base offset of partition @p id of topic @p name in @p resp. */
static int find_result(const mb_produce_resp *resp, const char *name, int32_t id, int64_t *base)
{
    int32_t i, j;
    mb_str n = mb_str_c(name);
    for (i = 0; i < resp->n_responses; i++) {
        const mb_produce_topic_resp *t = &resp->responses[i];
        if (!mb_str_eq(t->name, n))
            continue;
        for (j = 0; j < t->n_partition_responses; j++) {
            if (t->partition_responses[j].index == id) {
                *base = t->partition_responses[j].base_offset;
                return t->partition_responses[j].error_code;
            }
        }
    }
    return MSGBUS_ERR_MALFORMED;
}

static void produce_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_preq *r = ud;
    mb_producer *p = r->p;
    mb_produce_resp resp;
    mb_arena a;
    uint32_t now = mb_prod_now(p), *inflight = broker_inflight(p, r->broker);
    size_t i;
    if (inflight && *inflight)
        (*inflight)--;
    p->events++;
    memset(&resp, 0, sizeof resp);
    if (err == 0 && body) {
        mb_arena_init(&a, p->arena, sizeof p->arena);
        err = mb_produce_resp_read(body, version, &a, &resp);
        if (err) { /* whatever the decoder's reason: an unreadable answer, retried */
            MB_LOG(&p->log, MB_LOG_WARN, "broker %d: bad Produce response: %s", (int)r->broker,
                   msgbus_strerror(err));
            err = MSGBUS_ERR_MALFORMED;
        }
    }
    for (i = 0; i < r->n; i++) {
        mb_pbatch *b = r->batches[i];
        int64_t base = -1;
        int e = err;
        if (e == 0 && body)
            e = find_result(&resp, b->part->topic->name, b->part->id, &base);
        batch_result(p, b, e, base, now);
    }
    req_put(p, r);
}

void mb_snd_dispatch(mb_producer *p, mb_preq *reqs)
{
    while (reqs) {
        mb_preq *r = reqs;
        int rc;
        reqs = r->next;
        mb_req_prepare(&r->net, MB_API_PRODUCE, MB_PRODUCE_MIN_VERSION, MB_PRODUCE_MAX_VERSION,
                       produce_encode, produce_done, r);
        r->net.expect_response = p->cfg.acks != 0;
        r->net.timeout_ms = p->cfg.request_timeout_ms + 1000;
        rc = mb_client_send(p->cl, r->broker, &r->net);
        if (rc)
            produce_done(r, rc, 0, NULL);
    }
}

/* ------------------------------------------------------------------------ */
/* Producer id                                                               */
/* ------------------------------------------------------------------------ */

static int pid_encode(void *ud, mb_wr *w, int16_t version)
{
    mb_init_producer_id_req req;
    (void)ud;
    req.transactional_id = MB_STR_NULL;
    req.transaction_timeout_ms = -1;
    return mb_init_producer_id_req_write(w, version, &req);
}

static void pid_fail(mb_producer *p, int err)
{
    uint32_t wait = p->cfg.retry_backoff_ms;
    if (p->idempotent < 0 && (err == MSGBUS_ERR_UNSUPPORTED_VERSION ||
                              err == MSGBUS_KERR_CLUSTER_AUTHORIZATION_FAILED)) {
        MB_LOG(&p->log, MB_LOG_WARN, "idempotence off: InitProducerId: %s", msgbus_strerror(err));
        p->pid_state = MB_PID_OFF;
        return;
    }
    if (!msgbus_err_retriable(err) && err != MSGBUS_ERR_STATE) {
        MB_LOG(&p->log, MB_LOG_ERROR, "InitProducerId failed: %s", msgbus_strerror(err));
        wait = wait < 0x0cccccccu ? wait * 10u : 0x7fffffffu; /* a fatal answer: ask less often */
        if (p->cfg.on_error)
            p->cfg.on_error(p->cfg.error_ud, err, "InitProducerId failed");
    }
    p->pid_state = MB_PID_NONE;
    p->pid_retry_from = mb_prod_now(p);
    p->pid_retry_wait = wait;
}

static void pid_done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_producer *p = ud;
    mb_init_producer_id_resp resp;
    p->events++;
    if (err == 0)
        err = mb_init_producer_id_resp_read(body, version, NULL, &resp);
    if (err == 0)
        err = resp.error_code;
    if (err) {
        pid_fail(p, err);
        return;
    }
    p->pid = resp.producer_id;
    p->epoch = resp.producer_epoch;
    p->pid_gen++;
    p->pid_state = MB_PID_READY;
    MB_LOG(&p->log, MB_LOG_INFO, "producer id %lld epoch %d", (long long)p->pid, (int)p->epoch);
}

uint32_t mb_snd_pid_tick(mb_producer *p, uint32_t now)
{
    mb_cluster_view v;
    uint32_t left = mb_prod_left(p->pid_retry_from, p->pid_retry_wait, now);
    if (p->pid_state != MB_PID_NONE)
        return MB_PROD_MAX_SLEEP_MS;
    if (left)
        return left;
    mb_client_cluster(p->cl, &v);
    if (!v.valid)
        return MB_PROD_MAX_SLEEP_MS; /* the metadata's arrival ends the loop's wait */
    mb_req_prepare(&p->pid_req, MB_API_INIT_PRODUCER_ID, 0, MB_INIT_PID_MAX_VERSION, pid_encode,
                   pid_done, p);
    p->pid_state = MB_PID_REQUESTING;
    if (mb_client_send(p->cl, MB_BROKER_ANY, &p->pid_req) != 0)
        pid_fail(p, MSGBUS_ERR_STATE);
    return MB_PROD_MAX_SLEEP_MS;
}

void mb_snd_free(mb_producer *p)
{
    while (p->free_reqs) {
        mb_preq *r = p->free_reqs;
        p->free_reqs = r->next;
        p->al.free(p->al.ctx, r, sizeof *r);
    }
}

#else  /* MSGBUS_CFG_PRODUCER 0: the calls answer MSGBUS_ERR_NOT_BUILT */
typedef int mb_sender_left_out;
#endif /* MSGBUS_CFG_PRODUCER */
