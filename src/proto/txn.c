/*
 * txn.c - transaction API bodies, per Kafka's AddPartitionsToTxnRequest.json /
 * AddPartitionsToTxnResponse.json, AddOffsetsToTxnRequest.json /
 * AddOffsetsToTxnResponse.json, EndTxnRequest.json / EndTxnResponse.json and
 * TxnOffsetCommitRequest.json / TxnOffsetCommitResponse.json, v0-v3 each
 * (flexible from v3). No field of these versions is tagged: every
 * tagged-field section is written empty and read with unknown tags skipped.
 *
 * Calls go down only, to the reader and writer of codec.c; the transaction
 * manager in src/bus encodes requests and decodes responses with these, the
 * tests and scripted peers the other way round.
 */
#include "txn.h"

#include <string.h>

/* Smallest encoding of a { name, array (, tags) } element. */
static size_t named_array_min(int flex)
{
    return flex ? 3u : 6u;
}

/* Every API here: v0-v3 from the table; flexible or not. */
static int txn_version(int16_t key, int16_t version, int *flex)
{
    if (!mb_api_supported(key, version))
        return MSGBUS_ERR_UNSUPPORTED_VERSION;
    *flex = mb_api_is_flexible(key, version);
    return 0;
}

/* TransactionalId, ProducerId, ProducerEpoch: how three of the requests start. */
static void txn_head_write(mb_wr *w, int flex, mb_str tid, int64_t pid, int16_t epoch)
{
    mb_wr_str_v(w, flex, tid);
    mb_wr_i64(w, pid);
    mb_wr_i16(w, epoch);
}

static void txn_head_read(mb_rd *r, int flex, mb_str *tid, int64_t *pid, int16_t *epoch)
{
    mb_rd_str_v(r, flex, tid);
    mb_rd_i64(r, pid);
    mb_rd_i16(r, epoch);
}

/* ------------------------------------------------------------------------ */
/* Topic results: AddPartitionsToTxn and TxnOffsetCommit responses            */
/* ------------------------------------------------------------------------ */

static int results_write(mb_wr *w, int flex, const mb_txn_topic_result *t, int32_t n)
{
    int32_t i, j;
    if (mb_wr_count_v(w, flex, n, t))
        return w->err;
    for (i = 0; i < n; i++) {
        mb_wr_str_v(w, flex, t[i].name);
        if (mb_wr_count_v(w, flex, t[i].n_partitions, t[i].partitions))
            return w->err;
        for (j = 0; j < t[i].n_partitions; j++) {
            mb_wr_i32(w, t[i].partitions[j].partition_index);
            mb_wr_i16(w, t[i].partitions[j].error_code);
            mb_wr_tags_v(w, flex);
        }
        mb_wr_tags_v(w, flex);
    }
    return w->err;
}

static int result_parts_read(mb_rd *r, int flex, mb_arena *a, mb_txn_topic_result *t)
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

static int results_read(mb_rd *r, int flex, mb_arena *a, mb_txn_topic_result **t, int32_t *n)
{
    int32_t i;
    if (mb_rd_array_v(r, flex, named_array_min(flex), n))
        return r->err;
    *t = mb_rd_alloc(r, a, *n, sizeof **t);
    for (i = 0; i < *n && !r->err; i++) {
        mb_rd_str_v(r, flex, &(*t)[i].name);
        if (result_parts_read(r, flex, a, &(*t)[i]))
            return r->err;
        mb_rd_tags_v(r, flex);
    }
    return r->err;
}

/* ------------------------------------------------------------------------ */
/* AddPartitionsToTxn                                                        */
/* ------------------------------------------------------------------------ */

