/* fuzz_list_offsets.c - libFuzzer target: ListOffsets bodies (harness: fuzz_body.h). */
#include "proto/list_offsets.h"

#include "fuzz_body.h"

FZ_BODY_OPS(list_offsets_req)
FZ_BODY_OPS(list_offsets_resp)

static const fz_msg msgs[] = {
    {MB_API_LIST_OFFSETS, list_offsets_req_rd, list_offsets_req_wr},
    {MB_API_LIST_OFFSETS, list_offsets_resp_rd, list_offsets_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
