/*
 * init_producer_id.c - InitProducerId bodies, per Kafka's
 * InitProducerIdRequest.json / InitProducerIdResponse.json (v0-v4; the
 * response does not change after v2).
 */
#include "init_producer_id.h"

#include <string.h>

int mb_init_producer_id_req_write(mb_wr *w, int16_t version, const mb_init_producer_id_req *req)
{
    int flex;
    if (!mb_api_supported(MB_API_INIT_PRODUCER_ID, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_INIT_PRODUCER_ID, version);
    mb_wr_nstr_v(w, flex, req->transactional_id);
    mb_wr_i32(w, req->transaction_timeout_ms);
    if (version >= 3) {
        mb_wr_i64(w, req->producer_id);
        mb_wr_i16(w, req->producer_epoch);
    }
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

int mb_init_producer_id_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                 mb_init_producer_id_req *req)
{
    int flex;
    (void)a;
    memset(req, 0, sizeof *req);
    req->transactional_id = MB_STR_NULL;
    req->producer_id = -1;
    req->producer_epoch = -1;
    if (!mb_api_supported(MB_API_INIT_PRODUCER_ID, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_INIT_PRODUCER_ID, version);
    mb_rd_nstr_v(r, flex, &req->transactional_id);
    mb_rd_i32(r, &req->transaction_timeout_ms);
    if (version >= 3) {
        mb_rd_i64(r, &req->producer_id);
        mb_rd_i16(r, &req->producer_epoch);
    }
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}

int mb_init_producer_id_resp_write(mb_wr *w, int16_t version, const mb_init_producer_id_resp *resp)
{
    int flex;
    if (!mb_api_supported(MB_API_INIT_PRODUCER_ID, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_INIT_PRODUCER_ID, version);
    mb_wr_i32(w, resp->throttle_time_ms);
    mb_wr_i16(w, resp->error_code);
    mb_wr_i64(w, resp->producer_id);
    mb_wr_i16(w, resp->producer_epoch);
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

int mb_init_producer_id_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                  mb_init_producer_id_resp *resp)
{
    int flex;
    (void)a;
    memset(resp, 0, sizeof *resp);
    resp->producer_id = -1;
    if (!mb_api_supported(MB_API_INIT_PRODUCER_ID, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_INIT_PRODUCER_ID, version);
    mb_rd_i32(r, &resp->throttle_time_ms);
    mb_rd_i16(r, &resp->error_code);
    mb_rd_i64(r, &resp->producer_id);
    mb_rd_i16(r, &resp->producer_epoch);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}
