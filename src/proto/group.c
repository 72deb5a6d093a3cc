/*
 * group.c - JoinGroup, SyncGroup, Heartbeat and LeaveGroup bodies (see group.h).
 */
#include "group.h"

/* Version in range and flexible or not: -1 when out of range. */
static int flex_of(int16_t key, int16_t version)
{
    if (!mb_api_supported(key, version))
        return -1;
    return mb_api_is_flexible(key, version);
}

/* ------------------------------------------------------------------------ */
/* JoinGroup                                                                 */
/* ------------------------------------------------------------------------ */

int mb_join_group_req_write(mb_wr *w, int16_t version, const mb_join_group_req *req)
{
    int flex = flex_of(MB_API_JOIN_GROUP, version);
    int32_t i;
    if (flex < 0)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_str_v(w, flex, req->group_id);
    mb_wr_i32(w, req->session_timeout_ms);
    mb_wr_i32(w, req->rebalance_timeout_ms);
    mb_wr_str_v(w, flex, req->member_id);
    if (version >= 5)
        mb_wr_nstr_v(w, flex, req->group_instance_id);
    mb_wr_str_v(w, flex, req->protocol_type);
    mb_wr_count_v(w, flex, req->n_protocols, req->protocols);
    for (i = 0; i < req->n_protocols && !w->err; i++) {
        mb_wr_str_v(w, flex, req->protocols[i].name);
        mb_wr_bytes_v(w, flex, req->protocols[i].metadata);
        mb_wr_tags_v(w, flex);
    }
    return mb_wr_tags_v(w, flex);
}