int mb_add_partitions_to_txn_req_write(mb_wr *w, int16_t version,
                                       const mb_add_partitions_to_txn_req *req)
{
    int flex = 0;
    int32_t i, j;
    if (txn_version(MB_API_ADD_PARTITIONS_TO_TXN, version, &flex))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    txn_head_write(w, flex, req->transactional_id, req->producer_id, req->producer_epoch);
    if (mb_wr_count_v(w, flex, req->n_topics, req->topics))
        return w->err;
    for (i = 0; i < req->n_topics; i++) {
        const mb_txn_topic *t = &req->topics[i];
        mb_wr_str_v(w, flex, t->name);
        if (mb_wr_count_v(w, flex, t->n_partitions, t->partitions))
            return w->err;
        for (j = 0; j < t->n_partitions; j++)
            mb_wr_i32(w, t->partitions[j]);
        mb_wr_tags_v(w, flex);
    }
    mb_wr_tags_v(w, flex);
    return w->err;
}

static int apt_topic_read(mb_rd *r, int flex, mb_arena *a, mb_txn_topic *t)
{
    int32_t j;
    mb_rd_str_v(r, flex, &t->name);
    if (mb_rd_array_v(r, flex, 4, &t->n_partitions))
        return r->err;
    t->partitions = mb_rd_alloc(r, a, t->n_partitions, sizeof *t->partitions);
    for (j = 0; j < t->n_partitions && !r->err; j++)
        mb_rd_i32(r, &t->partitions[j]);
    mb_rd_tags_v(r, flex);
    return r->err;
}

int mb_add_partitions_to_txn_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                      mb_add_partitions_to_txn_req *req)
{
    int flex = 0;
    int32_t i;
    memset(req, 0, sizeof *req);
    if (txn_version(MB_API_ADD_PARTITIONS_TO_TXN, version, &flex))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    txn_head_read(r, flex, &req->transactional_id, &req->producer_id, &req->producer_epoch);
    if (mb_rd_array_v(r, flex, named_array_min(flex), &req->n_topics))
        return r->err;
    req->topics = mb_rd_alloc(r, a, req->n_topics, sizeof *req->topics);
    for (i = 0; i < req->n_topics && !r->err; i++)
        if (apt_topic_read(r, flex, a, &req->topics[i]))
            return r->err;
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

int mb_add_partitions_to_txn_resp_write(mb_wr *w, int16_t version,
                                        const mb_add_partitions_to_txn_resp *resp)
{
    int flex = 0;
    if (txn_version(MB_API_ADD_PARTITIONS_TO_TXN, version, &flex))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_i32(w, resp->throttle_time_ms);
    if (results_write(w, flex, resp->results, resp->n_results))
        return w->err;
    mb_wr_tags_v(w, flex);
    return w->err;
}

int mb_add_partitions_to_txn_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                       mb_add_partitions_to_txn_resp *resp)
{
    int flex = 0;
    memset(resp, 0, sizeof *resp);
    if (txn_version(MB_API_ADD_PARTITIONS_TO_TXN, version, &flex))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_i32(r, &resp->throttle_time_ms);
    if (results_read(r, flex, a, &resp->results, &resp->n_results))
        return r->err;
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

/* ------------------------------------------------------------------------ */
/* AddOffsetsToTxn and EndTxn                                                */
/* ------------------------------------------------------------------------ */

/* Both responses are ThrottleTimeMs, ErrorCode (and tags) at v0-v3. */
static int throttle_err_write(mb_wr *w, int16_t key, int16_t version, int32_t throttle,
                              int16_t error_code)
{
    int flex = 0;
    if (txn_version(key, version, &flex))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_i32(w, throttle);
    mb_wr_i16(w, error_code);
    mb_wr_tags_v(w, flex);
    return w->err;
}

static int throttle_err_read(mb_rd *r, int16_t key, int16_t version, int32_t *throttle,
                             int16_t *error_code)
{
    int flex = 0;
    *throttle = 0;
    *error_code = 0;
    if (txn_version(key, version, &flex))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_i32(r, throttle);
    mb_rd_i16(r, error_code);
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

int mb_add_offsets_to_txn_req_write(mb_wr *w, int16_t version, const mb_add_offsets_to_txn_req *req)
{
    int flex = 0;
    if (txn_version(MB_API_ADD_OFFSETS_TO_TXN, version, &flex))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    txn_head_write(w, flex, req->transactional_id, req->producer_id, req->producer_epoch);
    mb_wr_str_v(w, flex, req->group_id);
    mb_wr_tags_v(w, flex);
    return w->err;
}

int mb_add_offsets_to_txn_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                   mb_add_offsets_to_txn_req *req)
{
    int flex = 0;
    (void)a;
    memset(req, 0, sizeof *req);
    if (txn_version(MB_API_ADD_OFFSETS_TO_TXN, version, &flex))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    txn_head_read(r, flex, &req->transactional_id, &req->producer_id, &req->producer_epoch);
    mb_rd_str_v(r, flex, &req->group_id);
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

int mb_add_offsets_to_txn_resp_write(mb_wr *w, int16_t version,
                                     const mb_add_offsets_to_txn_resp *resp)
{
    return throttle_err_write(w, MB_API_ADD_OFFSETS_TO_TXN, version, resp->throttle_time_ms,
                              resp->error_code);
}

int mb_add_offsets_to_txn_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                    mb_add_offsets_to_txn_resp *resp)
{
    (void)a;
    return throttle_err_read(r, MB_API_ADD_OFFSETS_TO_TXN, version, &resp->throttle_time_ms,
                             &resp->error_code);
}

int mb_end_txn_req_write(mb_wr *w, int16_t version, const mb_end_txn_req *req)
{
    int flex = 0;
    if (txn_version(MB_API_END_TXN, version, &flex))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    txn_head_write(w, flex, req->transactional_id, req->producer_id, req->producer_epoch);
    mb_wr_bool(w, req->committed ? 1 : 0);
    mb_wr_tags_v(w, flex);
    return w->err;
}

int mb_end_txn_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_end_txn_req *req)
{
    int flex = 0;
    (void)a;
    memset(req, 0, sizeof *req);
    if (txn_version(MB_API_END_TXN, version, &flex))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    txn_head_read(r, flex, &req->transactional_id, &req->producer_id, &req->producer_epoch);
    mb_rd_bool(r, &req->committed);
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

int mb_end_txn_resp_write(mb_wr *w, int16_t version, const mb_end_txn_resp *resp)
{
    return throttle_err_write(w, MB_API_END_TXN, version, resp->throttle_time_ms, resp->error_code);
}

int mb_end_txn_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_end_txn_resp *resp)
{
    (void)a;
    return throttle_err_read(r, MB_API_END_TXN, version, &resp->throttle_time_ms,
                             &resp->error_code);
}

