/*
 * fuzz_list_offsets.c - libFuzzer target for the ListOffsets bodies.
 * Input: byte 0 picks the message (even: request, odd: response), byte 1 the
 * version (mod the supported range), the rest is the body. A successful decode
 * is re-encoded, decoded again and re-encoded again; the second decode must
 * succeed and both encodings must be identical.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/list_offsets.h"

typedef union any_msg {
    mb_list_offsets_req q;
    mb_list_offsets_resp r;
} any_msg;

static uint64_t arena1[1 << 17], arena2[1 << 17];
static uint8_t enc1[1 << 20], enc2[1 << 20];

static int decode(int resp, int16_t v, const uint8_t *p, size_t n, uint64_t *store, any_msg *m)
{
    mb_arena a;
    mb_rd r;
    mb_arena_init(&a, store, sizeof arena1);
    mb_rd_init(&r, p, n);
    if (resp)
        return mb_list_offsets_resp_read(&r, v, &a, &m->r);
    return mb_list_offsets_req_read(&r, v, &a, &m->q);
}

static int encode(int resp, int16_t v, const any_msg *m, uint8_t *out, size_t *len)
{
    mb_wr w;
    int rc;
    mb_wr_init(&w, out, sizeof enc1);
    if (resp)
        rc = mb_list_offsets_resp_write(&w, v, &m->r);
    else
        rc = mb_list_offsets_req_write(&w, v, &m->q);
    *len = w.len;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mb_api_info *info = mb_api_lookup(MB_API_LIST_OFFSETS);
    any_msg m1, m2;
    size_t n1, n2;
    int resp;
    int16_t v;
    if (size < 2 || !info)
        return 0;
    resp = data[0] & 1;
    v = (int16_t)(info->min_version + data[1] % (info->max_version - info->min_version + 1));
    if (decode(resp, v, data + 2, size - 2, arena1, &m1) != 0)
        return 0;
    if (encode(resp, v, &m1, enc1, &n1) != 0)
        abort(); /* whatever decodes must encode */
    if (n1 > size - 2)
        abort(); /* canonical re-encoding is never longer than the input */
    if (decode(resp, v, enc1, n1, arena2, &m2) != 0)
        abort();
    if (encode(resp, v, &m2, enc2, &n2) != 0 || n1 != n2 || memcmp(enc1, enc2, n1) != 0)
        abort();
    return 0;
}
