/*
 * find_coordinator.c - FindCoordinator bodies, per Kafka's
 * FindCoordinatorRequest.json / FindCoordinatorResponse.json (v1-v3, where the
 * single Key / NodeId / Host / Port layout applies).
 */
#include "find_coordinator.h"

#include <string.h>

int mb_find_coordinator_req_write(mb_wr *w, int16_t version, const mb_find_coordinator_req *req)
{
    int flex;
    if (!mb_api_supported(MB_API_FIND_COORDINATOR, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_FIND_COORDINATOR, version);
    mb_wr_str_v(w, flex, req->key);
    mb_wr_i8(w, req->key_type);
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

int mb_find_coordinator_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                 mb_find_coordinator_req *req)
{
    int flex;
    (void)a;
    memset(req, 0, sizeof *req);
    if (!mb_api_supported(MB_API_FIND_COORDINATOR, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_FIND_COORDINATOR, version);
    mb_rd_str_v(r, flex, &req->key);
    mb_rd_i8(r, &req->key_type);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}

int mb_find_coordinator_resp_write(mb_wr *w, int16_t version, const mb_find_coordinator_resp *resp)
{
    int flex;
    if (!mb_api_supported(MB_API_FIND_COORDINATOR, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_FIND_COORDINATOR, version);
    mb_wr_i32(w, resp->throttle_time_ms);
    mb_wr_i16(w, resp->error_code);
    mb_wr_nstr_v(w, flex, resp->error_message);
    mb_wr_i32(w, resp->node_id);
    mb_wr_str_v(w, flex, resp->host);
    mb_wr_i32(w, resp->port);
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

int mb_find_coordinator_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                  mb_find_coordinator_resp *resp)
{
    int flex;
    (void)a;
    memset(resp, 0, sizeof *resp);
    resp->error_message = MB_STR_NULL;
    if (!mb_api_supported(MB_API_FIND_COORDINATOR, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_FIND_COORDINATOR, version);
    mb_rd_i32(r, &resp->throttle_time_ms);
    mb_rd_i16(r, &resp->error_code);
    mb_rd_nstr_v(r, flex, &resp->error_message);
    mb_rd_i32(r, &resp->node_id);
    mb_rd_str_v(r, flex, &resp->host);
    mb_rd_i32(r, &resp->port);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}
