/* fuzz_api_versions.c - libFuzzer target: ApiVersions bodies (harness: fuzz_body.h). */
#include "proto/api_versions.h"

#include "fuzz_body.h"

FZ_BODY_OPS(api_versions_req)

static int api_versions_resp_rd(mb_rd *r, int16_t v, mb_arena *a, void *m)
{
    return mb_api_versions_resp_read(r, v, a, m);
}

/* An UNSUPPORTED_VERSION answer decodes in the v0 layout: re-encode it so. */
static int api_versions_resp_wr(mb_wr *w, int16_t v, const void *m)
{
    const mb_api_versions_resp *resp = m;
    if (resp->error_code == MSGBUS_KERR_UNSUPPORTED_VERSION)
        v = 0;
    return mb_api_versions_resp_write(w, v, m);
}

static const fz_msg msgs[] = {
    {MB_API_API_VERSIONS, api_versions_req_rd, api_versions_req_wr},
    {MB_API_API_VERSIONS, api_versions_resp_rd, api_versions_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