/* ------------------------------------------------------------------------ */
/* TxnOffsetCommit                                                           */
/* ------------------------------------------------------------------------ */

static void toc_part_write(mb_wr *w, int16_t version, int flex,
                           const mb_txn_offset_commit_req_partition *p)
{
    mb_wr_i32(w, p->partition_index);
    mb_wr_i64(w, p->committed_offset);
    if (version >= 2)
        mb_wr_i32(w, p->committed_leader_epoch);
    mb_wr_nstr_v(w, flex, p->committed_metadata);
    mb_wr_tags_v(w, flex);
}

int mb_txn_offset_commit_req_write(mb_wr *w, int16_t version, const mb_txn_offset_commit_req *req)
{
    int flex = 0;
    int32_t i, j;
    if (txn_version(MB_API_TXN_OFFSET_COMMIT, version, &flex))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_str_v(w, flex, req->transactional_id);
    mb_wr_str_v(w, flex, req->group_id);
    mb_wr_i64(w, req->producer_id);
    mb_wr_i16(w, req->producer_epoch);
    if (version >= 3) {
        mb_wr_i32(w, req->generation_id);
        mb_wr_str_v(w, flex, req->member_id);
        mb_wr_nstr_v(w, flex, req->group_instance_id);
    }
    if (mb_wr_count_v(w, flex, req->n_topics, req->topics))
        return w->err;
    for (i = 0; i < req->n_topics; i++) {
        const mb_txn_offset_commit_req_topic *t = &req->topics[i];
        mb_wr_str_v(w, flex, t->name);
        if (mb_wr_count_v(w, flex, t->n_partitions, t->partitions))
            return w->err;
        for (j = 0; j < t->n_partitions; j++)
            toc_part_write(w, version, flex, &t->partitions[j]);
        mb_wr_tags_v(w, flex);
    }
    mb_wr_tags_v(w, flex);
    return w->err;
}