int mb_join_group_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_join_group_req *req)
{
    int flex = flex_of(MB_API_JOIN_GROUP, version);
    int32_t i;
    if (flex < 0)
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    req->group_instance_id = MB_STR_NULL;
    mb_rd_str_v(r, flex, &req->group_id);
    mb_rd_i32(r, &req->session_timeout_ms);
    mb_rd_i32(r, &req->rebalance_timeout_ms);
    mb_rd_str_v(r, flex, &req->member_id);
    if (version >= 5)
        mb_rd_nstr_v(r, flex, &req->group_instance_id);
    mb_rd_str_v(r, flex, &req->protocol_type);
    mb_rd_array_v(r, flex, flex ? 3 : 6, &req->n_protocols);
    req->protocols = mb_rd_alloc(r, a, req->n_protocols, sizeof *req->protocols);
    for (i = 0; i < req->n_protocols && !r->err; i++) {
        mb_rd_str_v(r, flex, &req->protocols[i].name);
        mb_rd_bytes_v(r, flex, &req->protocols[i].metadata);
        mb_rd_tags_v(r, flex);
    }
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

int mb_join_group_resp_write(mb_wr *w, int16_t version, const mb_join_group_resp *resp)
{
    int flex = flex_of(MB_API_JOIN_GROUP, version);
    int32_t i;
    if (flex < 0)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_i32(w, resp->throttle_time_ms);
    mb_wr_i16(w, resp->error_code);
    mb_wr_i32(w, resp->generation_id);
    mb_wr_str_v(w, flex, resp->protocol_name);
    mb_wr_str_v(w, flex, resp->leader);
    mb_wr_str_v(w, flex, resp->member_id);
    mb_wr_count_v(w, flex, resp->n_members, resp->members);
    for (i = 0; i < resp->n_members && !w->err; i++) {
        mb_wr_str_v(w, flex, resp->members[i].member_id);
        if (version >= 5)
            mb_wr_nstr_v(w, flex, resp->members[i].group_instance_id);
        mb_wr_bytes_v(w, flex, resp->members[i].metadata);
        mb_wr_tags_v(w, flex);
    }
    return mb_wr_tags_v(w, flex);
}

int mb_join_group_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_join_group_resp *resp)
{
    int flex = flex_of(MB_API_JOIN_GROUP, version);
    int32_t i;
    if (flex < 0)
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_i32(r, &resp->throttle_time_ms);
    mb_rd_i16(r, &resp->error_code);
    mb_rd_i32(r, &resp->generation_id);
    mb_rd_str_v(r, flex, &resp->protocol_name);
    mb_rd_str_v(r, flex, &resp->leader);
    mb_rd_str_v(r, flex, &resp->member_id);
    mb_rd_array_v(r, flex, flex ? 3 : 6, &resp->n_members);
    resp->members = mb_rd_alloc(r, a, resp->n_members, sizeof *resp->members);
    for (i = 0; i < resp->n_members && !r->err; i++) {
        mb_join_group_member *m = &resp->members[i];
        m->group_instance_id = MB_STR_NULL;
        mb_rd_str_v(r, flex, &m->member_id);
        if (version >= 5)
            mb_rd_nstr_v(r, flex, &m->group_instance_id);
        mb_rd_bytes_v(r, flex, &m->metadata);
        mb_rd_tags_v(r, flex);
    }
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

/* ------------------------------------------------------------------------ */
/* SyncGroup                                                                 */
/* ------------------------------------------------------------------------ */

int mb_sync_group_req_write(mb_wr *w, int16_t version, const mb_sync_group_req *req)
{
    int flex = flex_of(MB_API_SYNC_GROUP, version);
    int32_t i;
    if (flex < 0)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_str_v(w, flex, req->group_id);
    mb_wr_i32(w, req->generation_id);
    mb_wr_str_v(w, flex, req->member_id);
    if (version >= 3)
        mb_wr_nstr_v(w, flex, req->group_instance_id);
    mb_wr_count_v(w, flex, req->n_assignments, req->assignments);
    for (i = 0; i < req->n_assignments && !w->err; i++) {
        mb_wr_str_v(w, flex, req->assignments[i].member_id);
        mb_wr_bytes_v(w, flex, req->assignments[i].assignment);
        mb_wr_tags_v(w, flex);
    }
    return mb_wr_tags_v(w, flex);
}

int mb_sync_group_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_sync_group_req *req)
{
    int flex = flex_of(MB_API_SYNC_GROUP, version);
    int32_t i;
    if (flex < 0)
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    req->group_instance_id = MB_STR_NULL;
    mb_rd_str_v(r, flex, &req->group_id);
    mb_rd_i32(r, &req->generation_id);
    mb_rd_str_v(r, flex, &req->member_id);
    if (version >= 3)
        mb_rd_nstr_v(r, flex, &req->group_instance_id);
    mb_rd_array_v(r, flex, flex ? 3 : 6, &req->n_assignments);
    req->assignments = mb_rd_alloc(r, a, req->n_assignments, sizeof *req->assignments);
    for (i = 0; i < req->n_assignments && !r->err; i++) {
        mb_rd_str_v(r, flex, &req->assignments[i].member_id);
        mb_rd_bytes_v(r, flex, &req->assignments[i].assignment);
        mb_rd_tags_v(r, flex);
    }
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

int mb_sync_group_resp_write(mb_wr *w, int16_t version, const mb_sync_group_resp *resp)
{
    int flex = flex_of(MB_API_SYNC_GROUP, version);
    if (flex < 0)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_i32(w, resp->throttle_time_ms);
    mb_wr_i16(w, resp->error_code);
    mb_wr_nbytes_v(w, flex, resp->assignment); /* null as the reader accepts it */
    return mb_wr_tags_v(w, flex);
}

int mb_sync_group_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_sync_group_resp *resp)
{
    int flex = flex_of(MB_API_SYNC_GROUP, version);
    (void)a;
    if (flex < 0)
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_i32(r, &resp->throttle_time_ms);
    mb_rd_i16(r, &resp->error_code);
    /* Not nullable in the schema, but brokers answer an error with a null
     * assignment (librdkafka's mock cluster does): take it as null. */
    mb_rd_nbytes_v(r, flex, &resp->assignment);
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

/* ------------------------------------------------------------------------ */
/* Heartbeat                                                                 */
/* ------------------------------------------------------------------------ */

int mb_heartbeat_req_write(mb_wr *w, int16_t version, const mb_heartbeat_req *req)
{
    int flex = flex_of(MB_API_HEARTBEAT, version);
    if (flex < 0)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_str_v(w, flex, req->group_id);
    mb_wr_i32(w, req->generation_id);
    mb_wr_str_v(w, flex, req->member_id);
    if (version >= 3)
        mb_wr_nstr_v(w, flex, req->group_instance_id);
    return mb_wr_tags_v(w, flex);
}

int mb_heartbeat_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_heartbeat_req *req)
{
    int flex = flex_of(MB_API_HEARTBEAT, version);
    (void)a;
    if (flex < 0)
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    req->group_instance_id = MB_STR_NULL;
    mb_rd_str_v(r, flex, &req->group_id);
    mb_rd_i32(r, &req->generation_id);
    mb_rd_str_v(r, flex, &req->member_id);
    if (version >= 3)
        mb_rd_nstr_v(r, flex, &req->group_instance_id);
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

int mb_heartbeat_resp_write(mb_wr *w, int16_t version, const mb_heartbeat_resp *resp)
{
    int flex = flex_of(MB_API_HEARTBEAT, version);
    if (flex < 0)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_i32(w, resp->throttle_time_ms);
    mb_wr_i16(w, resp->error_code);
    return mb_wr_tags_v(w, flex);
}

int mb_heartbeat_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_heartbeat_resp *resp)
{
    int flex = flex_of(MB_API_HEARTBEAT, version);
    (void)a;
    if (flex < 0)
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_i32(r, &resp->throttle_time_ms);
    mb_rd_i16(r, &resp->error_code);
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

/* ------------------------------------------------------------------------ */
/* LeaveGroup                                                                */
/* ------------------------------------------------------------------------ */

int mb_leave_group_req_write(mb_wr *w, int16_t version, const mb_leave_group_req *req)
{
    int flex = flex_of(MB_API_LEAVE_GROUP, version);
    int32_t i;
    if (flex < 0)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_str_v(w, flex, req->group_id);
    if (version <= 2)
        return mb_wr_str_v(w, flex, req->member_id);
    mb_wr_count_v(w, flex, req->n_members, req->members);
    for (i = 0; i < req->n_members && !w->err; i++) {
        mb_wr_str_v(w, flex, req->members[i].member_id);
        mb_wr_nstr_v(w, flex, req->members[i].group_instance_id);
        mb_wr_tags_v(w, flex);
    }
    return mb_wr_tags_v(w, flex);
}

int mb_leave_group_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_leave_group_req *req)
{
    int flex = flex_of(MB_API_LEAVE_GROUP, version);
    int32_t i;
    if (flex < 0)
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    req->member_id = MB_STR_NULL;
    req->members = NULL;
    req->n_members = 0;
    mb_rd_str_v(r, flex, &req->group_id);
    if (version <= 2) {
        mb_rd_str_v(r, flex, &req->member_id);
        return mb_rd_end(r);
    }
    mb_rd_array_v(r, flex, flex ? 3 : 4, &req->n_members);
    req->members = mb_rd_alloc(r, a, req->n_members, sizeof *req->members);
    for (i = 0; i < req->n_members && !r->err; i++) {
        mb_rd_str_v(r, flex, &req->members[i].member_id);
        mb_rd_nstr_v(r, flex, &req->members[i].group_instance_id);
        mb_rd_tags_v(r, flex);
    }
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}

