/* fuzz_offsets.c - libFuzzer target: OffsetCommit and OffsetFetch bodies (harness: fuzz_body.h). */
#include "proto/offsets.h"

#include "fuzz_body.h"

FZ_BODY_OPS(offset_commit_req)
FZ_BODY_OPS(offset_commit_resp)
FZ_BODY_OPS(offset_fetch_req)
FZ_BODY_OPS(offset_fetch_resp)

static const fz_msg msgs[] = {
    {MB_API_OFFSET_COMMIT, offset_commit_req_rd, offset_commit_req_wr},
    {MB_API_OFFSET_COMMIT, offset_commit_resp_rd, offset_commit_resp_wr},
    {MB_API_OFFSET_FETCH, offset_fetch_req_rd, offset_fetch_req_wr},
    {MB_API_OFFSET_FETCH, offset_fetch_resp_rd, offset_fetch_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