static int toc_parts_read(mb_rd *r, int16_t version, int flex, mb_arena *a,
                          mb_txn_offset_commit_req_topic *t)
{
    /* metadata: INT16 length, or compact length + the element's tag count */
    size_t min = 4 + 8 + (version >= 2 ? 4u : 0u) + 2;
    int32_t j;
    if (mb_rd_array_v(r, flex, min, &t->n_partitions))
        return r->err;
    t->partitions = mb_rd_alloc(r, a, t->n_partitions, sizeof *t->partitions);
    for (j = 0; j < t->n_partitions && !r->err; j++) {
        mb_txn_offset_commit_req_partition *p = &t->partitions[j];
        mb_rd_i32(r, &p->partition_index);
        mb_rd_i64(r, &p->committed_offset);
        p->committed_leader_epoch = -1;
        if (version >= 2)
            mb_rd_i32(r, &p->committed_leader_epoch);
        mb_rd_nstr_v(r, flex, &p->committed_metadata);
        mb_rd_tags_v(r, flex);
    }
    return r->err;
}

static int toc_topics_read(mb_rd *r, int16_t version, int flex, mb_arena *a,
                           mb_txn_offset_commit_req *req)
{
    int32_t i;
    if (mb_rd_array_v(r, flex, named_array_min(flex), &req->n_topics))
        return r->err;
    req->topics = mb_rd_alloc(r, a, req->n_topics, sizeof *req->topics);
    for (i = 0; i < req->n_topics && !r->err; i++) {
        mb_rd_str_v(r, flex, &req->topics[i].name);
        if (toc_parts_read(r, version, flex, a, &req->topics[i]))
            return r->err;
        mb_rd_tags_v(r, flex);
    }
    return r->err;
}

int mb_txn_offset_commit_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                  mb_txn_offset_commit_req *req)
{
    int flex = 0;
    memset(req, 0, sizeof *req);
    req->generation_id = -1;
    req->member_id = mb_str_c("");
    req->group_instance_id = MB_STR_NULL;
    if (txn_version(MB_API_TXN_OFFSET_COMMIT, version, &flex))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_str_v(r, flex, &req->transactional_id);
    mb_rd_str_v(r, flex, &req->group_id);
    mb_rd_i64(r, &req->producer_id);
    mb_rd_i16(r, &req->producer_epoch);
    if (version >= 3) {
        mb_rd_i32(r, &req->generation_id);
        mb_rd_str_v(r, flex, &req->member_id);
        mb_rd_nstr_v(r, flex, &req->group_instance_id);
    }
    if (toc_topics_read(r, version, flex, a, req))
        return r->err;
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

int mb_txn_offset_commit_resp_write(mb_wr *w, int16_t version,
                                    const mb_txn_offset_commit_resp *resp)
{
    int flex = 0;
    if (txn_version(MB_API_TXN_OFFSET_COMMIT, version, &flex))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_i32(w, resp->throttle_time_ms);
    if (results_write(w, flex, resp->topics, resp->n_topics))
        return w->err;
    mb_wr_tags_v(w, flex);
    return w->err;
}

int mb_txn_offset_commit_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                   mb_txn_offset_commit_resp *resp)
{
    int flex = 0;
    memset(resp, 0, sizeof *resp);
    if (txn_version(MB_API_TXN_OFFSET_COMMIT, version, &flex))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_i32(r, &resp->throttle_time_ms);
    if (results_read(r, flex, a, &resp->topics, &resp->n_topics))
        return r->err;
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}
