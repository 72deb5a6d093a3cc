/* fuzz_produce.c - libFuzzer target: Produce bodies (harness: fuzz_body.h). */
#include "proto/produce.h"

#include "fuzz_body.h"

FZ_BODY_OPS(produce_req)
FZ_BODY_OPS(produce_resp)

static const fz_msg msgs[] = {
    {MB_API_PRODUCE, produce_req_rd, produce_req_wr},
    {MB_API_PRODUCE, produce_resp_rd, produce_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
