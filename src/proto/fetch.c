/*
 * fetch.c - Fetch bodies, per Kafka's FetchRequest.json / FetchResponse.json
 * (v4-v12; flexible from v12). Known tagged fields in range: the request's
 * ClusterId (tag 0, body level) and the response partition's DivergingEpoch
 * (tag 0), CurrentLeader (tag 1) and SnapshotId (tag 2); others are skipped.
 */
#include "fetch.h"

#include <string.h>

/* Smallest encodings of one array element, used to bound decoded counts. */
#define MIN_TOPIC(flex) ((flex) ? 3u : 6u) /* name + array (+ tags) */
#define MIN_REQ_PARTITION 16u              /* partition, fetch_offset, max_bytes */
#define MIN_RESP_PARTITION(flex) ((flex) ? 37u : 30u)
#define MIN_ABORTED(flex) ((flex) ? 17u : 16u)

/* Sizes of the tagged structs' contents: fields plus an empty tag section. */
#define DIVERGING_EPOCH_SIZE 13u
#define CURRENT_LEADER_SIZE 9u
#define SNAPSHOT_ID_SIZE 13u

static int bad_array(int32_t n, const void *items)
{
    return n < 0 || (n > 0 && !items);
}

/* ------------------------------------------------------------------------ */
/* Request                                                                   */
/* ------------------------------------------------------------------------ */

static void wr_req_partition(mb_wr *w, int16_t version, int flex, const mb_fetch_partition *p)
{
    mb_wr_i32(w, p->partition);
    if (version >= 9)
        mb_wr_i32(w, p->current_leader_epoch);
    mb_wr_i64(w, p->fetch_offset);
    if (version >= 12)
        mb_wr_i32(w, p->last_fetched_epoch);
    if (version >= 5)
        mb_wr_i64(w, p->log_start_offset);
    mb_wr_i32(w, p->partition_max_bytes);
    if (flex)
        mb_wr_tags_none(w);
}

static void wr_req_topic(mb_wr *w, int16_t version, int flex, const mb_fetch_topic *t)
{
    int32_t i;
    mb_wr_str_v(w, flex, t->topic);
    if (bad_array(t->n_partitions, t->partitions)) {
        mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
        return;
    }
    mb_wr_array_v(w, flex, t->n_partitions);
    for (i = 0; i < t->n_partitions && !w->err; i++)
        wr_req_partition(w, version, flex, &t->partitions[i]);
    if (flex)
        mb_wr_tags_none(w);
}

static void wr_forgotten(mb_wr *w, int flex, const mb_fetch_req *req)
{
    int32_t i, j;
    if (bad_array(req->n_forgotten_topics_data, req->forgotten_topics_data)) {
        mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
        return;
    }
    mb_wr_array_v(w, flex, req->n_forgotten_topics_data);
    for (i = 0; i < req->n_forgotten_topics_data && !w->err; i++) {
        const mb_fetch_forgotten_topic *t = &req->forgotten_topics_data[i];
        mb_wr_str_v(w, flex, t->topic);
        if (bad_array(t->n_partitions, t->partitions)) {
            mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
            return;
        }
        mb_wr_array_v(w, flex, t->n_partitions);
        for (j = 0; j < t->n_partitions; j++)
            mb_wr_i32(w, t->partitions[j]);
        if (flex)
            mb_wr_tags_none(w);
    }
}

/* The body's tagged fields: ClusterId (tag 0) when not null. */
static void wr_req_tags(mb_wr *w, const mb_fetch_req *req)
{
    uint32_t len;
    if (req->cluster_id.len < 0) {
        mb_wr_tags_none(w);
        return;
    }
    len = (uint32_t)req->cluster_id.len;
    mb_wr_uvarint(w, 1);
    mb_wr_tag_head(w, 0, (uint32_t)mb_uvarint_size(len + 1) + len);
    mb_wr_nstr_v(w, 1, req->cluster_id);
}

