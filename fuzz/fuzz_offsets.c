/*
 * fuzz_offsets.c - libFuzzer target for the OffsetCommit / OffsetFetch bodies.
 * Input: byte 0 picks the message (mod 4: commit req, commit resp, fetch req,
 * fetch resp), byte 1 the version (mod the supported range), the rest is the
 * body. A successful decode is re-encoded, decoded again and re-encoded again;
 * the second decode must succeed and both encodings must be identical.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/offsets.h"

typedef union any_msg {
    mb_offset_commit_req ocq;
    mb_offset_commit_resp ocr;
    mb_offset_fetch_req ofq;
    mb_offset_fetch_resp ofr;
} any_msg;

static uint64_t arena1[1 << 17], arena2[1 << 17];
static uint8_t enc1[1 << 20], enc2[1 << 20];

static int decode(int kind, int16_t v, const uint8_t *p, size_t n, uint64_t *store, any_msg *m)
{
    mb_arena a;
    mb_rd r;
    mb_arena_init(&a, store, sizeof arena1);
    mb_rd_init(&r, p, n);
    switch (kind) {
    case 0:
        return mb_offset_commit_req_read(&r, v, &a, &m->ocq);
    case 1:
        return mb_offset_commit_resp_read(&r, v, &a, &m->ocr);
    case 2:
        return mb_offset_fetch_req_read(&r, v, &a, &m->ofq);
    default:
        return mb_offset_fetch_resp_read(&r, v, &a, &m->ofr);
    }
}

static int encode(int kind, int16_t v, const any_msg *m, uint8_t *out, size_t *len)
{
    mb_wr w;
    int rc;
    mb_wr_init(&w, out, sizeof enc1);
    switch (kind) {
    case 0:
        rc = mb_offset_commit_req_write(&w, v, &m->ocq);
        break;
    case 1:
        rc = mb_offset_commit_resp_write(&w, v, &m->ocr);
        break;
    case 2:
        rc = mb_offset_fetch_req_write(&w, v, &m->ofq);
        break;
    default:
        rc = mb_offset_fetch_resp_write(&w, v, &m->ofr);
        break;
    }
    *len = w.len;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int16_t keys[4] = {MB_API_OFFSET_COMMIT, MB_API_OFFSET_COMMIT, MB_API_OFFSET_FETCH,
                                    MB_API_OFFSET_FETCH};
    const mb_api_info *info;
    any_msg m1, m2;
    size_t n1, n2;
    int kind;
    int16_t v;
    if (size < 2)
        return 0;
    kind = data[0] % 4;
    info = mb_api_lookup(keys[kind]);
    if (!info)
        abort();
    v = (int16_t)(info->min_version + data[1] % (info->max_version - info->min_version + 1));
    if (decode(kind, v, data + 2, size - 2, arena1, &m1) != 0)
        return 0;
    if (encode(kind, v, &m1, enc1, &n1) != 0)
        abort(); /* whatever decodes must encode */
    if (n1 > size - 2)
        abort(); /* canonical re-encoding is never longer than the input */
    if (decode(kind, v, enc1, n1, arena2, &m2) != 0)
        abort();
    if (encode(kind, v, &m2, enc2, &n2) != 0 || n1 != n2 || memcmp(enc1, enc2, n1) != 0)
        abort();
    return 0;
}
