/*
 * group.h - the classic consumer-group APIs: JoinGroup v2-v6, SyncGroup v1-v4,
 * Heartbeat v1-v4 and LeaveGroup v1-v4 (flexible from JoinGroup v6, the others
 * from v4), per Kafka's JoinGroup*.json, SyncGroup*.json, Heartbeat*.json and
 * LeaveGroup*.json. Member metadata and assignments are opaque bytes here;
 * consumer_protocol.h decodes them. No field of these versions is tagged.
 */
#ifndef MB_PROTO_GROUP_H
#define MB_PROTO_GROUP_H

#include "api.h"

/* ---- JoinGroup ---- */

typedef struct mb_join_group_protocol {
    mb_str name;
    mb_bytes metadata; /**< not null */
} mb_join_group_protocol;

typedef struct mb_join_group_req {
    mb_str group_id;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    mb_str member_id;         /**< "" on the first join */
    mb_str group_instance_id; /**< v5+, nullable (default null) */
    mb_str protocol_type;     /**< "consumer" */
    mb_join_group_protocol *protocols;
    int32_t n_protocols;
} mb_join_group_req;

typedef struct mb_join_group_member {
    mb_str member_id;
    mb_str group_instance_id; /**< v5+, nullable (default null) */
    mb_bytes metadata;        /**< not null */
} mb_join_group_member;

typedef struct mb_join_group_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    int32_t generation_id;
    mb_str protocol_name;
    mb_str leader;
    mb_str member_id;
    mb_join_group_member *members; /**< filled for the leader only */
    int32_t n_members;
} mb_join_group_resp;

int mb_join_group_req_write(mb_wr *w, int16_t version, const mb_join_group_req *req);
int mb_join_group_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_join_group_req *req);
int mb_join_group_resp_write(mb_wr *w, int16_t version, const mb_join_group_resp *resp);
int mb_join_group_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_join_group_resp *resp);

/* ---- SyncGroup ---- */

typedef struct mb_sync_group_assignment {
    mb_str member_id;
    mb_bytes assignment; /**< not null */
} mb_sync_group_assignment;

typedef struct mb_sync_group_req {
    mb_str group_id;
    int32_t generation_id;
    mb_str member_id;
    mb_str group_instance_id;              /**< v3+, nullable (default null) */
    mb_sync_group_assignment *assignments; /**< the leader's; empty from followers */
    int32_t n_assignments;
} mb_sync_group_req;

typedef struct mb_sync_group_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    mb_bytes assignment; /**< null (len -1) accepted: brokers send it with an error */
} mb_sync_group_resp;

int mb_sync_group_req_write(mb_wr *w, int16_t version, const mb_sync_group_req *req);
int mb_sync_group_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_sync_group_req *req);
int mb_sync_group_resp_write(mb_wr *w, int16_t version, const mb_sync_group_resp *resp);
int mb_sync_group_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_sync_group_resp *resp);

/* ---- Heartbeat ---- */

typedef struct mb_heartbeat_req {
    mb_str group_id;
    int32_t generation_id;
    mb_str member_id;
    mb_str group_instance_id; /**< v3+, nullable (default null) */
} mb_heartbeat_req;

typedef struct mb_heartbeat_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
} mb_heartbeat_resp;

int mb_heartbeat_req_write(mb_wr *w, int16_t version, const mb_heartbeat_req *req);
int mb_heartbeat_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_heartbeat_req *req);
int mb_heartbeat_resp_write(mb_wr *w, int16_t version, const mb_heartbeat_resp *resp);
int mb_heartbeat_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_heartbeat_resp *resp);

/* ---- LeaveGroup ---- */

typedef struct mb_leave_group_member {
    mb_str member_id;
    mb_str group_instance_id; /**< nullable */
    int16_t error_code;       /**< response only */
} mb_leave_group_member;

typedef struct mb_leave_group_req {
    mb_str group_id;
    mb_str member_id;               /**< v1-v2 only */
    mb_leave_group_member *members; /**< v3+ (error_code unused) */
    int32_t n_members;
} mb_leave_group_req;

typedef struct mb_leave_group_resp {
    int32_t throttle_time_ms;
    int16_t error_code;
    mb_leave_group_member *members; /**< v3+ */
    int32_t n_members;
} mb_leave_group_resp;

int mb_leave_group_req_write(mb_wr *w, int16_t version, const mb_leave_group_req *req);
int mb_leave_group_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_leave_group_req *req);
int mb_leave_group_resp_write(mb_wr *w, int16_t version, const mb_leave_group_resp *resp);
int mb_leave_group_resp_read(mb_rd *r, int16_t version, mb_arena *a, mb_leave_group_resp *resp);

#endif /* MB_PROTO_GROUP_H */
