/* fuzz_init_producer_id.c - libFuzzer target: InitProducerId bodies (harness: fuzz_body.h). */
#include "proto/init_producer_id.h"

#include "fuzz_body.h"

FZ_BODY_OPS(init_producer_id_req)
FZ_BODY_OPS(init_producer_id_resp)

static const fz_msg msgs[] = {
    {MB_API_INIT_PRODUCER_ID, init_producer_id_req_rd, init_producer_id_req_wr},
    {MB_API_INIT_PRODUCER_ID, init_producer_id_resp_rd, init_producer_id_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
