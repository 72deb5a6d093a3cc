/*
 * produce.c - Produce bodies, per Kafka's ProduceRequest.json /
 * ProduceResponse.json (v3-v9; flexible from v9, where no tagged field is
 * defined yet: CurrentLeader and NodeEndpoints start at v10).
 */
#include "produce.h"

#include <string.h>

/* Smallest encodings of one array element, used to bound decoded counts. */
#define MIN_TOPIC(flex) ((flex) ? 3u : 6u)     /* name + array (+ tags) */
#define MIN_PARTITION(flex) ((flex) ? 6u : 8u) /* index + records (+ tags) */
#define MIN_PART_RESP 22u                      /* index..log_append_time_ms */
#define MIN_RECORD_ERROR 5u                    /* batch_index + message */

/* ------------------------------------------------------------------------ */
/* Request                                                                   */
/* ------------------------------------------------------------------------ */

static void wr_req_topic(mb_wr *w, int flex, const mb_produce_topic_data *t)
{
    int32_t i;
    mb_wr_str_v(w, flex, t->name);
    if (t->n_partition_data < 0 || (t->n_partition_data > 0 && !t->partition_data)) {
        mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
        return;
    }
    mb_wr_array_v(w, flex, t->n_partition_data);
    for (i = 0; i < t->n_partition_data && !w->err; i++) {
        mb_wr_i32(w, t->partition_data[i].index);
        mb_wr_nbytes_ref_v(w, flex, t->partition_data[i].records);
        if (flex)
            mb_wr_tags_none(w);
    }
    if (flex)
        mb_wr_tags_none(w);
}

