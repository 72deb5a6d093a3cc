/*
 * list_offsets.c - ListOffsets bodies, per Kafka's ListOffsetsRequest.json /
 * ListOffsetsResponse.json (v1-v6, flexible from v6). No field of these versions
 * is tagged: tagged-field sections are written empty, unknown tags skipped.
 */
#include "list_offsets.h"

#include <string.h>

/* Smallest encoding of a { name, partitions[] (, tags) } topic element. */
static size_t topic_min(int flex)
{
    return flex ? 3u : 6u;
}

/* ------------------------------------------------------------------------ */
/* Request                                                                   */
/* ------------------------------------------------------------------------ */

static void req_part_write(mb_wr *w, int16_t version, int flex,
                           const mb_list_offsets_req_partition *p)
{
    mb_wr_i32(w, p->partition_index);
    if (version >= 4)
        mb_wr_i32(w, p->current_leader_epoch);
    mb_wr_i64(w, p->timestamp);
    mb_wr_tags_v(w, flex);
}

int mb_list_offsets_req_write(mb_wr *w, int16_t version, const mb_list_offsets_req *req)
{
    int flex;
    int32_t i, j;
    if (!mb_api_supported(MB_API_LIST_OFFSETS, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_LIST_OFFSETS, version);
    mb_wr_i32(w, req->replica_id);
    if (version >= 2)
        mb_wr_i8(w, req->isolation_level);
    if (mb_wr_count_v(w, flex, req->n_topics, req->topics))
        return w->err;
    for (i = 0; i < req->n_topics; i++) {
        const mb_list_offsets_req_topic *t = &req->topics[i];
        mb_wr_str_v(w, flex, t->name);
        if (mb_wr_count_v(w, flex, t->n_partitions, t->partitions))
            return w->err;
        for (j = 0; j < t->n_partitions; j++)
            req_part_write(w, version, flex, &t->partitions[j]);
        mb_wr_tags_v(w, flex);
    }
    mb_wr_tags_v(w, flex);
    return w->err;
}

static int req_topic_read(mb_rd *r, int16_t version, int flex, mb_arena *a,
                          mb_list_offsets_req_topic *t)
{
    size_t min = 4 + (version >= 4 ? 4u : 0u) + 8 + (flex ? 1u : 0u);
    int32_t j;
    mb_rd_str_v(r, flex, &t->name);
    if (mb_rd_array_v(r, flex, min, &t->n_partitions))
        return r->err;
    t->partitions = mb_rd_alloc(r, a, t->n_partitions, sizeof *t->partitions);
    for (j = 0; j < t->n_partitions && !r->err; j++) {
        mb_list_offsets_req_partition *p = &t->partitions[j];
        mb_rd_i32(r, &p->partition_index);
        p->current_leader_epoch = -1;
        if (version >= 4)
            mb_rd_i32(r, &p->current_leader_epoch);
        mb_rd_i64(r, &p->timestamp);
        mb_rd_tags_v(r, flex);
    }
    mb_rd_tags_v(r, flex);
    return r->err;
}

int mb_list_offsets_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_list_offsets_req *req)
{
    int flex;
    int32_t i;
    memset(req, 0, sizeof *req);
    if (!mb_api_supported(MB_API_LIST_OFFSETS, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_LIST_OFFSETS, version);
    mb_rd_i32(r, &req->replica_id);
    if (version >= 2)
        mb_rd_i8(r, &req->isolation_level);
    if (mb_rd_array_v(r, flex, topic_min(flex), &req->n_topics))
        return r->err;
    req->topics = mb_rd_alloc(r, a, req->n_topics, sizeof *req->topics);
    for (i = 0; i < req->n_topics && !r->err; i++)
        if (req_topic_read(r, version, flex, a, &req->topics[i]))
            return r->err;
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

/* ------------------------------------------------------------------------ */
/* Response                                                                  */
/* ------------------------------------------------------------------------ */

static void resp_part_write(mb_wr *w, int16_t version, int flex,
                            const mb_list_offsets_resp_partition *p)
{
    mb_wr_i32(w, p->partition_index);
    mb_wr_i16(w, p->error_code);
    mb_wr_i64(w, p->timestamp);
    mb_wr_i64(w, p->offset);
    if (version >= 4)
        mb_wr_i32(w, p->leader_epoch);
    mb_wr_tags_v(w, flex);
}

int mb_list_offsets_resp_write(mb_wr *w, int16_t version, const mb_list_offsets_resp *resp)
{
    int flex;
    int32_t i, j;
    if (!mb_api_supported(MB_API_LIST_OFFSETS, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_LIST_OFFSETS, version);
    if (version >= 2)
        mb_wr_i32(w, resp->throttle_time_ms);
    if (mb_wr_count_v(w, flex, resp->n_topics, resp->topics))
        return w->err;
    for (i = 0; i < resp->n_topics; i++) {
        const mb_list_offsets_resp_topic *t = &resp->topics[i];
        mb_wr_str_v(w, flex, t->name);
        if (mb_wr_count_v(w, flex, t->n_partitions, t->partitions))
            return w->err;
        for (j = 0; j < t->n_partitions; j++)
            resp_part_write(w, version, flex, &t->partitions[j]);
        mb_wr_tags_v(w, flex);
    }
    mb_wr_tags_v(w, flex);
    return w->err;
}

static int resp_topic_read(mb_rd *r, int16_t version, int flex, mb_arena *a,
                           mb_list_offsets_resp_topic *t)
{
    size_t min = 4 + 2 + 8 + 8 + (version >= 4 ? 4u : 0u) + (flex ? 1u : 0u);
    int32_t j;
    mb_rd_str_v(r, flex, &t->name);
    if (mb_rd_array_v(r, flex, min, &t->n_partitions))
        return r->err;
    t->partitions = mb_rd_alloc(r, a, t->n_partitions, sizeof *t->partitions);
    for (j = 0; j < t->n_partitions && !r->err; j++) {
        mb_list_offsets_resp_partition *p = &t->partitions[j];
        mb_rd_i32(r, &p->partition_index);
        mb_rd_i16(r, &p->error_code);
        mb_rd_i64(r, &p->timestamp);
        mb_rd_i64(r, &p->offset);
        p->leader_epoch = -1;
        if (version >= 4)
            mb_rd_i32(r, &p->leader_epoch);
        mb_rd_tags_v(r, flex);
    }
    mb_rd_tags_v(r, flex);
    return r->err;
}

int mb_list_offsets_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_list_offsets_resp *resp)
{
    int flex;
    int32_t i;
    memset(resp, 0, sizeof *resp);
    if (!mb_api_supported(MB_API_LIST_OFFSETS, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_LIST_OFFSETS, version);
    if (version >= 2)
        mb_rd_i32(r, &resp->throttle_time_ms);
    if (mb_rd_array_v(r, flex, topic_min(flex), &resp->n_topics))
        return r->err;
    resp->topics = mb_rd_alloc(r, a, resp->n_topics, sizeof *resp->topics);
    for (i = 0; i < resp->n_topics && !r->err; i++)
        if (resp_topic_read(r, version, flex, a, &resp->topics[i]))
            return r->err;
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}
