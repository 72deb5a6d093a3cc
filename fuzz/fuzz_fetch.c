/* fuzz_fetch.c - libFuzzer target: Fetch bodies (harness: fuzz_body.h). */
#include "proto/fetch.h"

#include "fuzz_body.h"

FZ_BODY_OPS(fetch_req)
FZ_BODY_OPS(fetch_resp)

static const fz_msg msgs[] = {
    {MB_API_FETCH, fetch_req_rd, fetch_req_wr},
    {MB_API_FETCH, fetch_resp_rd, fetch_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
