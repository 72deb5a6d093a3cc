/* fuzz_headers.c - request/response headers and tagged-field sections.
 * Byte 0 selects: 0 request header v1, 1 request header v2, 2 response header
 * v0, 3 response header v1, 4 a bare tagged-field section. A decoded header is
 * re-encoded and decoded again; any difference aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/api.h"

static void req_roundtrip(const uint8_t *data, size_t size, int hv)
{
    static uint8_t out[70000];
    mb_rd r;
    mb_wr w;
    mb_req_hdr h, h2;
    mb_rd_init(&r, data, size);
    if (mb_req_hdr_read(&r, hv, &h))
        return;
    mb_wr_init(&w, out, sizeof out);
    if (mb_req_hdr_write(&w, hv, &h))
        abort();
    mb_rd_init(&r, out, w.len);
    if (mb_req_hdr_read(&r, hv, &h2) || mb_rd_end(&r))
        abort();
    if (h.api_key != h2.api_key || h.api_version != h2.api_version ||
        h.correlation_id != h2.correlation_id || !mb_str_eq(h.client_id, h2.client_id))
        abort();
}

static int count_tags(void *ctx, uint32_t tag, mb_rd *field)
{
    (void)tag;
    (void)field;
    (*(int *)ctx)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mb_rd r;
    int32_t corr;
    int seen = 0;
    if (size < 1)
        return 0;
    switch (data[0] % 5) {
    case 0:
    case 1:
        req_roundtrip(data + 1, size - 1, 1 + data[0] % 5);
        break;
    case 2:
    case 3:
        mb_rd_init(&r, data + 1, size - 1);
        if (mb_resp_hdr_read(&r, data[0] % 5 - 2, &corr) == 0 && r.left > size)
            abort();
        break;
    default:
        mb_rd_init(&r, data + 1, size - 1);
        if (mb_rd_tags(&r, count_tags, &seen) == 0 && seen > MSGBUS_CFG_MAX_TAGGED_FIELDS)
            abort();
        break;
    }
    return 0;
}