int mb_leave_group_resp_write(mb_wr *w, int16_t version, const mb_leave_group_resp *resp)
{
    int flex = flex_of(MB_API_LEAVE_GROUP, version);
    int32_t i;
    if (flex < 0)
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_i32(w, resp->throttle_time_ms);
    mb_wr_i16(w, resp->error_code);
    if (version <= 2)
        return w->err;
    mb_wr_count_v(w, flex, resp->n_members, resp->members);
    for (i = 0; i < resp->n_members && !w->err; i++) {
        mb_wr_str_v(w, flex, resp->members[i].member_id);
        mb_wr_nstr_v(w, flex, resp->members[i].group_instance_id);
        mb_wr_i16(w, resp->members[i].error_code);
        mb_wr_tags_v(w, flex);
    }
    return mb_wr_tags_v(w, flex);
}

int mb_leave_group_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_leave_group_resp *resp)
{
    int flex = flex_of(MB_API_LEAVE_GROUP, version);
    int32_t i;
    if (flex < 0)
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    resp->members = NULL;
    resp->n_members = 0;
    mb_rd_i32(r, &resp->throttle_time_ms);
    mb_rd_i16(r, &resp->error_code);
    if (version <= 2)
        return mb_rd_end(r);
    mb_rd_array_v(r, flex, flex ? 5 : 6, &resp->n_members);
    resp->members = mb_rd_alloc(r, a, resp->n_members, sizeof *resp->members);
    for (i = 0; i < resp->n_members && !r->err; i++) {
        mb_rd_str_v(r, flex, &resp->members[i].member_id);
        mb_rd_nstr_v(r, flex, &resp->members[i].group_instance_id);
        mb_rd_i16(r, &resp->members[i].error_code);
        mb_rd_tags_v(r, flex);
    }
    mb_rd_tags_v(r, flex);
    return mb_rd_end(r);
}
