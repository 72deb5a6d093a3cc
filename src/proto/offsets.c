/*
 * offsets.c - OffsetCommit and OffsetFetch bodies, per Kafka's
 * OffsetCommitRequest.json / OffsetCommitResponse.json (v2-v8, flexible from v8)
 * and OffsetFetchRequest.json / OffsetFetchResponse.json (v1-v6, flexible from
 * v6). No field of these versions is tagged, so every tagged-field section is
 * written empty and read with unknown tags skipped.
 */
#include "offsets.h"

#include <string.h>

/* Smallest encoding of a { name, partitions[] (, tags) } topic element. */
static size_t topic_min(int flex)
{
    return flex ? 3u : 6u;
}

/* ------------------------------------------------------------------------ */
/* OffsetCommit request                                                      */
/* ------------------------------------------------------------------------ */

static void oc_req_part_write(mb_wr *w, int16_t version, int flex,
                              const mb_offset_commit_req_partition *p)
{
    mb_wr_i32(w, p->partition_index);
    mb_wr_i64(w, p->committed_offset);
    if (version >= 6)
        mb_wr_i32(w, p->committed_leader_epoch);
    mb_wr_nstr_v(w, flex, p->committed_metadata);
    mb_wr_tags_v(w, flex);
}

int mb_offset_commit_req_write(mb_wr *w, int16_t version, const mb_offset_commit_req *req)
{
    int flex;
    int32_t i, j;
    if (!mb_api_supported(MB_API_OFFSET_COMMIT, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_OFFSET_COMMIT, version);
    mb_wr_str_v(w, flex, req->group_id);
    mb_wr_i32(w, req->generation_id_or_member_epoch);
    mb_wr_str_v(w, flex, req->member_id);
    if (version >= 7)
        mb_wr_nstr_v(w, flex, req->group_instance_id);
    if (version <= 4)
        mb_wr_i64(w, req->retention_time_ms);
    if (mb_wr_count_v(w, flex, req->n_topics, req->topics))
        return w->err;
    for (i = 0; i < req->n_topics; i++) {
        const mb_offset_commit_req_topic *t = &req->topics[i];
        mb_wr_str_v(w, flex, t->name);
        if (mb_wr_count_v(w, flex, t->n_partitions, t->partitions))
            return w->err;
        for (j = 0; j < t->n_partitions; j++)
            oc_req_part_write(w, version, flex, &t->partitions[j]);
        mb_wr_tags_v(w, flex);
    }
    mb_wr_tags_v(w, flex);
    return w->err;
}

static int oc_req_parts_read(mb_rd *r, int16_t version, int flex, mb_arena *a,
                             mb_offset_commit_req_topic *t)
{
    /* metadata: INT16 length, or compact length + the element's tag count */
    size_t min = 4 + 8 + (version >= 6 ? 4u : 0u) + 2;
    int32_t j;
    if (mb_rd_array_v(r, flex, min, &t->n_partitions))
        return r->err;
    t->partitions = mb_rd_alloc(r, a, t->n_partitions, sizeof *t->partitions);
    for (j = 0; j < t->n_partitions && !r->err; j++) {
        mb_offset_commit_req_partition *p = &t->partitions[j];
        mb_rd_i32(r, &p->partition_index);
        mb_rd_i64(r, &p->committed_offset);
        p->committed_leader_epoch = -1;
        if (version >= 6)
            mb_rd_i32(r, &p->committed_leader_epoch);
        mb_rd_nstr_v(r, flex, &p->committed_metadata);
        mb_rd_tags_v(r, flex);
    }
    return r->err;
}

static int oc_req_topics_read(mb_rd *r, int16_t version, int flex, mb_arena *a,
                              mb_offset_commit_req *req)
{
    int32_t i;
    if (mb_rd_array_v(r, flex, topic_min(flex), &req->n_topics))
        return r->err;
    req->topics = mb_rd_alloc(r, a, req->n_topics, sizeof *req->topics);
    for (i = 0; i < req->n_topics && !r->err; i++) {
        mb_rd_str_v(r, flex, &req->topics[i].name);
        if (oc_req_parts_read(r, version, flex, a, &req->topics[i]))
            return r->err;
        mb_rd_tags_v(r, flex);
    }
    return r->err;
}

int mb_offset_commit_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_offset_commit_req *req)
{
    int flex;
    memset(req, 0, sizeof *req);
    req->generation_id_or_member_epoch = -1;
    req->group_instance_id = MB_STR_NULL;
    req->retention_time_ms = -1;
    if (!mb_api_supported(MB_API_OFFSET_COMMIT, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_OFFSET_COMMIT, version);
    mb_rd_str_v(r, flex, &req->group_id);
    mb_rd_i32(r, &req->generation_id_or_member_epoch);
    mb_rd_str_v(r, flex, &req->member_id);
    if (version >= 7)
        mb_rd_nstr_v(r, flex, &req->group_instance_id);
    if (version <= 4)
        mb_rd_i64(r, &req->retention_time_ms);
    if (oc_req_topics_read(r, version, flex, a, req))
        return r->err;
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

/* ------------------------------------------------------------------------ */
/* OffsetCommit response                                                     */
/* ------------------------------------------------------------------------ */

int mb_offset_commit_resp_write(mb_wr *w, int16_t version, const mb_offset_commit_resp *resp)
{
    int flex;
    int32_t i, j;
    if (!mb_api_supported(MB_API_OFFSET_COMMIT, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_OFFSET_COMMIT, version);
    if (version >= 3)
        mb_wr_i32(w, resp->throttle_time_ms);
    if (mb_wr_count_v(w, flex, resp->n_topics, resp->topics))
        return w->err;
    for (i = 0; i < resp->n_topics; i++) {
        const mb_offset_commit_resp_topic *t = &resp->topics[i];
        mb_wr_str_v(w, flex, t->name);
        if (mb_wr_count_v(w, flex, t->n_partitions, t->partitions))
            return w->err;
        for (j = 0; j < t->n_partitions; j++) {
            mb_wr_i32(w, t->partitions[j].partition_index);
            mb_wr_i16(w, t->partitions[j].error_code);
            mb_wr_tags_v(w, flex);
        }
        mb_wr_tags_v(w, flex);
    }
    mb_wr_tags_v(w, flex);
    return w->err;
}

static int oc_resp_parts_read(mb_rd *r, int flex, mb_arena *a, mb_offset_commit_resp_topic *t)
{
    int32_t j;
    if (mb_rd_array_v(r, flex, flex ? 7u : 6u, &t->n_partitions))
        return r->err;
    t->partitions = mb_rd_alloc(r, a, t->n_partitions, sizeof *t->partitions);
    for (j = 0; j < t->n_partitions && !r->err; j++) {
        mb_rd_i32(r, &t->partitions[j].partition_index);
        mb_rd_i16(r, &t->partitions[j].error_code);
        mb_rd_tags_v(r, flex);
    }
    return r->err;
}

int mb_offset_commit_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_offset_commit_resp *resp)
{
    int flex;
    int32_t i;
    memset(resp, 0, sizeof *resp);
    if (!mb_api_supported(MB_API_OFFSET_COMMIT, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_OFFSET_COMMIT, version);
    if (version >= 3)
        mb_rd_i32(r, &resp->throttle_time_ms);
    if (mb_rd_array_v(r, flex, topic_min(flex), &resp->n_topics))
        return r->err;
    resp->topics = mb_rd_alloc(r, a, resp->n_topics, sizeof *resp->topics);
    for (i = 0; i < resp->n_topics && !r->err; i++) {
        mb_rd_str_v(r, flex, &resp->topics[i].name);
        if (oc_resp_parts_read(r, flex, a, &resp->topics[i]))
            return r->err;
        mb_rd_tags_v(r, flex);
    }
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

/* ------------------------------------------------------------------------ */
/* OffsetFetch request                                                       */
/* ------------------------------------------------------------------------ */

int mb_offset_fetch_req_write(mb_wr *w, int16_t version, const mb_offset_fetch_req *req)
{
    int flex;
    int32_t i, j;
    if (!mb_api_supported(MB_API_OFFSET_FETCH, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_OFFSET_FETCH, version);
    mb_wr_str_v(w, flex, req->group_id);
    if (req->n_topics < 0 && version >= 2)
        mb_wr_array_v(w, flex, -1);
    else if (mb_wr_count_v(w, flex, req->n_topics, req->topics))
        return w->err;
    for (i = 0; i < req->n_topics; i++) {
        const mb_offset_fetch_req_topic *t = &req->topics[i];
        mb_wr_str_v(w, flex, t->name);
        if (mb_wr_count_v(w, flex, t->n_partition_indexes, t->partition_indexes))
            return w->err;
        for (j = 0; j < t->n_partition_indexes; j++)
            mb_wr_i32(w, t->partition_indexes[j]);
        mb_wr_tags_v(w, flex);
    }
    mb_wr_tags_v(w, flex);
    return w->err;
}

static int of_req_topic_read(mb_rd *r, int flex, mb_arena *a, mb_offset_fetch_req_topic *t)
{
    int32_t j;
    mb_rd_str_v(r, flex, &t->name);
    if (mb_rd_array_v(r, flex, 4, &t->n_partition_indexes))
        return r->err;
    t->partition_indexes = mb_rd_alloc(r, a, t->n_partition_indexes, sizeof *t->partition_indexes);
    for (j = 0; j < t->n_partition_indexes && !r->err; j++)
        mb_rd_i32(r, &t->partition_indexes[j]);
    mb_rd_tags_v(r, flex);
    return r->err;
}

int mb_offset_fetch_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_offset_fetch_req *req)
{
    int flex;
    int32_t i;
    memset(req, 0, sizeof *req);
    if (!mb_api_supported(MB_API_OFFSET_FETCH, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_OFFSET_FETCH, version);
    mb_rd_str_v(r, flex, &req->group_id);
    if (version >= 2)
        mb_rd_narray_v(r, flex, topic_min(flex), &req->n_topics);
    else
        mb_rd_array_v(r, flex, topic_min(flex), &req->n_topics);
    req->topics = mb_rd_alloc(r, a, req->n_topics, sizeof *req->topics);
    for (i = 0; i < req->n_topics && !r->err; i++)
        if (of_req_topic_read(r, flex, a, &req->topics[i]))
            return r->err;
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

/* ------------------------------------------------------------------------ */
/* OffsetFetch response                                                      */
/* ------------------------------------------------------------------------ */

static void of_resp_part_write(mb_wr *w, int16_t version, int flex,
                               const mb_offset_fetch_resp_partition *p)
{
    mb_wr_i32(w, p->partition_index);
    mb_wr_i64(w, p->committed_offset);
    if (version >= 5)
        mb_wr_i32(w, p->committed_leader_epoch);
    mb_wr_nstr_v(w, flex, p->metadata);
    mb_wr_i16(w, p->error_code);
    mb_wr_tags_v(w, flex);
}

int mb_offset_fetch_resp_write(mb_wr *w, int16_t version, const mb_offset_fetch_resp *resp)
{
    int flex;
    int32_t i, j;
    if (!mb_api_supported(MB_API_OFFSET_FETCH, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_OFFSET_FETCH, version);
    if (version >= 3)
        mb_wr_i32(w, resp->throttle_time_ms);
    if (mb_wr_count_v(w, flex, resp->n_topics, resp->topics))
        return w->err;
    for (i = 0; i < resp->n_topics; i++) {
        const mb_offset_fetch_resp_topic *t = &resp->topics[i];
        mb_wr_str_v(w, flex, t->name);
        if (mb_wr_count_v(w, flex, t->n_partitions, t->partitions))
            return w->err;
        for (j = 0; j < t->n_partitions; j++)
            of_resp_part_write(w, version, flex, &t->partitions[j]);
        mb_wr_tags_v(w, flex);
    }
    if (version >= 2)
        mb_wr_i16(w, resp->error_code);
    mb_wr_tags_v(w, flex);
    return w->err;
}

static int of_resp_parts_read(mb_rd *r, int16_t version, int flex, mb_arena *a,
                              mb_offset_fetch_resp_topic *t)
{
    /* metadata (INT16 length, or compact length + tag count) and error code */
    size_t min = 4 + 8 + (version >= 5 ? 4u : 0u) + 2 + 2;
    int32_t j;
    if (mb_rd_array_v(r, flex, min, &t->n_partitions))
        return r->err;
    t->partitions = mb_rd_alloc(r, a, t->n_partitions, sizeof *t->partitions);
    for (j = 0; j < t->n_partitions && !r->err; j++) {
        mb_offset_fetch_resp_partition *p = &t->partitions[j];
        mb_rd_i32(r, &p->partition_index);
        mb_rd_i64(r, &p->committed_offset);
        p->committed_leader_epoch = -1;
        if (version >= 5)
            mb_rd_i32(r, &p->committed_leader_epoch);
        mb_rd_nstr_v(r, flex, &p->metadata);
        mb_rd_i16(r, &p->error_code);
        mb_rd_tags_v(r, flex);
    }
    return r->err;
}

int mb_offset_fetch_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_offset_fetch_resp *resp)
{
    int flex;
    int32_t i;
    memset(resp, 0, sizeof *resp);
    if (!mb_api_supported(MB_API_OFFSET_FETCH, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_OFFSET_FETCH, version);
    if (version >= 3)
        mb_rd_i32(r, &resp->throttle_time_ms);
    if (mb_rd_array_v(r, flex, topic_min(flex), &resp->n_topics))
        return r->err;
    resp->topics = mb_rd_alloc(r, a, resp->n_topics, sizeof *resp->topics);
    for (i = 0; i < resp->n_topics && !r->err; i++) {
        mb_rd_str_v(r, flex, &resp->topics[i].name);
        if (of_resp_parts_read(r, version, flex, a, &resp->topics[i]))
            return r->err;
        mb_rd_tags_v(r, flex);
    }
    if (version >= 2)
        mb_rd_i16(r, &resp->error_code);
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}
