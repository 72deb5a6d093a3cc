/* fuzz_find_coordinator.c - libFuzzer target: FindCoordinator bodies (harness: fuzz_body.h). */
#include "proto/find_coordinator.h"

#include "fuzz_body.h"

FZ_BODY_OPS(find_coordinator_req)
FZ_BODY_OPS(find_coordinator_resp)

static const fz_msg msgs[] = {
    {MB_API_FIND_COORDINATOR, find_coordinator_req_rd, find_coordinator_req_wr},
    {MB_API_FIND_COORDINATOR, find_coordinator_resp_rd, find_coordinator_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
