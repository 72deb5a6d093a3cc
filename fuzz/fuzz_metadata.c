/* fuzz_metadata.c - libFuzzer target: Metadata bodies (harness: fuzz_body.h). */
#include "proto/metadata.h"

#include "fuzz_body.h"

FZ_BODY_OPS(metadata_req)
FZ_BODY_OPS(metadata_resp)

static const fz_msg msgs[] = {
    {MB_API_METADATA, metadata_req_rd, metadata_req_wr},
    {MB_API_METADATA, metadata_resp_rd, metadata_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
