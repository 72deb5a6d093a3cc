/* fuzz_group.c - libFuzzer target: JoinGroup, SyncGroup, Heartbeat and LeaveGroup bodies
 * (harness: fuzz_body.h). */
#include "proto/group.h"

#include "fuzz_body.h"

FZ_BODY_OPS(join_group_req)
FZ_BODY_OPS(join_group_resp)
FZ_BODY_OPS(sync_group_req)
FZ_BODY_OPS(sync_group_resp)
FZ_BODY_OPS(heartbeat_req)
FZ_BODY_OPS(heartbeat_resp)
FZ_BODY_OPS(leave_group_req)
FZ_BODY_OPS(leave_group_resp)

static const fz_msg msgs[] = {
    {MB_API_JOIN_GROUP, join_group_req_rd, join_group_req_wr},
    {MB_API_JOIN_GROUP, join_group_resp_rd, join_group_resp_wr},
    {MB_API_SYNC_GROUP, sync_group_req_rd, sync_group_req_wr},
    {MB_API_SYNC_GROUP, sync_group_resp_rd, sync_group_resp_wr},
    {MB_API_HEARTBEAT, heartbeat_req_rd, heartbeat_req_wr},
    {MB_API_HEARTBEAT, heartbeat_resp_rd, heartbeat_resp_wr},
    {MB_API_LEAVE_GROUP, leave_group_req_rd, leave_group_req_wr},
    {MB_API_LEAVE_GROUP, leave_group_resp_rd, leave_group_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