int mb_fetch_req_write(mb_wr *w, int16_t version, const mb_fetch_req *req)
{
    int flex;
    int32_t i;
    if (!mb_api_supported(MB_API_FETCH, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    if (bad_array(req->n_topics, req->topics))
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    flex = mb_api_is_flexible(MB_API_FETCH, version);
    mb_wr_i32(w, req->replica_id);
    mb_wr_i32(w, req->max_wait_ms);
    mb_wr_i32(w, req->min_bytes);
    mb_wr_i32(w, req->max_bytes);
    mb_wr_i8(w, req->isolation_level);
    if (version >= 7) {
        mb_wr_i32(w, req->session_id);
        mb_wr_i32(w, req->session_epoch);
    }
    mb_wr_array_v(w, flex, req->n_topics);
    for (i = 0; i < req->n_topics && !w->err; i++)
        wr_req_topic(w, version, flex, &req->topics[i]);
    if (version >= 7)
        wr_forgotten(w, flex, req);
    if (version >= 11)
        mb_wr_str_v(w, flex, req->rack_id);
    if (flex)
        wr_req_tags(w, req);
    return w->err;
}

static void rd_req_partition(mb_rd *r, int16_t version, int flex, mb_fetch_partition *p)
{
    p->current_leader_epoch = -1;
    p->last_fetched_epoch = -1;
    p->log_start_offset = -1;
    mb_rd_i32(r, &p->partition);
    if (version >= 9)
        mb_rd_i32(r, &p->current_leader_epoch);
    mb_rd_i64(r, &p->fetch_offset);
    if (version >= 12)
        mb_rd_i32(r, &p->last_fetched_epoch);
    if (version >= 5)
        mb_rd_i64(r, &p->log_start_offset);
    mb_rd_i32(r, &p->partition_max_bytes);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
}

static void rd_req_topic(mb_rd *r, int16_t version, int flex, mb_arena *a, mb_fetch_topic *t)
{
    int32_t i;
    mb_rd_str_v(r, flex, &t->topic);
    if (mb_rd_array_v(r, flex, MIN_REQ_PARTITION, &t->n_partitions))
        return;
    t->partitions = mb_rd_alloc(r, a, t->n_partitions, sizeof *t->partitions);
    for (i = 0; i < t->n_partitions && !r->err; i++)
        rd_req_partition(r, version, flex, &t->partitions[i]);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
}

static void rd_forgotten_topic(mb_rd *r, int flex, mb_arena *a, mb_fetch_forgotten_topic *t)
{
    int32_t j;
    mb_rd_str_v(r, flex, &t->topic);
    if (mb_rd_array_v(r, flex, 4, &t->n_partitions))
        return;
    t->partitions = mb_rd_alloc(r, a, t->n_partitions, sizeof *t->partitions);
    for (j = 0; j < t->n_partitions && !r->err; j++)
        mb_rd_i32(r, &t->partitions[j]);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
}

static void rd_forgotten(mb_rd *r, int flex, mb_arena *a, mb_fetch_req *req)
{
    int32_t i;
    if (mb_rd_array_v(r, flex, MIN_TOPIC(flex), &req->n_forgotten_topics_data))
        return;
    req->forgotten_topics_data =
        mb_rd_alloc(r, a, req->n_forgotten_topics_data, sizeof *req->forgotten_topics_data);
    for (i = 0; i < req->n_forgotten_topics_data && !r->err; i++)
        rd_forgotten_topic(r, flex, a, &req->forgotten_topics_data[i]);
}

static int req_tag(void *ctx, uint32_t tag, mb_rd *field)
{
    mb_fetch_req *req = ctx;
    if (tag == 0)
        mb_rd_cnstr(field, &req->cluster_id);
    return field->err;
}

static void req_defaults(mb_fetch_req *req)
{
    memset(req, 0, sizeof *req);
    req->cluster_id = MB_STR_NULL;
    req->session_epoch = -1;
    req->rack_id = mb_str_c("");
}

int mb_fetch_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_fetch_req *req)
{
    int flex;
    int32_t i;
    req_defaults(req);
    if (!mb_api_supported(MB_API_FETCH, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_FETCH, version);
    mb_rd_i32(r, &req->replica_id);
    mb_rd_i32(r, &req->max_wait_ms);
    mb_rd_i32(r, &req->min_bytes);
    mb_rd_i32(r, &req->max_bytes);
    mb_rd_i8(r, &req->isolation_level);
    if (version >= 7) {
        mb_rd_i32(r, &req->session_id);
        mb_rd_i32(r, &req->session_epoch);
    }
    if (mb_rd_array_v(r, flex, MIN_TOPIC(flex), &req->n_topics))
        return r->err;
    req->topics = mb_rd_alloc(r, a, req->n_topics, sizeof *req->topics);
    for (i = 0; i < req->n_topics && !r->err; i++)
        rd_req_topic(r, version, flex, a, &req->topics[i]);
    if (version >= 7)
        rd_forgotten(r, flex, a, req);
    if (version >= 11)
        mb_rd_str_v(r, flex, &req->rack_id);
    if (flex)
        mb_rd_tags(r, req_tag, req);
    return mb_rd_end(r);
}

/* ------------------------------------------------------------------------ */
/* Response                                                                  */
/* ------------------------------------------------------------------------ */

static int diverging_set(const mb_fetch_partition_resp *p)
{
    return p->diverging_epoch.epoch != -1 || p->diverging_epoch.end_offset != -1;
}
static int leader_set(const mb_fetch_partition_resp *p)
{
    return p->current_leader.leader_id != -1 || p->current_leader.leader_epoch != -1;
}
static int snapshot_set(const mb_fetch_partition_resp *p)
{
    return p->snapshot_id.end_offset != -1 || p->snapshot_id.epoch != -1;
}

/* A partition's tagged fields, each written only when not its default. */
static void wr_part_tags(mb_wr *w, const mb_fetch_partition_resp *p)
{
    mb_wr_uvarint(w, (uint32_t)(diverging_set(p) + leader_set(p) + snapshot_set(p)));
    if (diverging_set(p)) {
        mb_wr_tag_head(w, 0, DIVERGING_EPOCH_SIZE);
        mb_wr_i32(w, p->diverging_epoch.epoch);
        mb_wr_i64(w, p->diverging_epoch.end_offset);
        mb_wr_tags_none(w);
    }
    if (leader_set(p)) {
        mb_wr_tag_head(w, 1, CURRENT_LEADER_SIZE);
        mb_wr_i32(w, p->current_leader.leader_id);
        mb_wr_i32(w, p->current_leader.leader_epoch);
        mb_wr_tags_none(w);
    }
    if (snapshot_set(p)) {
        mb_wr_tag_head(w, 2, SNAPSHOT_ID_SIZE);
        mb_wr_i64(w, p->snapshot_id.end_offset);
        mb_wr_i32(w, p->snapshot_id.epoch);
        mb_wr_tags_none(w);
    }
}

static void wr_aborted(mb_wr *w, int flex, const mb_fetch_partition_resp *p)
{
    int32_t i;
    if (p->n_aborted_transactions > 0 && !p->aborted_transactions) {
        mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
        return;
    }
    mb_wr_array_v(w, flex, p->n_aborted_transactions);
    for (i = 0; i < p->n_aborted_transactions; i++) {
        mb_wr_i64(w, p->aborted_transactions[i].producer_id);
        mb_wr_i64(w, p->aborted_transactions[i].first_offset);
        if (flex)
            mb_wr_tags_none(w);
    }
}

static void wr_resp_partition(mb_wr *w, int16_t version, int flex, const mb_fetch_partition_resp *p)
{
    mb_wr_i32(w, p->partition_index);
    mb_wr_i16(w, p->error_code);
    mb_wr_i64(w, p->high_watermark);
    mb_wr_i64(w, p->last_stable_offset);
    if (version >= 5)
        mb_wr_i64(w, p->log_start_offset);
    wr_aborted(w, flex, p);
    if (version >= 11)
        mb_wr_i32(w, p->preferred_read_replica);
    mb_wr_nbytes_ref_v(w, flex, p->records);
    if (flex)
        wr_part_tags(w, p);
}

static void wr_resp_topic(mb_wr *w, int16_t version, int flex, const mb_fetch_topic_resp *t)
{
    int32_t i;
    mb_wr_str_v(w, flex, t->topic);
    if (bad_array(t->n_partitions, t->partitions)) {
        mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
        return;
    }
    mb_wr_array_v(w, flex, t->n_partitions);
    for (i = 0; i < t->n_partitions && !w->err; i++)
        wr_resp_partition(w, version, flex, &t->partitions[i]);
    if (flex)
        mb_wr_tags_none(w);
}

int mb_fetch_resp_write(mb_wr *w, int16_t version, const mb_fetch_resp *resp)
{
    int flex;
    int32_t i;
    if (!mb_api_supported(MB_API_FETCH, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    if (bad_array(resp->n_responses, resp->responses))
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    flex = mb_api_is_flexible(MB_API_FETCH, version);
    mb_wr_i32(w, resp->throttle_time_ms);
    if (version >= 7) {
        mb_wr_i16(w, resp->error_code);
        mb_wr_i32(w, resp->session_id);
    }
    mb_wr_array_v(w, flex, resp->n_responses);
    for (i = 0; i < resp->n_responses && !w->err; i++)
        wr_resp_topic(w, version, flex, &resp->responses[i]);
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

/* A partition's tagged fields; each tagged struct ends in its own tag section. */
static int part_tag(void *ctx, uint32_t tag, mb_rd *field)
{
    mb_fetch_partition_resp *p = ctx;
    if (tag == 0) {
        mb_rd_i32(field, &p->diverging_epoch.epoch);
        mb_rd_i64(field, &p->diverging_epoch.end_offset);
    } else if (tag == 1) {
        mb_rd_i32(field, &p->current_leader.leader_id);
        mb_rd_i32(field, &p->current_leader.leader_epoch);
    } else if (tag == 2) {
        mb_rd_i64(field, &p->snapshot_id.end_offset);
        mb_rd_i32(field, &p->snapshot_id.epoch);
    } else {
        return 0;
    }
    mb_rd_tags(field, NULL, NULL);
    return field->err;
}

static void rd_aborted(mb_rd *r, int flex, mb_arena *a, mb_fetch_partition_resp *p)
{
    int32_t i;
    if (mb_rd_narray_v(r, flex, MIN_ABORTED(flex), &p->n_aborted_transactions))
        return;
    p->aborted_transactions =
        mb_rd_alloc(r, a, p->n_aborted_transactions, sizeof *p->aborted_transactions);
    for (i = 0; i < p->n_aborted_transactions && !r->err; i++) {
        mb_rd_i64(r, &p->aborted_transactions[i].producer_id);
        mb_rd_i64(r, &p->aborted_transactions[i].first_offset);
        if (flex)
            mb_rd_tags(r, NULL, NULL);
    }
}

static void rd_resp_partition(mb_rd *r, int16_t version, int flex, mb_arena *a,
                              mb_fetch_partition_resp *p)
{
    p->log_start_offset = -1;
    p->diverging_epoch.epoch = -1;
    p->diverging_epoch.end_offset = -1;
    p->current_leader.leader_id = -1;
    p->current_leader.leader_epoch = -1;
    p->snapshot_id.end_offset = -1;
    p->snapshot_id.epoch = -1;
    p->preferred_read_replica = -1;
    mb_rd_i32(r, &p->partition_index);
    mb_rd_i16(r, &p->error_code);
    mb_rd_i64(r, &p->high_watermark);
    mb_rd_i64(r, &p->last_stable_offset);
    if (version >= 5)
        mb_rd_i64(r, &p->log_start_offset);
    rd_aborted(r, flex, a, p);
    if (version >= 11)
        mb_rd_i32(r, &p->preferred_read_replica);
    mb_rd_nbytes_v(r, flex, &p->records);
    if (flex)
        mb_rd_tags(r, part_tag, p);
}

static void rd_resp_topic(mb_rd *r, int16_t version, int flex, mb_arena *a, mb_fetch_topic_resp *t)
{
    int32_t i;
    mb_rd_str_v(r, flex, &t->topic);
    if (mb_rd_array_v(r, flex, MIN_RESP_PARTITION(flex), &t->n_partitions))
        return;
    t->partitions = mb_rd_alloc(r, a, t->n_partitions, sizeof *t->partitions);
    for (i = 0; i < t->n_partitions && !r->err; i++)
        rd_resp_partition(r, version, flex, a, &t->partitions[i]);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
}

int mb_fetch_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_fetch_resp *resp)
{
    int flex;
    int32_t i;
    memset(resp, 0, sizeof *resp);
    if (!mb_api_supported(MB_API_FETCH, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_FETCH, version);
    mb_rd_i32(r, &resp->throttle_time_ms);
    if (version >= 7) {
        mb_rd_i16(r, &resp->error_code);
        mb_rd_i32(r, &resp->session_id);
    }
    if (mb_rd_array_v(r, flex, MIN_TOPIC(flex), &resp->n_responses))
        return r->err;
    resp->responses = mb_rd_alloc(r, a, resp->n_responses, sizeof *resp->responses);
    for (i = 0; i < resp->n_responses && !r->err; i++)
        rd_resp_topic(r, version, flex, a, &resp->responses[i]);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}