int mb_produce_req_write(mb_wr *w, int16_t version, const mb_produce_req *req)
{
    int flex;
    int32_t i;
    if (!mb_api_supported(MB_API_PRODUCE, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    if (req->n_topic_data < 0 || (req->n_topic_data > 0 && !req->topic_data))
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    flex = mb_api_is_flexible(MB_API_PRODUCE, version);
    mb_wr_nstr_v(w, flex, req->transactional_id);
    mb_wr_i16(w, req->acks);
    mb_wr_i32(w, req->timeout_ms);
    mb_wr_array_v(w, flex, req->n_topic_data);
    for (i = 0; i < req->n_topic_data && !w->err; i++)
        wr_req_topic(w, flex, &req->topic_data[i]);
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

static int rd_req_topic(mb_rd *r, int flex, mb_arena *a, mb_produce_topic_data *t)
{
    int32_t i;
    mb_rd_str_v(r, flex, &t->name);
    if (mb_rd_array_v(r, flex, MIN_PARTITION(flex), &t->n_partition_data))
        return r->err;
    t->partition_data = mb_rd_alloc(r, a, t->n_partition_data, sizeof *t->partition_data);
    for (i = 0; i < t->n_partition_data && !r->err; i++) {
        mb_rd_i32(r, &t->partition_data[i].index);
        mb_rd_nbytes_v(r, flex, &t->partition_data[i].records);
        if (flex)
            mb_rd_tags(r, NULL, NULL);
    }
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return r->err;
}

int mb_produce_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_produce_req *req)
{
    int flex;
    int32_t i;
    memset(req, 0, sizeof *req);
    req->transactional_id = MB_STR_NULL;
    if (!mb_api_supported(MB_API_PRODUCE, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_PRODUCE, version);
    mb_rd_nstr_v(r, flex, &req->transactional_id);
    mb_rd_i16(r, &req->acks);
    mb_rd_i32(r, &req->timeout_ms);
    if (mb_rd_array_v(r, flex, MIN_TOPIC(flex), &req->n_topic_data))
        return r->err;
    req->topic_data = mb_rd_alloc(r, a, req->n_topic_data, sizeof *req->topic_data);
    for (i = 0; i < req->n_topic_data && !r->err; i++)
        rd_req_topic(r, flex, a, &req->topic_data[i]);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}

/* ------------------------------------------------------------------------ */
/* Response                                                                  */
/* ------------------------------------------------------------------------ */

static void wr_record_errors(mb_wr *w, int flex, const mb_produce_partition_resp *p)
{
    int32_t i;
    if (p->n_record_errors < 0 || (p->n_record_errors > 0 && !p->record_errors)) {
        mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
        return;
    }
    mb_wr_array_v(w, flex, p->n_record_errors);
    for (i = 0; i < p->n_record_errors && !w->err; i++) {
        mb_wr_i32(w, p->record_errors[i].batch_index);
        mb_wr_nstr_v(w, flex, p->record_errors[i].batch_index_error_message);
        if (flex)
            mb_wr_tags_none(w);
    }
}

static void wr_part_resp(mb_wr *w, int16_t version, int flex, const mb_produce_partition_resp *p)
{
    mb_wr_i32(w, p->index);
    mb_wr_i16(w, p->error_code);
    mb_wr_i64(w, p->base_offset);
    mb_wr_i64(w, p->log_append_time_ms);
    if (version >= 5)
        mb_wr_i64(w, p->log_start_offset);
    if (version >= 8) {
        wr_record_errors(w, flex, p);
        mb_wr_nstr_v(w, flex, p->error_message);
    }
    if (flex)
        mb_wr_tags_none(w);
}

static void wr_topic_resp(mb_wr *w, int16_t version, int flex, const mb_produce_topic_resp *t)
{
    int32_t i;
    mb_wr_str_v(w, flex, t->name);
    if (t->n_partition_responses < 0 || (t->n_partition_responses > 0 && !t->partition_responses)) {
        mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
        return;
    }
    mb_wr_array_v(w, flex, t->n_partition_responses);
    for (i = 0; i < t->n_partition_responses && !w->err; i++)
        wr_part_resp(w, version, flex, &t->partition_responses[i]);
    if (flex)
        mb_wr_tags_none(w);
}

int mb_produce_resp_write(mb_wr *w, int16_t version, const mb_produce_resp *resp)
{
    int flex;
    int32_t i;
    if (!mb_api_supported(MB_API_PRODUCE, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    if (resp->n_responses < 0 || (resp->n_responses > 0 && !resp->responses))
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    flex = mb_api_is_flexible(MB_API_PRODUCE, version);
    mb_wr_array_v(w, flex, resp->n_responses);
    for (i = 0; i < resp->n_responses && !w->err; i++)
        wr_topic_resp(w, version, flex, &resp->responses[i]);
    mb_wr_i32(w, resp->throttle_time_ms);
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

static void rd_record_errors(mb_rd *r, int flex, mb_arena *a, mb_produce_partition_resp *p)
{
    int32_t i;
    if (mb_rd_array_v(r, flex, MIN_RECORD_ERROR, &p->n_record_errors))
        return;
    p->record_errors = mb_rd_alloc(r, a, p->n_record_errors, sizeof *p->record_errors);
    for (i = 0; i < p->n_record_errors && !r->err; i++) {
        mb_rd_i32(r, &p->record_errors[i].batch_index);
        mb_rd_nstr_v(r, flex, &p->record_errors[i].batch_index_error_message);
        if (flex)
            mb_rd_tags(r, NULL, NULL);
    }
}

static void rd_part_resp(mb_rd *r, int16_t version, int flex, mb_arena *a,
                         mb_produce_partition_resp *p)
{
    p->log_start_offset = -1;
    p->error_message = MB_STR_NULL;
    mb_rd_i32(r, &p->index);
    mb_rd_i16(r, &p->error_code);
    mb_rd_i64(r, &p->base_offset);
    mb_rd_i64(r, &p->log_append_time_ms);
    if (version >= 5)
        mb_rd_i64(r, &p->log_start_offset);
    if (version >= 8) {
        rd_record_errors(r, flex, a, p);
        mb_rd_nstr_v(r, flex, &p->error_message);
    }
    if (flex)
        mb_rd_tags(r, NULL, NULL);
}

static int rd_topic_resp(mb_rd *r, int16_t version, int flex, mb_arena *a, mb_produce_topic_resp *t)
{
    int32_t i;
    mb_rd_str_v(r, flex, &t->name);
    if (mb_rd_array_v(r, flex, MIN_PART_RESP, &t->n_partition_responses))
        return r->err;
    t->partition_responses =
        mb_rd_alloc(r, a, t->n_partition_responses, sizeof *t->partition_responses);
    for (i = 0; i < t->n_partition_responses && !r->err; i++)
        rd_part_resp(r, version, flex, a, &t->partition_responses[i]);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return r->err;
}

int mb_produce_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_produce_resp *resp)
{
    int flex;
    int32_t i;
    memset(resp, 0, sizeof *resp);
    if (!mb_api_supported(MB_API_PRODUCE, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_PRODUCE, version);
    if (mb_rd_array_v(r, flex, MIN_TOPIC(flex), &resp->n_responses))
        return r->err;
    resp->responses = mb_rd_alloc(r, a, resp->n_responses, sizeof *resp->responses);
    for (i = 0; i < resp->n_responses && !r->err; i++)
        rd_topic_resp(r, version, flex, a, &resp->responses[i]);
    mb_rd_i32(r, &resp->throttle_time_ms);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}
